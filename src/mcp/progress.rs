//! CLI output lines to MCP progress notifications, coalesced so that a chatty
//! run sends at most one notification per `mcp.progress_interval_ms`.
//!
//! The first line goes out at once (a client wants to see that work started);
//! lines arriving within the interval after a notification are batched and
//! sent together, joined by newlines, when the interval is over; lines still
//! batched when the run ends go out before its result. `progress`
//! counts the lines seen so far, so it increases with every notification as
//! the spec requires; there is no `total` because a run's length is unknown.

use std::future::Future;
use std::time::Duration;

use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::{Peer, RoleServer};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use crate::conductor::OutputLine;

/// Longest message of one notification; a burst beyond it keeps its newest text.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// Where a call's progress goes.
pub struct Progress {
    token: ProgressToken,
    peer: Peer<RoleServer>,
    interval: Duration,
}

impl Progress {
    pub fn new(token: ProgressToken, peer: Peer<RoleServer>, interval: Duration) -> Self {
        Self {
            token,
            peer,
            interval,
        }
    }
}

/// Forwards `lines` as progress notifications until the sender side closes.
pub async fn forward(lines: UnboundedReceiver<OutputLine>, progress: Progress) {
    let Progress {
        token,
        peer,
        interval,
    } = progress;
    coalesce(lines, interval, |count, message| {
        let param =
            ProgressNotificationParam::new(token.clone(), count as f64).with_message(message);
        let peer = peer.clone();
        async move {
            // A client that went away is noticed by the call's own signals;
            // here a failed send only means this notification is lost.
            if let Err(e) = peer.notify_progress(param).await {
                tracing::debug!(error = %e, "progress notification not delivered");
            }
        }
    })
    .await
}

/// The coalescing loop, generic over how a notification is sent so it can be
/// tested with paused time. `send(lines_seen, message)`.
pub async fn coalesce<F, Fut>(
    mut lines: UnboundedReceiver<OutputLine>,
    interval: Duration,
    mut send: F,
) where
    F: FnMut(u64, String) -> Fut,
    Fut: Future<Output = ()>,
{
    enum Event {
        Line(OutputLine),
        Closed,
        Due,
    }
    let mut seen: u64 = 0;
    let mut batch: Vec<String> = Vec::new();
    let mut next_allowed = Instant::now();
    loop {
        let event = if batch.is_empty() {
            lines.recv().await.map_or(Event::Closed, Event::Line)
        } else {
            tokio::select! {
                line = lines.recv() => line.map_or(Event::Closed, Event::Line),
                _ = tokio::time::sleep_until(next_allowed) => Event::Due,
            }
        };
        match event {
            Event::Line(line) => {
                // Blank separator lines carry nothing a client could show.
                if line.line.trim().is_empty() {
                    continue;
                }
                seen += 1;
                batch.push(line.line);
                if Instant::now() < next_allowed {
                    continue;
                }
            }
            Event::Due => {}
            Event::Closed => {
                if !batch.is_empty() {
                    send(seen, join_capped(&batch)).await;
                }
                return;
            }
        }
        send(seen, join_capped(&batch)).await;
        batch.clear();
        next_allowed = Instant::now() + interval;
    }
}

/// The batch joined by newlines; past `MAX_MESSAGE_BYTES` the oldest text is cut.
fn join_capped(batch: &[String]) -> String {
    let text = batch.join("\n");
    if text.len() <= MAX_MESSAGE_BYTES {
        return text;
    }
    let mut cut = text.len() - MAX_MESSAGE_BYTES;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    format!("…{}", &text[cut..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conductor::StreamKind;
    use std::sync::{Arc, Mutex};
    use tokio::sync::mpsc::unbounded_channel;

    fn line(text: &str) -> OutputLine {
        OutputLine {
            stream: StreamKind::Stdout,
            line: text.to_string(),
        }
    }

    type Sent = Arc<Mutex<Vec<(u64, String)>>>;

    /// Runs the coalescer in the background and returns what it sent.
    fn spawn_collector(
        rx: UnboundedReceiver<OutputLine>,
        interval: Duration,
    ) -> (Sent, tokio::task::JoinHandle<()>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let sink = sent.clone();
        let task = tokio::spawn(coalesce(rx, interval, move |n, msg| {
            sink.lock().unwrap().push((n, msg));
            async {}
        }));
        (sent, task)
    }

    #[tokio::test(start_paused = true)]
    async fn first_line_goes_out_at_once_then_bursts_are_batched() {
        let (tx, rx) = unbounded_channel();
        let (sent, task) = spawn_collector(rx, Duration::from_millis(250));
        tx.send(line("one")).unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(*sent.lock().unwrap(), vec![(1, "one".to_string())]);

        for text in ["two", "three", "four"] {
            tx.send(line(text)).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            sent.lock().unwrap().len(),
            1,
            "held back within the interval"
        );

        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(sent.lock().unwrap()[1], (4, "two\nthree\nfour".to_string()));
        drop(tx);
        task.await.unwrap();
        assert_eq!(sent.lock().unwrap().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn slow_lines_each_get_their_own_notification() {
        let (tx, rx) = unbounded_channel();
        let (sent, task) = spawn_collector(rx, Duration::from_millis(250));
        for text in ["a", "b", "c"] {
            tx.send(line(text)).unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        drop(tx);
        task.await.unwrap();
        let sent = sent.lock().unwrap();
        assert_eq!(
            *sent,
            vec![(1, "a".into()), (2, "b".into()), (3, "c".into())]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn pending_lines_are_flushed_when_the_run_ends_and_blank_lines_skipped() {
        let (tx, rx) = unbounded_channel();
        let (sent, task) = spawn_collector(rx, Duration::from_secs(10));
        tx.send(line("first")).unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        tx.send(line("   ")).unwrap();
        tx.send(line("last")).unwrap();
        drop(tx);
        task.await.unwrap();
        assert_eq!(
            *sent.lock().unwrap(),
            vec![(1, "first".into()), (2, "last".into())]
        );
    }

    #[test]
    fn long_batches_keep_their_newest_text() {
        let batch = vec!["é".repeat(MAX_MESSAGE_BYTES), "tail".to_string()];
        let text = join_capped(&batch);
        assert!(text.len() <= MAX_MESSAGE_BYTES + "…".len());
        assert!(text.starts_with('…') && text.ends_with("\ntail"));
    }
}
