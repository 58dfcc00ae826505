//! What a running job's executor gets: its id, cancellation, event emission,
//! and tool runs that stream their steps as `on_tool_*` events.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::model::JobState;
use super::store::JobStore;
use crate::auth::Scopes;
use crate::conductor::toolbox::EnvKey;
use crate::conductor::{Conductor, ToolResult};
use crate::tools::{self, Outcome};

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
#[derive(Clone)]
pub struct JobContext {
    pub job_id: Arc<str>,
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
}

impl JobContext {
    /// Appends an event to the job's log. A store failure is logged, not fatal:
    /// the job's outcome still reaches its record.
    pub async fn emit(&self, event: &str, data: Value) {
        if let Err(e) = self.store.append(&self.job_id, event, data).await {
            tracing::warn!(job_id = %self.job_id, event, error = %e, "event not stored");
        }
    }

    /// Runs a catalogue tool: `on_tool_start`, one `on_tool_output` per CLI
    /// line as it arrives, then `on_tool_end` with the structured result.
    /// A tool that ran and failed is still `Ok` (its result says so); `Err`
    /// means it could not run (unknown tool, bad arguments, busy runner).
    pub async fn run_tool(&self, name: &str, arguments: Value) -> Result<ToolResult, String> {
        if let Some(tool) = tools::find(name)
            && !self.scopes.allows(tool.scope)
        {
            let message = format!(
                "{name}: needs the '{}' scope, which this API key lacks",
                tool.scope.as_str()
            );
            self.emit("on_tool_start", json!({ "tool": name, "input": arguments }))
                .await;
            self.emit(
                "on_tool_end",
                json!({ "tool": name, "status": "error", "error": message }),
            )
            .await;
            return Err(message);
        }
        self.emit("on_tool_start", json!({ "tool": name, "input": arguments }))
            .await;
        let (tx, mut rx) = mpsc::unbounded_channel::<crate::conductor::OutputLine>();
        let forward = {
            let ctx = self.clone();
            let tool = name.to_string();
            async move {
                while let Some(line) = rx.recv().await {
                    ctx.emit(
                        "on_tool_output",
                        json!({ "tool": tool, "stream": line.stream, "line": line.line }),
                    )
                    .await;
                }
            }
        };
        let env = EnvKey::principal(&self.owner);
        let call = self
            .conductor
            .call(name, arguments, &env, Some(tx), self.cancel.child_token());
        // The call drops its sender when the run ends, which ends the forwarder,
        // so every output line is stored before `on_tool_end`.
        let (result, ()) = tokio::join!(call, forward);
        match result {
            Ok(result) => {
                self.emit(
                    "on_tool_end",
                    json!({
                        "tool": name,
                        "status": if result.is_error { "error" } else { "success" },
                        "outcome": result.outcome,
                        "output": result.structured,
                        "error": result.error,
                    }),
                )
                .await;
                Ok(result)
            }
            Err(e) => {
                let message = e.to_string();
                self.emit(
                    "on_tool_end",
                    json!({ "tool": name, "status": "error", "error": message }),
                )
                .await;
                Err(format!("{name}: {message}"))
            }
        }
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
