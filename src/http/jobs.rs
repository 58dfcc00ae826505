//! Job endpoints: start (`/api/v1/stream-execute`), read, list, cancel.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::body::JsonBody;
use super::error::ApiError;
use crate::auth::Principal;
use crate::jobs::payload::{self, JobCommand, PayloadError, Precedence};
use crate::jobs::store::JobQuery;
use crate::jobs::{CancelError, JobRecord, JobState, StoreError, SubmitError, Submitted};
use crate::state::AppState;
use crate::tools;

impl From<PayloadError> for ApiError {
    fn from(e: PayloadError) -> Self {
        match e {
            PayloadError::NoCommand => ApiError::bad_request("No command found in payload"),
            PayloadError::Invalid(why) => ApiError::unprocessable(why),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::TooMany { .. } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, e.to_string()).retry_after(1)
            }
            SubmitError::ShuttingDown => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()).retry_after(5)
            }
            SubmitError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(id) => {
                ApiError::not_found(format!("Job {id} not found (unknown or expired)"))
            }
            StoreError::Unavailable(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()).retry_after(1)
            }
        }
    }
}

/// The `Idempotency-Key` header, when present and sensible.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => match v.to_str() {
            Ok(s) if !s.is_empty() && s.len() <= 256 => Ok(Some(s.to_string())),
            _ => Err(ApiError::bad_request(
                "Idempotency-Key must be 1 to 256 visible ASCII characters",
            )),
        },
    }
}

/// Parses the payload, checks the caller may run it, and submits the job.
pub async fn submit(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    body: &Value,
    precedence: Precedence,
) -> Result<Submitted, ApiError> {
    let key = idempotency_key(headers)?;
    let parsed = payload::parse(body, precedence)?;
    if let JobCommand::Tool { name, .. } = &parsed.command
        && let Some(tool) = tools::find(name)
    {
        principal
            .require(tool.scope)
            .map_err(|why| ApiError::new(StatusCode::FORBIDDEN, why))?;
    }
    Ok(state.jobs.submit(parsed, key, principal).await?)
}

/// Marks a response that repeats an earlier job.
pub fn mark_replayed(mut response: Response, submitted: &Submitted) -> Response {
    if submitted.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// `POST /api/v1/stream-execute`: answers at once with the job id.
pub async fn stream_execute(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let principal = principal.map(|p| p.0).unwrap_or_else(Principal::anonymous);
    let submitted = submit(&state, &principal, &headers, &body, Precedence::Stream).await?;
    let id = &submitted.job.job_id;
    let response = Json(json!({
        "job_id": id,
        "status": "started",
        "stream_url": format!("/api/v1/stream/{id}"),
    }))
    .into_response();
    Ok(mark_replayed(response, &submitted))
}

/// A job as the API shows it.
pub fn view(job: &JobRecord) -> Value {
    let mut v = serde_json::to_value(job).unwrap_or(Value::Null);
    v["stream_url"] = Value::from(format!("/api/v1/stream/{}", job.job_id));
    v
}

/// `GET /api/v1/jobs/{job_id}`
pub async fn get(
    State(state): State<AppState>,
    Path(job_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match state.jobs.store().get(&job_id).await? {
        Some(job) => Ok(Json(view(&job))),
        None => Err(StoreError::NotFound(job_id).into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// `GET /api/v1/jobs?state=&limit=&offset=`: newest first.
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let filter = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(JobState::parse(s).ok_or_else(|| {
            ApiError::unprocessable(format!(
                "state: unknown state '{s}' (queued, running, succeeded, failed, cancelled, timed_out)"
            ))
        })?),
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let offset = q.offset.unwrap_or(0);
    let (jobs, total) = state
        .jobs
        .store()
        .list(JobQuery {
            state: filter,
            limit,
            offset,
        })
        .await?;
    Ok(Json(json!({
        "jobs": jobs.iter().map(view).collect::<Vec<_>>(),
        "total": total,
        "limit": limit,
        "offset": offset,
    })))
}

/// `POST /api/v1/jobs/{job_id}/cancel`: idempotent; 409 once finished otherwise.
pub async fn cancel(
    State(state): State<AppState>,
    Path(job_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match state.jobs.cancel(&job_id).await {
        Ok(job) => Ok(Json(view(&job))),
        Err(CancelError::NotFound(id)) => Err(StoreError::NotFound(id).into()),
        Err(CancelError::Finished(job)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "Job {} already finished ({})",
                job.job_id,
                job.state.as_str()
            ),
        )
        .with("state", job.state.as_str())
        .with("job_id", job.job_id.clone())),
        Err(CancelError::Store(e)) => Err(e.into()),
    }
}
