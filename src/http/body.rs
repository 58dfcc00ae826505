//! Request bodies: read whole, within a size limit and a time limit, before
//! any handler sees them (both listeners); and the JSON body extractor: 422
//! for a body that is not JSON, 413 past the size limit, 408 past the time
//! limit, all in the `{"detail": ...}` shape.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;

use super::error::ApiError;

/// How much of a body, and how fast.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub timeout: Duration,
}

/// Reads the body within its limits, so a client that trickles a body (or
/// sends a huge one) ties up nothing past them.
pub async fn buffer(req: Request, limits: BodyLimits) -> Result<Request, ApiError> {
    let (parts, body) = req.into_parts();
    let empty = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v == "0")
        || (!parts.headers.contains_key(header::CONTENT_LENGTH)
            && !parts.headers.contains_key(header::TRANSFER_ENCODING));
    if empty {
        return Ok(Request::from_parts(parts, body));
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_bytes) {
        return Err(too_large());
    }
    let limited = http_body_util::Limited::new(body, limits.max_bytes);
    let bytes = match tokio::time::timeout(limits.timeout, limited.collect()).await {
        Err(_) => {
            return Err(ApiError::RequestTimeout(format!(
                "the request body did not arrive within {} s (limits.body_read_timeout_secs)",
                limits.timeout.as_secs()
            )));
        }
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                return Err(too_large());
            }
            return Err(ApiError::BadRequest(format!(
                "cannot read the request body: {e}"
            )));
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn too_large() -> ApiError {
    ApiError::too_large("request body is larger than the configured limit (server.max_body_bytes)")
}

/// A request body parsed as a JSON value; an empty body reads as `{}`.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        refuse_cross_site_form(&req)?;
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::BadRequest(format!("cannot read the request body: {e}"))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Value::Object(Default::default())));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::unprocessable(format!("request body is not valid JSON: {e}")))
    }
}

/// A browser sends a cross-site POST without asking first (no CORS preflight)
/// only when its content type is one of the form types below; since the body
/// is read as JSON whatever its type, such a request could start jobs from any
/// web page a user visits. Requests that carry an `Origin` (browsers) with a
/// form type are refused; tools such as curl send no `Origin` and keep working.
fn refuse_cross_site_form(req: &Request) -> Result<(), ApiError> {
    if !req.headers().contains_key(header::ORIGIN) {
        return Ok(());
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if matches!(
        kind.as_str(),
        "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data"
    ) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the body as application/json (a browser request with Content-Type {kind} is refused)"
        )));
    }
    Ok(())
}
