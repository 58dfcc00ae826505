//! `GET /api/v1/status/summary`: the system at a glance for the console's
//! Status screen: the last hour per minute (jobs by final state, CLI run
//! durations, rate-limit refusals) from `metrics::window`, and what runs,
//! waits and streams now against its limits.

use axum::Json;
use axum::extract::State;
use schemars::JsonSchema;
use serde::Serialize;

use super::operation::Operation;
use crate::metrics::window::{self, BUCKET_SECS, HourSummary, MinuteSummary, WINDOW};
use crate::state::AppState;

/// The summary.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StatusSummary {
    /// Unix time in seconds the summary was made.
    pub generated_at: u64,
    /// Seconds per bucket of `minutes` (60).
    pub bucket_secs: u64,
    /// The last 60 minutes, oldest first; the last one is the current, unfinished minute.
    pub minutes: Vec<MinuteSummary>,
    /// The same hour as one total.
    pub hour: HourSummary,
    pub jobs: JobLoad,
    pub streams: StreamLoad,
}

/// Jobs running and waiting now, against `jobs.max_running` and `jobs.max_queued`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JobLoad {
    pub running: u64,
    pub max_running: u64,
    pub queued: u64,
    pub max_queued: u64,
}

/// Connections held open now.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StreamLoad {
    /// Open SSE subscriptions to job streams.
    pub sse: u64,
    /// Open MCP sessions.
    pub mcp_sessions: u64,
    /// `limits.max_streams_per_client`: open streams allowed per client.
    pub max_streams_per_client: u64,
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

pub async fn summary(State(state): State<AppState>) -> Json<StatusSummary> {
    let now = window::unix_now();
    let snapshot = WINDOW.snapshot(now);
    let (running, queued) = state.jobs.load();
    let limits = state.jobs.settings();
    Json(StatusSummary {
        generated_at: now,
        bucket_secs: BUCKET_SECS,
        minutes: snapshot.minutes,
        hour: snapshot.hour,
        jobs: JobLoad {
            running: count(running),
            max_running: count(limits.max_running),
            queued: count(queued),
            max_queued: count(limits.max_queued),
        },
        streams: StreamLoad {
            sse: snapshot.sse_streams,
            mcp_sessions: snapshot.mcp_sessions,
            max_streams_per_client: count(state.settings.limits.max_streams_per_client),
        },
    })
}

pub fn doc() -> Operation {
    Operation::new("status_summary", "service", "Status summary")
        .describe("The system at a glance, from the gateway's own counters: per minute over the last hour, the jobs that finished by final state, the CLI runs with their median and 95th percentile duration (estimated from a histogram), and the requests the rate limit refused; and now, the running and queued jobs against their limits and the open SSE streams and MCP sessions. Counts are this process's since it started; memory is fixed (60 buckets).")
        .ok::<StatusSummary>("The summary.")
}
