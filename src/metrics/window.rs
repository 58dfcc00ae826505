//! The last hour at a glance: a ring of per-minute buckets for the status
//! summary (`GET /api/v1/status/summary`).
//!
//! Sixty fixed-size buckets, one per wall-clock minute, each with the jobs
//! that finished by final state, the CLI runs and a histogram of their
//! durations, and the requests refused by the rate limit. A bucket is reused
//! when its minute comes round again, so memory is bounded and recording is a
//! short lock over a few integer adds, with no allocation. Open streams are
//! plain atomic counters.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use schemars::JsonSchema;
use serde::Serialize;

/// Minutes kept.
pub const MINUTES: usize = 60;
/// Seconds per bucket.
pub const BUCKET_SECS: u64 = 60;

/// The final job states counted, in the order of [`FinishedJobs`].
const FINAL_STATES: [&str; 4] = ["succeeded", "failed", "cancelled", "timed_out"];

/// Upper bounds of the CLI run duration buckets in milliseconds; one more
/// bucket holds longer runs.
const BOUNDS_MS: [u32; 20] = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000, 120_000,
    300_000, 600_000, 1_800_000, 3_600_000,
];
const BUCKETS: usize = BOUNDS_MS.len() + 1;

/// One minute's counts.
#[derive(Clone, Copy)]
struct Minute {
    /// The minute since the Unix epoch this bucket holds; `u64::MAX` when unused.
    at: u64,
    finished: [u32; 4],
    refused: u32,
    cli: Durations,
}

/// CLI run durations: a histogram with the smallest and largest run.
#[derive(Clone, Copy)]
struct Durations {
    runs: u32,
    min_ms: u32,
    max_ms: u32,
    counts: [u32; BUCKETS],
}

const NO_DURATIONS: Durations = Durations {
    runs: 0,
    min_ms: u32::MAX,
    max_ms: 0,
    counts: [0; BUCKETS],
};

const UNUSED: Minute = Minute {
    at: u64::MAX,
    finished: [0; 4],
    refused: 0,
    cli: NO_DURATIONS,
};

impl Durations {
    fn record(&mut self, ms: u32) {
        let bucket = BOUNDS_MS
            .iter()
            .position(|b| ms <= *b)
            .unwrap_or(BOUNDS_MS.len());
        self.counts[bucket] = self.counts[bucket].saturating_add(1);
        self.runs = self.runs.saturating_add(1);
        self.min_ms = self.min_ms.min(ms);
        self.max_ms = self.max_ms.max(ms);
    }

    fn merge(&mut self, other: &Durations) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a = a.saturating_add(*b);
        }
        self.runs = self.runs.saturating_add(other.runs);
        self.min_ms = self.min_ms.min(other.min_ms);
        self.max_ms = self.max_ms.max(other.max_ms);
    }

    /// The `q` quantile in milliseconds, interpolated inside its bucket and
    /// kept between the smallest and largest run; `None` without runs.
    fn quantile(&self, q: f64) -> Option<f64> {
        if self.runs == 0 {
            return None;
        }
        let (min, max) = (f64::from(self.min_ms), f64::from(self.max_ms));
        let rank = q.clamp(0.0, 1.0) * f64::from(self.runs);
        let mut seen = 0u32;
        for (i, count) in self.counts.iter().enumerate() {
            if *count == 0 {
                continue;
            }
            let next = seen.saturating_add(*count);
            if f64::from(next) >= rank {
                let lower = if i == 0 {
                    0.0
                } else {
                    f64::from(BOUNDS_MS[i - 1])
                };
                let upper = BOUNDS_MS.get(i).map_or(max, |b| f64::from(*b));
                let within = (rank - f64::from(seen)) / f64::from(*count);
                let value = lower + (upper - lower) * within;
                return Some(value.clamp(min, max));
            }
            seen = next;
        }
        Some(max)
    }
}

/// Jobs that reached each final state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FinishedJobs {
    pub succeeded: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub timed_out: u64,
}

impl FinishedJobs {
    fn add(&mut self, counts: &[u32; 4]) {
        self.succeeded += u64::from(counts[0]);
        self.failed += u64::from(counts[1]);
        self.cancelled += u64::from(counts[2]);
        self.timed_out += u64::from(counts[3]);
    }

