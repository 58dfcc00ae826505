//! The JSON body extractor: 422 for a body that is not JSON, 413 past the size
//! limit, both in the `{"detail": ...}` shape (axum's own rejections are plain text).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::Value;

use super::error::ApiError;

/// A request body parsed as a JSON value; an empty body reads as `{}`.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        refuse_cross_site_form(&req)?;
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(
                    "request body is larger than the configured limit (server.max_body_bytes)",
                )
            } else {
                ApiError::bad_request(format!("cannot read the request body: {e}"))
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
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "send the body as application/json (a browser request with Content-Type {kind} is refused)"
            ),
        ));
    }
    Ok(())
}
