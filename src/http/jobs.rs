//! Job endpoints: start (`/api/v1/stream-execute`), read, list, cancel and
//! answer an approval. A job belongs to the principal that created it: other
//! keys (admins aside) get 404 for it, as if it did not exist.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::body::JsonBody;
use super::error::ApiError;
use super::operation::{Operation, component, header_param, path_param, query_param};
use crate::auth::Principal;
use crate::jobs::manager::Idempotency;
use crate::jobs::payload::{self, JobCommand, Precedence};
use crate::jobs::store::JobQuery;
use crate::jobs::{ApprovalError, JobId, JobRecord, JobState, StoreError, Submitted};
use crate::state::AppState;
use crate::tools;

/// `POST /api/v1/stream-execute`: answered before any work is done.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JobStarted {
    pub job_id: JobId,
    #[schemars(extend("const" = "started"))]
    pub status: &'static str,
    /// `/api/v1/stream/<job_id>`.
    pub stream_url: String,
}

/// A job as the API shows it.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Job")]
pub struct JobView {
    #[serde(flatten)]
    pub record: JobRecord,
    /// `/api/v1/stream/<job_id>`.
    pub stream_url: String,
}

impl JobView {
    pub fn of(record: JobRecord) -> Self {
        let stream_url = format!("/api/v1/stream/{}", record.job_id);
        Self { record, stream_url }
    }
}

/// `GET /api/v1/jobs`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JobList {
    /// Newest first, without their `result` (read the job for it).
    pub jobs: Vec<JobView>,
    /// Jobs matching the filter, over all pages.
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
}

/// The body of an approval answer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalBody {
    /// `true` runs the tool call; `false` tells the model it was denied.
    pub approve: bool,
}

/// An approval answer was taken.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApprovalTaken {
    pub job_id: JobId,
    pub call_id: String,
    pub approved: bool,
}