    /// All of them.
    pub fn total(&self) -> u64 {
        self.succeeded + self.failed + self.cancelled + self.timed_out
    }
}

/// One minute of the summary.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MinuteSummary {
    /// Unix time in seconds the minute starts at.
    pub start: u64,
    /// Jobs that finished in this minute, by final state.
    pub jobs: FinishedJobs,
    /// CLI runs that ended in this minute.
    pub cli_runs: u64,
    /// Median CLI run duration in milliseconds (estimated from a histogram); `null` without runs.
    pub cli_p50_ms: Option<f64>,
    /// 95th percentile CLI run duration in milliseconds; `null` without runs.
    pub cli_p95_ms: Option<f64>,
    /// Requests refused by the rate limit (REST and MCP).
    pub rate_limited: u64,
}

/// The last hour as a whole: the sum of its minutes.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HourSummary {
    pub jobs: FinishedJobs,
    pub cli_runs: u64,
    /// Median CLI run duration over the hour in milliseconds; `null` without runs.
    pub cli_p50_ms: Option<f64>,
    /// 95th percentile CLI run duration over the hour in milliseconds; `null` without runs.
    pub cli_p95_ms: Option<f64>,
    pub rate_limited: u64,
}

/// What the window holds at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Oldest first; always [`MINUTES`] of them, the last one the current minute.
    pub minutes: Vec<MinuteSummary>,
    pub hour: HourSummary,
    /// Open SSE subscriptions.
    pub sse_streams: u64,
    /// Open MCP sessions.
    pub mcp_sessions: u64,
}

/// The ring and the open-stream counters.
pub struct Window {
    ring: Mutex<[Minute; MINUTES]>,
    sse: AtomicI64,
    mcp: AtomicI64,
}

impl Default for Window {
    fn default() -> Self {
        Self::new()
    }
}

/// The process's window, fed by the functions of `metrics`.
pub static WINDOW: Window = Window::new();

