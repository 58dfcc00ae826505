//! Pending approvals: a destructive tool call the model asked for waits here
//! until a person answers (`POST /api/v1/jobs/{id}/approvals/{call_id}`), the
//! time runs out, or the job is cancelled.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::oneshot;

use super::lock;
use crate::tools::ToolDef;

/// A person's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub approve: bool,
    /// Who answered (a principal's name), or `timeout`.
    pub by: String,
}

struct Pending {
    tool: &'static ToolDef,
    answer: oneshot::Sender<Decision>,
}

/// The open approval requests of one job.
#[derive(Default)]
pub struct Approvals {
    pending: Mutex<HashMap<String, Pending>>,
}

/// Why an answer was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("no approval request {0} is waiting in this job")]
    NotPending(String),
}

impl Approvals {
    /// Opens a request; the receiver gets the answer.
    pub fn open(&self, call_id: &str, tool: &'static ToolDef) -> oneshot::Receiver<Decision> {
        let (answer, receiver) = oneshot::channel();
        lock(&self.pending).insert(call_id.to_string(), Pending { tool, answer });
        receiver
    }

    /// Closes a request that ended without an answer (time out, cancel).
    pub fn close(&self, call_id: &str) {
        lock(&self.pending).remove(call_id);
    }

    /// Whether any request is still open.
    pub fn any(&self) -> bool {
        !lock(&self.pending).is_empty()
    }

    /// The tool a pending request would run.
    pub fn tool(&self, call_id: &str) -> Option<&'static ToolDef> {
        lock(&self.pending).get(call_id).map(|p| p.tool)
    }

    /// Delivers an answer.
    pub fn answer(&self, call_id: &str, decision: Decision) -> Result<(), AnswerError> {
        let pending = lock(&self.pending)
            .remove(call_id)
            .ok_or_else(|| AnswerError::NotPending(call_id.to_string()))?;
        // The waiter may have timed out a moment ago: then the answer is moot.
        let _ = pending.answer.send(decision);
        Ok(())
    }
}
