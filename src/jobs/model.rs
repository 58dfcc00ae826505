//! Jobs and their events: ids, states, records, and the wire form of an event.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A job's state. `queued` → `running` → exactly one terminal state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Accepted, waiting for a free run slot.
    Queued,
    /// Executing.
    Running,
    /// Finished with a result.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Stopped by a cancel request (or shutdown).
    Cancelled,
    /// A deadline passed; its processes were killed.
    TimedOut,
}

impl JobState {
    pub fn is_terminal(self) -> bool {
        !matches!(self, JobState::Queued | JobState::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::TimedOut => "timed_out",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Succeeded,
            JobState::Failed,
            JobState::Cancelled,
            JobState::TimedOut,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// What a job knows about itself.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JobRecord {
    /// `job_<uuid4>`.
    pub job_id: String,
    pub state: JobState,
    /// The command as the user wrote it (or `tool:<name>`).
    pub command: String,
    /// How the command was understood: `tool`, `slash` or `text`.
    pub kind: String,
    /// The payload's `metadata`, kept as sent.
    pub metadata: Value,
    /// Unix time in seconds.
    pub created_at: f64,
    /// Unix time in seconds; `null` while queued.
    pub started_at: Option<f64>,
    /// Unix time in seconds; `null` until the job ends.
    pub finished_at: Option<f64>,
    /// The final text of a succeeded job.
    pub result: Option<String>,
    /// Why the job failed, timed out or was cancelled.
    pub error: Option<String>,
    /// Sequence number of the last event so far.
    pub last_event_id: u64,
}

/// Unix time in seconds, as the contract's `timestamp`.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `job_<uuid4>`.
pub fn new_job_id() -> String {
    format!("job_{}", uuid::Uuid::new_v4())
}

/// The event that always ends a stream.
pub const END_OF_STREAM: &str = "end_of_stream";

/// One event of a job's log, encoded once and shared by every subscriber.
#[derive(Debug)]
pub struct StoredEvent {
    pub seq: u64,
    /// The complete SSE message: `id: <seq>\ndata: <json>\n\n` (no `event:` field,
    /// so browsers' `EventSource.onmessage` sees it).
    pub frame: Bytes,
    pub terminal: bool,
}

/// The contract's event object: `{"event", "data", "timestamp", "job_id"}`.
pub fn event_json(job_id: &str, event: &str, data: &Value, timestamp: f64) -> String {
    #[derive(Serialize)]
    struct Wire<'a> {
        event: &'a str,
        data: &'a Value,
        timestamp: f64,
        job_id: &'a str,
    }
    serde_json::to_string(&Wire {
        event,
        data,
        timestamp,
        job_id,
    })
    .unwrap_or_else(|_| String::from("{}"))
}

/// Frames one event as an SSE message with its id.
pub fn sse_frame(seq: u64, json: &str) -> Bytes {
    // serde_json's compact output never contains a newline, so one data line suffices.
    Bytes::from(format!("id: {seq}\ndata: {json}\n\n"))
}