/// Unix time in whole seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Window {
    pub const fn new() -> Self {
        Self {
            ring: Mutex::new([UNUSED; MINUTES]),
            sse: AtomicI64::new(0),
            mcp: AtomicI64::new(0),
        }
    }

    /// Runs `f` on the bucket of the minute `now` (Unix seconds) falls in.
    fn at(&self, now: u64, f: impl FnOnce(&mut Minute)) {
        let minute = now / BUCKET_SECS;
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let slot = &mut ring[(minute % MINUTES as u64) as usize];
        if slot.at != minute {
            *slot = UNUSED;
            slot.at = minute;
        }
        f(slot);
    }

    /// A job ended in `state`; states that are not final are ignored.
    pub fn job_finished(&self, now: u64, state: &str) {
        if let Some(i) = FINAL_STATES.iter().position(|s| *s == state) {
            self.at(now, |m| m.finished[i] = m.finished[i].saturating_add(1));
        }
    }

    /// A CLI run ended after `elapsed`.
    pub fn cli_run(&self, now: u64, elapsed: Duration) {
        let ms = u32::try_from(elapsed.as_millis()).unwrap_or(u32::MAX);
        self.at(now, |m| m.cli.record(ms));
    }

    /// The rate limit refused a request.
    pub fn refused(&self, now: u64) {
        self.at(now, |m| m.refused = m.refused.saturating_add(1));
    }

    /// SSE subscriptions opened (positive) or closed (negative).
    pub fn sse_streams(&self, delta: i64) {
        self.sse.fetch_add(delta, Ordering::Relaxed);
    }

    /// MCP sessions open now.
    pub fn mcp_sessions(&self, open: u64) {
        self.mcp
            .store(i64::try_from(open).unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    /// The last [`MINUTES`] minutes up to the one `now` falls in.
    pub fn snapshot(&self, now: u64) -> Snapshot {
        let current = now / BUCKET_SECS;
        let ring = *self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let mut minutes = Vec::with_capacity(MINUTES);
        let mut jobs = FinishedJobs::default();
        let mut cli = NO_DURATIONS;
        let mut rate_limited = 0;
        for back in (0..MINUTES as u64).rev() {
            let Some(minute) = current.checked_sub(back) else {
                continue;
            };
            let slot = &ring[(minute % MINUTES as u64) as usize];
            let bucket = if slot.at == minute { slot } else { &UNUSED };
            let mut finished = FinishedJobs::default();
            finished.add(&bucket.finished);
            jobs.add(&bucket.finished);
            cli.merge(&bucket.cli);
            rate_limited += u64::from(bucket.refused);
            minutes.push(MinuteSummary {
                start: minute * BUCKET_SECS,
                jobs: finished,
                cli_runs: u64::from(bucket.cli.runs),
                cli_p50_ms: bucket.cli.quantile(0.5),
                cli_p95_ms: bucket.cli.quantile(0.95),
                rate_limited: u64::from(bucket.refused),
            });
        }
        let open = |n: &AtomicI64| u64::try_from(n.load(Ordering::Relaxed)).unwrap_or(0);
        Snapshot {
            minutes,
            hour: HourSummary {
                jobs,
                cli_runs: u64::from(cli.runs),
                cli_p50_ms: cli.quantile(0.5),
                cli_p95_ms: cli.quantile(0.95),
                rate_limited,
            },
            sse_streams: open(&self.sse),
            mcp_sessions: open(&self.mcp),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minute boundary.
    const T0: u64 = 30_000_000 * 60;

    #[test]
    fn counts_land_in_their_minute_and_the_hour() {
        let w = Window::new();
        w.job_finished(T0, "succeeded");
        w.job_finished(T0 + 1, "succeeded");
        w.job_finished(T0 + 61, "failed");
        w.job_finished(T0 + 61, "running");
        w.refused(T0 + 62);
        let s = w.snapshot(T0 + 65);
        assert_eq!(s.minutes.len(), MINUTES);
        let last = &s.minutes[MINUTES - 1];
        assert_eq!(last.start, T0 + 60);
        assert_eq!(last.jobs.failed, 1);
        assert_eq!(last.rate_limited, 1);
        assert_eq!(s.minutes[MINUTES - 2].jobs.succeeded, 2);
        assert_eq!(s.hour.jobs.total(), 3);
        assert_eq!(s.hour.rate_limited, 1);
    }

    #[test]
    fn minutes_older_than_an_hour_are_forgotten() {
        let w = Window::new();
        w.job_finished(T0, "cancelled");
        assert_eq!(w.snapshot(T0 + 59 * 60).hour.jobs.cancelled, 1);
        assert_eq!(w.snapshot(T0 + 60 * 60).hour.jobs.cancelled, 0);
        // The slot is reused for the new minute, starting from zero.
        w.job_finished(T0 + 60 * 60, "timed_out");
        let s = w.snapshot(T0 + 60 * 60);
        assert_eq!(s.hour.jobs.total(), 1);
        assert_eq!(s.hour.jobs.timed_out, 1);
    }

    #[test]
    fn quantiles_come_from_the_histogram_within_the_observed_range() {
        let w = Window::new();
        assert_eq!(w.snapshot(T0).hour.cli_p50_ms, None);
        w.cli_run(T0, Duration::from_millis(300));
        let one = w.snapshot(T0);
        assert_eq!(one.hour.cli_p50_ms, Some(300.0));
        assert_eq!(one.hour.cli_p95_ms, Some(300.0));
        for ms in 1..=100 {
            w.cli_run(T0 + 1, Duration::from_millis(ms * 10));
        }
        let s = w.snapshot(T0 + 2);
        let p50 = s.hour.cli_p50_ms.unwrap();
        let p95 = s.hour.cli_p95_ms.unwrap();
        assert!((200.0..=1000.0).contains(&p50), "{p50}");
        assert!(p95 >= p50 && p95 <= 1000.0, "{p95}");
        assert_eq!(s.hour.cli_runs, 101);
        assert_eq!(s.minutes[MINUTES - 1].cli_runs, 101);
    }

    #[test]
    fn open_streams_never_go_negative() {
        let w = Window::new();
        w.sse_streams(2);
        w.sse_streams(-3);
        w.mcp_sessions(4);
        let s = w.snapshot(T0);
        assert_eq!(s.sse_streams, 0);
        assert_eq!(s.mcp_sessions, 4);
    }
}