/// The `Idempotency-Key` header with the payload's fingerprint, when present and sensible.
pub fn idempotency(headers: &HeaderMap, body: &Value) -> Result<Option<Idempotency>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => match v.to_str() {
            Ok(s) if !s.is_empty() && s.len() <= 256 => {
                // serde_json writes object keys sorted, so equal payloads print alike.
                let digest = Sha256::digest(body.to_string().as_bytes());
                let fingerprint = digest.iter().map(|b| format!("{b:02x}")).collect();
                Ok(Some(Idempotency {
                    key: s.to_string(),
                    fingerprint,
                }))
            }
            _ => Err(ApiError::BadRequest(
                "Idempotency-Key must be 1 to 256 visible ASCII characters".into(),
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
    let idem = idempotency(headers, body)?;
    payload::check_metadata(body, state.settings.jobs.max_metadata_bytes)?;
    let parsed = payload::parse(body, precedence)?;
    if let JobCommand::Tool { name, .. } = &parsed.command
        && let Some(tool) = tools::find(name)
    {
        principal.require(tool.scope)?;
    }
    Ok(state.jobs.submit(parsed, idem, principal).await?)
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
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let submitted = submit(&state, &principal, &headers, &body, Precedence::Stream).await?;
    let id = submitted.job.job_id.clone();
    let response = Json(JobStarted {
        stream_url: format!("/api/v1/stream/{id}"),
        job_id: id,
        status: "started",
    })
    .into_response();
    Ok(mark_replayed(response, &submitted))
}

/// `GET /api/v1/jobs/{job_id}`
pub async fn get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(job_id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    match state
        .jobs
        .get_for(&JobId::from(job_id.clone()), &principal)
        .await?
    {
        Some(job) => Ok(Json(JobView::of(job))),
        None => Err(StoreError::NotFound(job_id).into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// `GET /api/v1/jobs?state=&limit=&offset=`: the caller's jobs (every job for
/// admins), newest first.
pub async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(q): Query<ListQuery>,
) -> Result<Json<JobList>, ApiError> {
    let filter = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(JobState::parse(s).ok_or_else(|| {
            ApiError::unprocessable(format!(
                "state: unknown state '{s}' (queued, running, awaiting_approval, succeeded, failed, cancelled, timed_out)"
            ))
        })?),
    };
    let limit = q.limit.unwrap_or(50).clamp(1, state.settings.jobs.max_page);
    let offset = q.offset.unwrap_or(0);
    let (jobs, total) = state
        .jobs
        .store()
        .list(JobQuery {
            state: filter,
            owner: (!principal.sees_all()).then(|| principal.name.to_string()),
            limit,
            offset,
        })
        .await?;
    Ok(Json(JobList {
        jobs: jobs
            .into_iter()
            .map(|mut job| {
                // Results can be megabytes: a page of them would be a download.
                job.result = None;
                JobView::of(job)
            })
            .collect(),
        total,
        limit,
        offset,
    }))
}

/// `POST /api/v1/jobs/{job_id}/cancel`: idempotent; 409 once finished otherwise.
pub async fn cancel(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(job_id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = state.jobs.cancel(&JobId::from(job_id), &principal).await?;
    Ok(Json(JobView::of(job)))
}

/// `POST /api/v1/jobs/{job_id}/approvals/{call_id}`: a person's answer to a
/// destructive tool call the model asked for.
pub async fn approve(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((job_id, call_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<ApprovalTaken>, ApiError> {
    let answer: ApprovalBody = serde_json::from_value(body).map_err(|e| {
        ApiError::unprocessable(format!("the body must be {{\"approve\": true|false}}: {e}"))
    })?;
    let id = JobId::from(job_id);
    state
        .jobs
        .answer_approval(&id, &call_id, answer.approve, &principal)
        .await
        .map_err(|e| match e {
            ApprovalError::NotFound(id) => StoreError::NotFound(id).into(),
            ApprovalError::NotPending(why) => ApiError::NotFound(why.to_string()),
            ApprovalError::Forbidden(missing) => missing.into(),
            ApprovalError::Store(e) => e.into(),
        })?;
    Ok(Json(ApprovalTaken {
        job_id: id,
        call_id,
        approved: answer.approve,
    }))
}

fn job_id_param() -> Value {
    path_param(
        "job_id",
        "The job's id, `job_<uuid4>`.",
        json!({"type": "string"}),
    )
}

/// The errors of a command payload.
pub fn payload_errors(op: Operation) -> Operation {
    op.error(400, "No command in the payload (`{\"detail\": \"No command found in payload\"}`), or a malformed `Idempotency-Key`.")
        .error(403, "The key lacks the scope, or the payload names a tool (by `tool` or a slash command) whose scope the key lacks.")
        .error(413, "The body or its `metadata` (`jobs.max_metadata_bytes`) is too large.")
        .error(422, "The body is not JSON, a field has the wrong shape (`tool`, `arguments`), or the `Idempotency-Key` was used with another payload.")
        .error(429, "Rate limit, or too many jobs queued (`jobs.max_queued`); `Retry-After` says when to retry.")
        .error(503, "The gateway is shutting down, or the job store is full or unavailable; `Retry-After` is set.")
}

pub fn idempotency_header() -> Value {
    header_param(
        "Idempotency-Key",
        "Same key from the same API key within `jobs.idempotency_window_secs`: the same job is returned (response header `Idempotent-Replayed: true`) instead of a new one. The same key with another payload is 422.",
        json!({"type": "string", "minLength": 1, "maxLength": 256}),
    )
}

pub fn doc_start() -> Operation {
    payload_errors(
        Operation::new("stream_execute", "jobs", "Start a job")
            .describe("Starts the command as a background job and answers at once; follow it at `stream_url`. The command is read from `textEntries[0].content`, then `input`, then `command`; or the body is `{\"tool\", \"arguments\"}`.")
            .param(idempotency_header())
            .body_schema(component("JobPayload"), json!({"textEntries": [{"content": "/list", "type": "text"}], "metadata": {"source": "web"}}), true)
            .ok::<JobStarted>("The job was accepted."),
    )
}

pub fn doc_list() -> Operation {
    Operation::new("list_jobs", "jobs", "List jobs")
        .describe("The caller's jobs (an admin key sees everyone's), newest first, optionally of one state. Items leave out `result`; read the job for it.")
        .param(query_param("state", "Only jobs in this state.", component("JobState")))
        .param(query_param("limit", "At most this many (clamped to 1..`jobs.max_page`, default 100).", json!({"type": "integer", "minimum": 0, "default": 50})))
        .param(query_param("offset", "Skip this many.", json!({"type": "integer", "minimum": 0, "default": 0})))
        .ok::<JobList>("A page of jobs.")
        .error(400, "A non-numeric `limit`/`offset`.")
        .error(422, "Unknown `state`.")
        .error(503, "The job store is unavailable.")
}

pub fn doc_get() -> Operation {
    Operation::new("get_job", "jobs", "Read a job")
        .param(job_id_param())
        .ok::<JobView>("The job.")
        .error(
            404,
            "Unknown job, another key's job, or its retention has passed.",
        )
        .error(503, "The job store is unavailable.")
}

pub fn doc_cancel() -> Operation {
    Operation::new("cancel_job", "jobs", "Cancel a job")
        .describe("Stops a queued or running job of the caller's (its CLI process groups are killed). Cancelling a cancelled job answers it again.")
        .param(job_id_param())
        .ok::<JobView>("The job, now `cancelled`.")
        .error(404, "Unknown job, or another key's job.")
        .error(409, "The job already finished otherwise (`state` and `job_id` are included).")
        .error(503, "The job store is unavailable.")
}

pub fn doc_approve() -> Operation {
    Operation::new("answer_approval", "jobs", "Approve or deny a tool call")
        .describe("The model asked for a destructive tool (`approval_required` event, job state `awaiting_approval`): `{\"approve\": true}` runs it, `{\"approve\": false}` tells the model it was denied. The job's owner (or an admin) answers, and approving needs the tool's scope. No answer within `agent.approval_timeout_secs` counts as a denial.")
        .param(job_id_param())
        .param(path_param("call_id", "The `call_id` of the `approval_required` event.", json!({"type": "string"})))
        .body::<ApprovalBody>(json!({"approve": true}), true)
        .ok::<ApprovalTaken>("The answer was taken; the job goes on.")
        .error(403, "Approving needs the tool's scope, which the key lacks.")
        .error(404, "Unknown job, another key's job, or no such request is waiting.")
}
