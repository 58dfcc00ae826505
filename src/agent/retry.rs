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
#[path = "retry_tests.rs"]
mod tests;
