//! Who may use the MCP listener and how often: the REST API's keys,
//! presented the same way (`Authorization: Bearer` or `X-API-Key`), and the
//! same per-client rate limit. The principal rides on the request so the
//! handler shows and runs only the tools of its scopes. Without configured
//! keys the listener is open (and bound to loopback unless `auth.allow_open`).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::Principal;
use crate::http::client::ClientAddr;
use crate::limits::ClientKey;
use crate::state::AppState;

/// A JSON-RPC error body with an HTTP status.
fn refusal(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32000, "message": message},
    });
    (status, axum::Json(body)).into_response()
}

/// Middleware: authenticates the key (401 without a valid one) and counts
/// the request against its client's rate (429).
pub async fn authorize(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let principal = if state.auth.is_open() {
        Principal::anonymous()
    } else {
        let token = crate::http::guard::credentials(&request, false);
        match state.auth.authenticate(token.as_deref()) {
            Ok(principal) => principal,
            Err(e) => {
                let mut response = refusal(StatusCode::UNAUTHORIZED, &e.to_string());
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return response;
            }
        }
    };
    let addr = request.extensions().get::<ClientAddr>().map(|c| c.0);
    if let Err(wait) = state.limiter.check(&ClientKey::of(Some(&principal), addr)) {
        crate::metrics::rate_limited();
        let mut response = refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "rate limit exceeded; slow down",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return response;
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}
