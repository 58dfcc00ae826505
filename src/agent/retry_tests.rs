//! Unit tests of the retry policy: backoff bounds, budgets, `Retry-After`
//! forms, and the retry loop with its waits recorded instead of spent.

use super::*;
use reqwest::header::HeaderValue;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        max_wait: Duration::from_secs(60),
        base: Duration::from_millis(500),
        cap: Duration::from_secs(8),
    }
}

#[test]
fn backoff_doubles_within_jitter_bounds_and_caps() {
    let p = policy();
    for (retry, full) in [(1, 500), (2, 1000), (3, 2000), (4, 4000)] {
        let low = p.delay(retry, None, Duration::ZERO, 0.0).unwrap();
        let high = p.delay(retry, None, Duration::ZERO, 0.999_999).unwrap();
        assert_eq!(low, Duration::from_millis(full / 2));
        assert!(high < Duration::from_millis(full) && high > low);
    }
    let capped = RetryPolicy {
        max_retries: 30,
        ..p
    };
    assert_eq!(
        capped.delay(25, None, Duration::ZERO, 0.0),
        Some(Duration::from_secs(4))
    );
}

#[test]
fn count_and_time_budget_bound_the_retries() {
    let p = policy();
    assert_eq!(p.delay(5, None, Duration::ZERO, 0.5), None);
    assert_eq!(
        p.delay(1, Some(Duration::from_secs(61)), Duration::ZERO, 0.5),
        None
    );
    assert_eq!(
        p.delay(
            2,
            Some(Duration::from_secs(10)),
            Duration::from_secs(55),
            0.5
        ),
        None
    );
    assert_eq!(
        p.delay(
            2,
            Some(Duration::from_secs(5)),
            Duration::from_secs(55),
            0.5
        ),
        Some(Duration::from_secs(5))
    );
}

#[test]
fn retry_after_forms() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
    let mut h = HeaderMap::new();
    assert_eq!(retry_after(&h, now), None);
    h.insert("retry-after", HeaderValue::from_static("7"));
    assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
    h.insert(
        "retry-after",
        HeaderValue::from_static("Sun, 06 Nov 1994 08:49:40 GMT"),
    );
    assert_eq!(retry_after(&h, now), Some(Duration::from_secs(3)));
    h.insert("retry-after", HeaderValue::from_static("soon"));
    assert_eq!(retry_after(&h, now), None);
    h.insert("retry-after-ms", HeaderValue::from_static("1500"));
    assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
}

/// A sleeper that records the waits and returns at once.
fn recorder() -> (
    Arc<Mutex<Vec<Duration>>>,
    impl FnMut(Duration) -> std::future::Ready<()>,
) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let w = waits.clone();
    (waits, move |d| {
        w.lock().unwrap().push(d);
        std::future::ready(())
    })
}

#[tokio::test]
async fn run_honours_retry_after_then_succeeds() {
    let calls = AtomicU32::new(0);
    let (waits, sleep) = recorder();
    let result = policy()
        .run_with(
            || {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 2 {
                        Err(Attempt::Retry {
                            error: "429",
                            retry_after: Some(Duration::from_secs(3)),
                        })
                    } else {
                        Ok(n)
                    }
                }
            },
            sleep,
        )
        .await;
    assert_eq!(result.unwrap(), 2);
    assert_eq!(*waits.lock().unwrap(), vec![Duration::from_secs(3); 2]);
}

#[tokio::test]
async fn run_gives_up_after_max_retries_with_the_last_error() {
    let calls = AtomicU32::new(0);
    let (waits, sleep) = recorder();
    let result: Result<(), _> = policy()
        .run_with(
            || {
                calls.fetch_add(1, Ordering::SeqCst);
                async {
                    Err(Attempt::Retry {
                        error: "500",
                        retry_after: None,
                    })
                }
            },
            sleep,
        )
        .await;
    let gave_up = result.unwrap_err();
    assert_eq!((gave_up.error, gave_up.attempts), ("500", 5));
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    // Four growing backoffs: 0.25–0.5, 0.5–1, 1–2 and 2–4 seconds.
    let waits = waits.lock().unwrap();
    assert_eq!(waits.len(), 4);
    for (wait, full) in waits.iter().zip([500u64, 1000, 2000, 4000]) {
        assert!(*wait >= Duration::from_millis(full / 2) && *wait < Duration::from_millis(full));
    }
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_budget_ends_the_retries() {
    let (waits, sleep) = recorder();
    let result: Result<(), _> = policy()
        .run_with(
            || async {
                Err(Attempt::Retry {
                    error: "429",
                    retry_after: Some(Duration::from_secs(3600)),
                })
            },
            sleep,
        )
        .await;
    assert_eq!(result.unwrap_err().attempts, 1);
    assert!(waits.lock().unwrap().is_empty());
}

#[tokio::test]
async fn fatal_errors_are_not_retried() {
    let calls = AtomicU32::new(0);
    let (_, sleep) = recorder();
    let result: Result<(), _> = policy()
        .run_with(
            || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(Attempt::Fatal("401")) }
            },
            sleep,
        )
        .await;
    assert_eq!(result.unwrap_err().attempts, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
