//! Jobs: ids, states and records.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A job's id: `job_<uuid4>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(Arc<str>);

impl JobId {
    /// A fresh `job_<uuid4>`.
    pub fn new() -> Self {
        Self(Arc::from(format!("job_{}", uuid::Uuid::new_v4())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for JobId {
    fn default() -> Self {
        Self::new()
    }
}

impl From<&str> for JobId {
    fn from(id: &str) -> Self {
        Self(Arc::from(id))
    }
}

impl From<String> for JobId {
    fn from(id: String) -> Self {
        Self(Arc::from(id))
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for JobId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl JsonSchema for JobId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "JobId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "`job_<uuid4>`."
        })
    }

    fn inline_schema() -> bool {
        true
    }
}

/// A job's state. `queued` → `running` → exactly one terminal state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Accepted, waiting for a free run slot.
    Queued,
    /// Executing.
    Running,
    /// Executing, and waiting for a person to approve a destructive tool call.
    AwaitingApproval,
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
        !matches!(
            self,
            JobState::Queued | JobState::Running | JobState::AwaitingApproval
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::AwaitingApproval => "awaiting_approval",
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
            JobState::AwaitingApproval,
            JobState::Succeeded,
            JobState::Failed,
            JobState::Cancelled,
            JobState::TimedOut,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

impl crate::metrics::Label for JobState {
    fn label(&self) -> &'static str {
        self.as_str()
    }
}

/// What a job knows about itself.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JobRecord {
    pub job_id: JobId,
    pub state: JobState,
    /// The principal that created the job (`anonymous` without keys); only it
    /// and admin keys see the job.
    pub owner: String,
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
