//! What a running job's executor gets: its id and owner, cancellation, event
//! emission, tool runs that stream their steps as `on_tool_*` events, and
//! approval requests for destructive calls.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::approval::{Approvals, Decision};
use super::event::JobEvent;
use super::model::{JobId, JobState};
use super::store::{JobStore, JobUpdate};
use crate::auth::Scopes;
use crate::conductor::toolbox::EnvKey;
use crate::conductor::{Conductor, ToolError, ToolResult};
use crate::tools::{Outcome, ToolDef};

/// Why a job did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFailure {
    /// `failed`, `cancelled` or `timed_out`.
    pub state: JobState,
    pub message: String,
}

impl JobFailure {
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            state: JobState::Failed,
            message: message.into(),
        }
    }

    pub fn cancelled() -> Self {
        Self {
            state: JobState::Cancelled,
            message: "job cancelled".into(),
        }
    }
}

/// Runs natural-language commands (the LLM agent plugs in here).
#[async_trait]
pub trait Agent: Send + Sync + 'static {
    async fn run(&self, ctx: &JobContext, text: &str) -> Result<String, JobFailure>;
}

/// Handed to whatever executes a job.
/// A tool call that could not run (unknown tool, missing scope, bad
/// arguments, busy runner). A refusal for scope names the tool itself.
#[derive(Debug, thiserror::Error)]
#[error("{}", refusal(tool, cause))]
pub struct NotRun {
    pub tool: String,
    pub cause: ToolError,
}

fn refusal(tool: &str, cause: &ToolError) -> String {
    match cause {
        ToolError::Forbidden(why) => why.clone(),
        other => format!("{tool}: {other}"),
    }
}

#[derive(Clone)]
pub struct JobContext {
    pub job_id: JobId,
    /// The payload's `metadata`.
    pub metadata: Value,
    /// Fires on cancel requests and at the end of the shutdown grace period.
    pub cancel: CancellationToken,
    pub store: Arc<dyn JobStore>,
    pub conductor: Arc<Conductor>,
    /// What the submitting API key may do; tools beyond it are refused.
    pub scopes: Scopes,
    /// The principal that submitted the job: its `set_environment` applies.
    pub owner: Arc<str>,
    pub approvals: Arc<Approvals>,
}

impl JobContext {
    /// Appends an event to the job's log. A store failure is logged, not fatal:
    /// the job's outcome still reaches its record.
    pub async fn emit(&self, event: JobEvent) {
        let name = event.name();
        if let Err(e) = self.store.append(&self.job_id, event).await {
            tracing::warn!(job_id = %self.job_id, event = name, error = %e, "event not stored");
        }
    }

    /// Runs a catalogue tool: `on_tool_start`, one `on_tool_output` per CLI
    /// line as it arrives, then `on_tool_end` with the structured result.
    /// A tool that ran and failed is still `Ok` (its result says so); `Err`
    /// means it could not run (unknown tool, bad arguments, busy runner).
    pub async fn run_tool(&self, name: &str, arguments: Value) -> Result<ToolResult, NotRun> {
        self.emit(JobEvent::OnToolStart {
            tool: name.to_string(),
            input: arguments.clone(),
        })
        .await;
        let env = EnvKey::principal(&self.owner);
        // Checked before anything runs: the key's scopes, then the arguments.
        let granted = match self.conductor.prepare(self.scopes, name, arguments, &env) {
            Ok(granted) => granted,
            Err(cause) => {
                let refused = NotRun {
                    tool: name.to_string(),
                    cause,
                };
                self.tool_failed(name, &refused.cause.to_string()).await;
                return Err(refused);
            }
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<crate::conductor::OutputLine>();
        let forward = {
            let ctx = self.clone();
            let tool = name.to_string();
            async move {
                while let Some(line) = rx.recv().await {
                    ctx.emit(JobEvent::OnToolOutput {
                        tool: tool.clone(),
                        stream: line.stream,
                        line: line.line,
                    })
                    .await;
                }
            }
        };
        let call = self
            .conductor
            .execute(granted, &env, Some(tx), self.cancel.child_token());
        // The call drops its sender when the run ends, which ends the forwarder,
        // so every output line is stored before `on_tool_end`.
        let (result, ()) = tokio::join!(call, forward);
        match result {
            Ok(result) => {
                self.emit(JobEvent::OnToolEnd {
                    tool: name.to_string(),
                    status: if result.is_error { "error" } else { "success" }.into(),
                    outcome: result.outcome,
                    output: Some(result.structured.clone()),
                    error: result.error.clone(),
                })
                .await;
                Ok(result)
            }
            Err(busy) => {
                let refused = NotRun {
                    tool: name.to_string(),
                    cause: ToolError::Busy(busy),
                };
                self.tool_failed(name, &refused.cause.to_string()).await;
                Err(refused)
            }
        }
    }

    /// `on_tool_end` of a call that never ran.
    pub async fn tool_failed(&self, name: &str, message: &str) {
        self.emit(JobEvent::OnToolEnd {
            tool: name.to_string(),
            status: "error".into(),
            outcome: None,
            output: None,
            error: Some(message.to_string()),
        })
        .await;
    }

    /// Asks a person whether the model may run `tool`: the job shows
    /// `awaiting_approval` and emits `approval_required` until an answer
    /// comes, `timeout` passes (a denial) or the job is cancelled.
    pub async fn request_approval(
        &self,
        call_id: &str,
        tool: &'static ToolDef,
        arguments: &Value,
        timeout: Duration,
    ) -> Decision {
        let answer = self.approvals.open(call_id, tool);
        self.set_state(JobState::AwaitingApproval).await;
        self.emit(JobEvent::ApprovalRequired {
            call_id: call_id.to_string(),
            tool: tool.name.to_string(),
            arguments: arguments.clone(),
            timeout_secs: timeout.as_secs(),
        })
        .await;
        let decision = tokio::select! {
            answer = answer => answer.ok(),
            _ = tokio::time::sleep(timeout) => None,
            _ = self.cancel.cancelled() => None,
        };
        self.approvals.close(call_id);
        let decision = decision.unwrap_or_else(|| Decision {
            approve: false,
            by: "timeout".into(),
        });
        self.emit(JobEvent::ApprovalResolved {
            call_id: call_id.to_string(),
            approved: decision.approve,
            by: decision.by.clone(),
        })
        .await;
        if !self.approvals.any() && !self.cancel.is_cancelled() {
            self.set_state(JobState::Running).await;
        }
        decision
    }

    async fn set_state(&self, state: JobState) {
        if let Err(e) = self
            .store
            .update(&self.job_id, JobUpdate::State(state))
            .await
        {
            tracing::warn!(job_id = %self.job_id, error = %e, "job state not recorded");
        }
        let message = match state {
            JobState::AwaitingApproval => "waiting for a person to approve a tool call",
            _ => "job running",
        };
        self.emit(JobEvent::StatusUpdate {
            state,
            message: message.into(),
        })
        .await;
    }
}

/// The job failure that a failed tool result means in direct mode.
pub fn tool_failure(result: &ToolResult) -> JobFailure {
    let state = match result.outcome {
        Some(Outcome::Timeout) => JobState::TimedOut,
        Some(Outcome::Cancelled) => JobState::Cancelled,
        _ => JobState::Failed,
    };
    let reason = result.error.as_deref().unwrap_or("the tool failed");
    JobFailure {
        state,
        message: format!("{}: {reason}", result.tool),
    }
}
