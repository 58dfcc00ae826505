//! `drive` under paused time: what a call waits for, and in which order its
//! progress and its result go out. The clock only moves when something waits
//! on a timer, so "no time passed" is exact, not a measurement.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use super::*;
use crate::conductor::StreamKind;
use crate::mcp::progress;

type NoProgress = fn(UnboundedReceiver<OutputLine>) -> std::future::Ready<()>;

fn line(text: &str) -> OutputLine {
    OutputLine {
        stream: StreamKind::Stdout,
        line: text.to_string(),
    }
}

/// A run of `length` that prints `lines` at its start and `last` at its end.
async fn fake_run(
    sink: Option<OutputSink>,
    length: Duration,
    lines: &[&str],
    last: Option<&str>,
) -> &'static str {
    for text in lines {
        if let Some(sink) = &sink {
            sink.send(line(text)).unwrap();
        }
    }
    tokio::time::sleep(length).await;
    if let (Some(sink), Some(text)) = (&sink, last) {
        sink.send(line(text)).unwrap();
    }
    "done"
}

#[tokio::test(start_paused = true)]
async fn without_a_progress_token_a_call_waits_for_its_run_only() {
    let started = Instant::now();
    let result = drive(
        |sink, _| {
            assert!(sink.is_none(), "no output channel without a token");
            fake_run(sink, Duration::from_millis(300), &[], None)
        },
        &CallSignals::none(),
        None::<NoProgress>,
    )
    .await;
    assert_eq!(result, "done");
    assert_eq!(started.elapsed(), Duration::from_millis(300));
}

#[tokio::test(start_paused = true)]
async fn an_instant_local_tool_takes_no_time_at_all() {
    let started = Instant::now();
    let result = drive(
        |_, _| async { "local" },
        &CallSignals::none(),
        None::<NoProgress>,
    )
    .await;
    assert_eq!(result, "local");
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn with_a_token_every_batched_line_goes_out_before_the_result() {
    let sent: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    let record = sent.clone();
    let forward = move |rx| {
        progress::coalesce(rx, Duration::from_millis(250), move |count, message| {
            record.lock().unwrap().push((count, message));
            async {}
        })
    };
    let started = Instant::now();
    let result = drive(
        |sink, _| {
            fake_run(
                sink,
                Duration::from_millis(10),
                &["one", "two", "three"],
                Some("four"),
            )
        },
        &CallSignals::none(),
        Some(forward),
    )
    .await;
    assert_eq!(result, "done");
    // The batch held back by the interval is flushed as soon as the run ends,
    // not when the interval is over.
    assert_eq!(started.elapsed(), Duration::from_millis(10));
    assert_eq!(
        *sent.lock().unwrap(),
        vec![(1, "one".to_string()), (4, "two\nthree\nfour".to_string())]
    );
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_stops_reading_delays_the_result_by_the_final_bound_at_most() {
    let forward = |mut rx: UnboundedReceiver<OutputLine>| async move {
        // Reads one line, then hangs as a stalled transport would.
        let _ = rx.recv().await;
        std::future::pending::<()>().await
    };
    let started = Instant::now();
    let result = drive(
        |sink, _| fake_run(sink, Duration::ZERO, &["x"], None),
        &CallSignals::none(),
        Some(forward),
    )
    .await;
    assert_eq!(result, "done");
    assert_eq!(started.elapsed(), FINAL_PROGRESS);
}

#[tokio::test(start_paused = true)]
async fn a_client_cancel_stops_the_run_through_its_token() {
    let signals = CallSignals::none();
    signals.request_cancelled.cancel();
    let result = drive(
        |_, cancel: CancellationToken| async move {
            cancel.cancelled().await;
            "cancelled"
        },
        &signals,
        None::<NoProgress>,
    )
    .await;
    assert_eq!(result, "cancelled");
}
