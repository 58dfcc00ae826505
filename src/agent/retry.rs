//! Retrying model requests: exponential backoff with jitter, `Retry-After`,
//! and bounds on both the number of retries and the total time spent waiting.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Total waiting between attempts.
    pub max_wait: Duration,
    /// The first backoff; it doubles per retry.
    pub base: Duration,
    /// The longest single backoff (a `Retry-After` may ask for more, within `max_wait`).
    pub cap: Duration,
}

/// What one failed attempt means for the next.
#[derive(Debug)]
pub enum Attempt<E> {
    /// Worth another try, after `retry_after` if the server named a time.
    Retry {
        error: E,
        retry_after: Option<Duration>,
    },
    /// Retrying cannot help (bad key, bad request).
    Fatal(E),
}

/// Why the retries ended without success.
#[derive(Debug)]
pub struct GaveUp<E> {
    pub error: E,
    /// Attempts made, the first included.
    pub attempts: u32,
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based), given how long earlier
    /// retries already waited; `None` when the count or the time budget is spent.
    /// `jitter` is in `[0, 1)`.
    pub fn delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        waited: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        if retry == 0 || retry > self.max_retries {
            return None;
        }
        let exponent = (retry - 1).min(20);
        let backoff = self.base.saturating_mul(1 << exponent).min(self.cap);
        // "Equal jitter": at least half the backoff, so retries of many clients
        // spread out without any of them hammering the server at once.
        let wait = retry_after.unwrap_or_else(|| backoff / 2 + backoff.mul_f64(jitter / 2.0));
        (waited + wait <= self.max_wait).then_some(wait)
    }

    /// Runs `attempt` until it succeeds, fails fatally, or the policy gives up.
    pub async fn run<T, E, F, Fut>(&self, attempt: F) -> Result<T, GaveUp<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Attempt<E>>>,
    {
        self.run_with(attempt, tokio::time::sleep).await
    }

    /// `run` with the waiting passed in, so tests can see the waits without
    /// spending them.
    async fn run_with<T, E, F, Fut, S, SFut>(
        &self,
        mut attempt: F,
        mut sleep: S,
    ) -> Result<T, GaveUp<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Attempt<E>>>,
        S: FnMut(Duration) -> SFut,
        SFut: Future<Output = ()>,
    {
        let mut waited = Duration::ZERO;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (error, retry_after) = match attempt().await {
                Ok(value) => return Ok(value),
                Err(Attempt::Fatal(error)) => return Err(GaveUp { error, attempts }),
                Err(Attempt::Retry { error, retry_after }) => (error, retry_after),
            };
            let Some(wait) = self.delay(attempts, retry_after, waited, jitter()) else {
                return Err(GaveUp { error, attempts });
            };
            let started = Instant::now();
            sleep(wait).await;
            waited += started.elapsed().max(wait);
        }
    }
}

/// A number in `[0, 1)` that differs between calls and processes.
fn jitter() -> f64 {
    // std's RandomState is seeded per process and stepped per instance, which
    // is all the randomness jitter needs; a `rand` dependency would buy nothing.
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// The server's requested wait: `retry-after-ms` (OpenAI, Azure), then
/// `Retry-After` as seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
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
            assert!(
                *wait >= Duration::from_millis(full / 2) && *wait < Duration::from_millis(full)
            );
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
}
