//! The one place where domain errors become HTTP statuses and `{"detail": ...}`
//! bodies: `ApiError`, its single `status()`, every `From` impl, and the
//! middleware that gives the framework's own rejections the same shape and
//! logs server errors (`into_response` itself has no side effects).

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;

use crate::auth::{AuthError, MissingScope};
use crate::conductor::{Busy, ToolError};
use crate::jobs::{CancelError, JobState, PayloadError, StoreError, SubmitError};
use crate::limits::TooManyStreams;
use crate::tools::ArgError;

/// An error answered to an HTTP client.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    MethodNotAllowed,
    /// The request (its body) took too long to arrive.
    RequestTimeout(String),
    /// The job is already finished in another state.
    Conflict {
        detail: String,
        job_id: String,
        state: JobState,
    },
    TooLarge {
        detail: String,
        field: Option<String>,
    },
    UnsupportedMediaType(String),
    Unprocessable {
        detail: String,
        field: Option<String>,
    },
    TooManyRequests {
        detail: String,
        retry_after: u64,
    },
    /// A job ended without a result (`/execute`).
    JobFailed {
        detail: String,
        job_id: String,
        state: JobState,
    },
    Internal(String),
    Unavailable {
        detail: String,
        retry_after: u64,
    },
    /// `/execute` stopped waiting; the job goes on.
    StillRunning {
        detail: String,
        job_id: String,
    },
}

/// Every error body: `{"detail": "..."}`, sometimes with more fields.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody {
    /// What went wrong, for people.
    pub detail: String,
    /// The argument at fault (invalid tool arguments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The job concerned (`/execute` failures and time-outs, cancel conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The job's state (failures, cancel conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<JobState>,
    /// Where to follow a job that is still running (504 of `/execute`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_url: Option<String>,
}

impl ErrorBody {
    fn detail(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            field: None,
            job_id: None,
            state: None,
            stream_url: None,
        }
    }
}

/// The detail of a server error, carried on the response for the logging middleware.
#[derive(Debug, Clone)]
struct ServerErrorDetail(String);

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::JobFailed { .. } | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::StillRunning { .. } => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    pub fn too_large(detail: impl Into<String>) -> Self {
        ApiError::TooLarge {
            detail: detail.into(),
            field: None,
        }
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        ApiError::Unprocessable {
            detail: detail.into(),
            field: None,
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::TooManyRequests { retry_after, .. }
            | ApiError::Unavailable { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    fn body(self) -> ErrorBody {
        match self {
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::RequestTimeout(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::Internal(d)
            | ApiError::TooManyRequests { detail: d, .. }
            | ApiError::Unavailable { detail: d, .. } => ErrorBody::detail(d),
            ApiError::MethodNotAllowed => ErrorBody::detail("Method Not Allowed"),
            ApiError::Unprocessable { detail, field } | ApiError::TooLarge { detail, field } => {
                ErrorBody {
                    field,
                    ..ErrorBody::detail(detail)
                }
            }
            ApiError::Conflict {
                detail,
                job_id,
                state,
            }
            | ApiError::JobFailed {
                detail,
                job_id,
                state,
            } => ErrorBody {
                job_id: Some(job_id),
                state: Some(state),
                ..ErrorBody::detail(detail)
            },
            ApiError::StillRunning { detail, job_id } => ErrorBody {
                stream_url: Some(format!("/api/v1/stream/{job_id}")),
                job_id: Some(job_id),
                ..ErrorBody::detail(detail)
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after();
        let unauthorized = matches!(self, ApiError::Unauthorized(_));
        let body = self.body();
        let server_error = status.is_server_error().then(|| body.detail.clone());
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if unauthorized {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(detail) = server_error {
            response.extensions_mut().insert(ServerErrorDetail(detail));
        }
        response
    }
}

impl From<ArgError> for ApiError {
    fn from(e: ArgError) -> Self {
        if e.too_large {
            ApiError::TooLarge {
                detail: e.to_string(),
                field: Some(e.field),
            }
        } else {
            ApiError::Unprocessable {
                detail: e.to_string(),
                field: Some(e.field),
            }
        }
    }
}

impl From<Busy> for ApiError {
    fn from(e: Busy) -> Self {
        ApiError::Unavailable {
            detail: e.to_string(),
            retry_after: 1,
        }
    }
}

/// A `Last-Event-ID` that is not an event id (a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Last-Event-ID must be an event id (a non-negative integer), not '{0}'")]
pub struct BadEventId(pub String);

impl From<BadEventId> for ApiError {
    fn from(e: BadEventId) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

impl From<MissingScope> for ApiError {
    fn from(e: MissingScope) -> Self {
        ApiError::Forbidden(e.to_string())
    }
}

impl From<ToolError> for ApiError {
    fn from(e: ToolError) -> Self {
        match e {
            ToolError::UnknownTool(name) => ApiError::NotFound(format!("unknown tool '{name}'")),
            ToolError::Forbidden(why) => ApiError::Forbidden(why),
            ToolError::InvalidArguments(arg) => arg.into(),
            ToolError::Busy(busy) => busy.into(),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        ApiError::Unauthorized(e.to_string())
    }
}

impl From<TooManyStreams> for ApiError {
    fn from(e: TooManyStreams) -> Self {
        ApiError::TooManyRequests {
            detail: e.to_string(),
            retry_after: 5,
        }
    }
}

impl From<PayloadError> for ApiError {
    fn from(e: PayloadError) -> Self {
        match e {
            PayloadError::NoCommand => ApiError::BadRequest("No command found in payload".into()),
            PayloadError::Invalid(why) => ApiError::unprocessable(why),
            PayloadError::TooLarge(why) => ApiError::too_large(why),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::TooMany { .. } => ApiError::TooManyRequests {
                detail: e.to_string(),
                retry_after: 1,
            },
            SubmitError::ShuttingDown | SubmitError::Full => ApiError::Unavailable {
                detail: e.to_string(),
                retry_after: 5,
            },
            SubmitError::KeyReused => ApiError::unprocessable(e.to_string()),
            SubmitError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(id) => {
                ApiError::NotFound(format!("Job {id} not found (unknown or expired)"))
            }
            StoreError::Unavailable(_) => ApiError::Unavailable {
                detail: e.to_string(),
                retry_after: 1,
            },
        }
    }
}

impl From<CancelError> for ApiError {
    fn from(e: CancelError) -> Self {
        match e {
            CancelError::NotFound(id) => StoreError::NotFound(id).into(),
            CancelError::Finished(job) => ApiError::Conflict {
                detail: format!(
                    "Job {} already finished ({})",
                    job.job_id,
                    job.state.as_str()
                ),
                job_id: job.job_id.to_string(),
                state: job.state,
            },
            CancelError::Store(e) => e.into(),
        }
    }
}

/// Error bodies are JSON however they were made: a rejection written by the
/// framework (`?limit=abc`, a malformed path) as plain text becomes
/// `{"detail": "<that text>"}`. Server errors are logged here, with the
/// request id, and nowhere else.
pub async fn json_errors(response: Response, request_id: &HeaderValue) -> Response {
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    if let Some(ServerErrorDetail(detail)) = response.extensions().get::<ServerErrorDetail>() {
        let id = request_id.to_str().unwrap_or("-");
        tracing::warn!(status = status.as_u16(), request_id = id, detail = %detail, "request failed");
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, 16 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    if status.is_server_error() {
        let id = request_id.to_str().unwrap_or("-");
        tracing::warn!(status = status.as_u16(), request_id = id, detail = %detail, "request failed");
    }
    let body = serde_json::to_vec(&ErrorBody::detail(detail)).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
