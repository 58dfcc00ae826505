//! Following a job's Server-Sent Events: `eventsource-stream` over reqwest's byte stream,
//! reconnecting with `Last-Event-ID` as a browser does when the connection drops (bounded
//! attempts, the server's `retry:` delay doubled on each failure), and never yielding an event
//! twice.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures::{Stream, StreamExt};
use tokio::time::Instant;

use super::event::JobEvent;
use super::http::{ClientError, Gateway, root_cause};

/// Delay before the first reconnection when the server sent no `retry:` hint.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between two attempts, however many failed.
const MAX_RETRY: Duration = Duration::from_secs(30);

/// What following yields.
#[derive(Debug)]
pub enum FeedItem {
    /// A new event (never one seen before).
    Event(JobEvent),
    /// Something the user should hear about (a reconnection, a message that was not JSON).
    Notice(String),
}

type SseStream =
    Pin<Box<dyn Stream<Item = Result<Event, EventStreamError<reqwest::Error>>> + Send>>;

/// A job's event stream across reconnections. `next` is cancel-safe: dropping its future (to
/// handle Ctrl-C, say) loses nothing, since all progress lives in the struct.
pub struct EventFeed {
    gateway: Gateway,
    job_id: String,
    retries: u32,
    last_id: Option<u64>,
    /// The server's latest `retry:` hint in milliseconds (0: none yet).
    retry_hint: Arc<AtomicU64>,
    stream: Option<SseStream>,
    /// Failed attempts since the last event received.
    failures: u32,
    reconnect_at: Option<Instant>,
    finished: bool,
}

impl EventFeed {
    pub fn new(gateway: Gateway, job_id: &str, retries: u32) -> Self {
        Self {
            gateway,
            job_id: job_id.to_string(),
            retries,
            last_id: None,
            retry_hint: Arc::new(AtomicU64::new(0)),
            stream: None,
            failures: 0,
            reconnect_at: None,
            finished: false,
        }
    }

    /// The next event or notice; `None` once `end_of_stream` has been yielded.
    pub async fn next(&mut self) -> Result<Option<FeedItem>, ClientError> {
        loop {
            if self.finished {
                return Ok(None);
            }
            if let Some(at) = self.reconnect_at {
                tokio::time::sleep_until(at).await;
                self.reconnect_at = None;
            }
            let Some(stream) = self.stream.as_mut() else {
                match self.gateway.open_stream(&self.job_id, self.last_id).await {
                    Ok(response) => self.stream = Some(self.events_of(response)),
                    Err(e) if e.is_transient() => return self.retry_later(e.to_string()),
                    Err(e) => return Err(e),
                }
                continue;
            };
            match stream.next().await {
                Some(Ok(message)) => {
                    if let Some(item) = self.accept(message) {
                        return Ok(Some(item));
                    }
                }
                Some(Err(e)) => {
                    self.stream = None;
                    return self.retry_later(stream_error(&e));
                }
                None => {
                    self.stream = None;
                    return self
                        .retry_later("the connection closed before the end of the job".into());
                }
            }
        }
    }

    /// Wraps a stream response: the bytes go through the `retry:` scanner into the SSE parser.
    fn events_of(&self, response: reqwest::Response) -> SseStream {
        let hint = self.retry_hint.clone();
        let mut scan = RetryScan::default();
        let bytes = response.bytes_stream().map(move |chunk| {
            if let Ok(bytes) = &chunk
                && let Some(ms) = scan.feed(bytes)
            {
                hint.store(ms.max(1), Ordering::Relaxed);
            }
            chunk
        });
        Box::pin(bytes.eventsource())
    }

    /// Turns one SSE message into an item; `None` for a duplicate.
    fn accept(&mut self, message: Event) -> Option<FeedItem> {
        if let Some(retry) = message.retry {
            let ms = u64::try_from(retry.as_millis()).unwrap_or(u64::MAX);
            self.retry_hint.store(ms.max(1), Ordering::Relaxed);
        }
        let id = message.id.trim().parse::<u64>().ok();
        if let (Some(id), Some(last)) = (id, self.last_id)
            && id <= last
        {
            return None;
        }
        if id.is_some() {
            self.last_id = id;
        }
        self.failures = 0;
        match JobEvent::parse(&message.data) {
            Some(event) => {
                if event.name == crate::jobs::event::END_OF_STREAM {
                    self.finished = true;
                    self.stream = None;
                }
                Some(FeedItem::Event(event))
            }
            None => Some(FeedItem::Notice(format!(
                "skipped a message that is not a JSON object: {}",
                message.data.chars().take(120).collect::<String>()
            ))),
        }
    }

