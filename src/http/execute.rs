//! `POST /execute`: the job pipeline, answered when the job ends.

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;

use super::body::JsonBody;
use super::error::ApiError;
use super::jobs::{idempotency_header, mark_replayed, payload_errors, submit};
use super::operation::{Operation, component};
use crate::auth::Principal;
use crate::jobs::payload::Precedence;
use crate::jobs::{JobId, JobState};
use crate::state::AppState;

/// `POST /execute` on success.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExecuteResult {
    #[schemars(extend("const" = "success"))]
    pub status: &'static str,
    /// The final text.
    pub result: String,
    pub job_id: JobId,
}

/// 200 with the result; 500 with the reason; 504 with the job id when the
/// wait limit passes (the job goes on and can be followed).
pub async fn execute(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let submitted = submit(&state, &principal, &headers, &body, Precedence::Execute).await?;
    let id = submitted.job.job_id.clone();
    let limit = Duration::from_secs(state.settings.jobs.execute_wait_secs);
    let job = state
        .jobs
        .wait(&id, submitted.finished.clone(), limit)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("job {id} disappeared before it finished")))?;
    let response = match job.state {
        JobState::Succeeded => Json(ExecuteResult {
            status: "success",
            result: job.result.unwrap_or_default(),
            job_id: id,
        })
        .into_response(),
        JobState::Queued | JobState::Running | JobState::AwaitingApproval => {
            return Err(ApiError::StillRunning {
                detail: format!(
                    "Job {id} is still running after {} s; follow it at /api/v1/stream/{id}",
                    limit.as_secs()
                ),
                job_id: id.to_string(),
            });
        }
        failed => {
            return Err(ApiError::JobFailed {
                detail: job.error.unwrap_or_else(|| "the job failed".into()),
                job_id: id.to_string(),
                state: failed,
            });
        }
    };
    Ok(mark_replayed(response, &submitted))
}

pub fn doc() -> Operation {
    payload_errors(
        Operation::new("execute", "jobs", "Run a command and wait")
            .describe("Runs the command as a job and answers when it ends. The command is read from `input`, then `command`, then `textEntries[0].content`; or the body is `{\"tool\", \"arguments\"}`. Text starting with `/` is a slash command (no LLM); other text goes to the LLM agent.")
            .param(idempotency_header())
            .body_schema(component("JobPayload"), json!({"input": "/list"}), true)
            .ok::<ExecuteResult>("The job succeeded."),
    )
    .error(500, "The job failed, timed out or was cancelled (`detail` says why; `job_id` and `state` are included).")
    .error(504, "The job is still running after `jobs.execute_wait_secs`; it goes on (`job_id` and `stream_url` are included).")
}
