//! `POST /execute`: the job pipeline, answered when the job ends.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use super::body::JsonBody;
use super::error::ApiError;
use super::jobs::{mark_replayed, submit};
use crate::auth::Principal;
use crate::jobs::JobState;
use crate::jobs::payload::Precedence;
use crate::state::AppState;

/// 200 with the result; 500 with the reason; 504 with the job id when the
/// wait limit passes (the job goes on and can be followed).
pub async fn execute(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let principal = principal.map(|p| p.0).unwrap_or_else(Principal::anonymous);
    let submitted = submit(&state, &principal, &headers, &body, Precedence::Execute).await?;
    let id = submitted.job.job_id.clone();
    let limit = Duration::from_secs(state.settings.jobs.execute_wait_secs);
    let job =
        state.jobs.wait(&submitted, limit).await?.ok_or_else(|| {
            ApiError::internal(format!("job {id} disappeared before it finished"))
        })?;
    let response = match job.state {
        JobState::Succeeded => Json(json!({
            "status": "success",
            "result": job.result.unwrap_or_default(),
            "job_id": id,
        }))
        .into_response(),
        JobState::Queued | JobState::Running => {
            return Err(ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "Job {id} is still running after {} s; follow it at /api/v1/stream/{id}",
                    limit.as_secs()
                ),
            )
            .with("job_id", id.clone())
            .with("stream_url", format!("/api/v1/stream/{id}")));
        }
        failed => {
            return Err(
                ApiError::internal(job.error.unwrap_or_else(|| "the job failed".into()))
                    .with("job_id", id)
                    .with("state", failed.as_str()),
            );
        }
    };
    Ok(mark_replayed(response, &submitted))
}