    /// Schedules the next attempt, or gives up after `retries` failures in a row.
    fn retry_later(&mut self, reason: String) -> Result<Option<FeedItem>, ClientError> {
        self.failures += 1;
        if self.failures > self.retries {
            return Err(ClientError::StreamLost {
                job_id: self.job_id.clone(),
                attempts: self.failures,
                reason,
            });
        }
        let delay = backoff(self.hint(), self.failures);
        self.reconnect_at = Some(Instant::now() + delay);
        let after = match self.last_id {
            Some(id) => format!("after event {id}"),
            None => "from the start".to_string(),
        };
        Ok(Some(FeedItem::Notice(format!(
            "connection lost ({reason}); reconnecting in {:.1}s, resuming {after} (attempt {} of {})",
            delay.as_secs_f64(),
            self.failures,
            self.retries
        ))))
    }

    fn hint(&self) -> Duration {
        match self.retry_hint.load(Ordering::Relaxed) {
            0 => DEFAULT_RETRY,
            ms => Duration::from_millis(ms),
        }
    }
}

/// The wait before attempt `attempt` (1-based): the hint, doubled per earlier failure, capped.
pub fn backoff(hint: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
    hint.saturating_mul(factor).min(MAX_RETRY.max(hint))
}

fn stream_error(e: &EventStreamError<reqwest::Error>) -> String {
    match e {
        EventStreamError::Transport(e) => root_cause(e),
        other => other.to_string(),
    }
}

/// Finds `retry:` fields in the raw bytes. eventsource-stream applies `retry` only to a message
/// that also carries data and drops it otherwise, and the gateway sends its hint as a message of
/// its own (`retry: 2000` then a blank line), so the hint is read here, beside the parser.
#[derive(Debug, Default)]
pub struct RetryScan {
    /// The start of a line whose end has not arrived yet (only kept while it may be `retry:`).
    partial: Vec<u8>,
    /// The current line is known not to be a `retry:` field; skip to its end.
    skipping: bool,
}

impl RetryScan {
    /// Feeds a chunk; answers the last complete `retry:` value in it, in milliseconds.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<u64> {
        const FIELD: &[u8] = b"retry:";
        let mut found = None;
        for &b in bytes {
            if b == b'\n' || b == b'\r' {
                if !self.skipping && self.partial.starts_with(FIELD) {
                    let value = &self.partial[FIELD.len()..];
                    let value = value.strip_prefix(b" ").unwrap_or(value);
                    if !value.is_empty() && value.iter().all(u8::is_ascii_digit) {
                        found = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
                    }
                }
                self.partial.clear();
                self.skipping = false;
            } else if !self.skipping {
                self.partial.push(b);
                let n = self.partial.len();
                // Only `retry:` plus a number is worth keeping; anything else is skipped.
                let prefix_ok = n <= FIELD.len() && FIELD.starts_with(&self.partial);
                if !(prefix_ok || (self.partial.starts_with(FIELD) && n <= FIELD.len() + 21)) {
                    self.partial.clear();
                    self.skipping = true;
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_hints_are_found_across_chunks() {
        let mut scan = RetryScan::default();
        assert_eq!(scan.feed(b"retry: 2000\n\n"), Some(2000));
        assert_eq!(scan.feed(b"id: 1\ndata: {\"retry: 5\"}\n\nre"), None);
        assert_eq!(scan.feed(b"try:7"), None);
        assert_eq!(scan.feed(b"50\r\n"), Some(750));
        assert_eq!(scan.feed(b"retry: soon\n"), None);
        assert_eq!(scan.feed(b"data: retry: 9\n"), None);
    }

    #[test]
    fn backoff_doubles_from_the_hint_and_is_capped() {
        let hint = Duration::from_millis(500);
        assert_eq!(backoff(hint, 1), hint);
        assert_eq!(backoff(hint, 2), Duration::from_secs(1));
        assert_eq!(backoff(hint, 3), Duration::from_secs(2));
        assert_eq!(backoff(hint, 30), MAX_RETRY);
        assert_eq!(backoff(Duration::from_secs(60), 2), Duration::from_secs(60));
    }
}
