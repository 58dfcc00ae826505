//! Streamable HTTP at `/mcp`: rmcp's `StreamableHttpService`, plus a layer
//! that notices when a client drops the connection carrying a call's result.
//!
//! Sessions are on for the revisions with an `initialize` handshake
//! (2024-11-05 to 2025-11-25); a request carrying the 2026-07-28 per-request
//! `_meta` is served statelessly by the same service. In session mode rmcp
//! keeps a call running when its POST stream is dropped (a client could
//! resume it with `Last-Event-ID`); the issue asks for the opposite, so
//! `watch_disconnect` hands each request a token that fires when its response
//! body is dropped unfinished, and the call stops on it.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::call::ClientGone;
use super::handler::{ConductorMcp, McpContext};

/// How often an idle SSE stream gets a keep-alive comment. Also bounds how
/// long a dropped connection goes unnoticed: hyper learns of it on a write.
const SSE_KEEP_ALIVE: Duration = Duration::from_secs(5);

/// rmcp's session store, shared with the session caps (`sessions.rs`).
pub fn session_manager(settings: &crate::config::McpSettings) -> Arc<LocalSessionManager> {
    let mut manager = LocalSessionManager::default();
    // A safety net behind `Sessions::sweep`, which closes idle sessions first.
    manager.session_config.keep_alive = Some(Duration::from_secs(settings.session_idle_secs + 60));
    Arc::new(manager)
}

/// The `/mcp` service: rmcp's Streamable HTTP behind `watch_disconnect`.
pub fn service(
    ctx: McpContext,
    sessions: Arc<LocalSessionManager>,
    caps: Arc<super::sessions::Sessions>,
) -> axum::routing::MethodRouter {
    let config = StreamableHttpServerConfig::default()
        // `http::origin` checks Host and Origin for every MCP route.
        .disable_allowed_hosts()
        .disable_allowed_origins()
        .with_sse_keep_alive(Some(SSE_KEEP_ALIVE))
        .with_max_request_body_bytes(ctx.settings.server.max_body_bytes)
        // Sessions end (and their streams close) when the shutdown grace is over.
        .with_cancellation_token(ctx.cancel_all.child_token());
    let factory_ctx = ctx.clone();
    let mcp = StreamableHttpService::new(
        move || {
            // A Streamable HTTP session has no transport of its own to lose:
            // dropped connections are caught per call by `watch_disconnect`.
            Ok(ConductorMcp::new(
                factory_ctx.clone(),
                CancellationToken::new(),
            ))
        },
        sessions,
        config,
    );
    let mcp = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn_with_state(
            caps,
            super::sessions::streamable,
        ))
        .layer(axum::middleware::from_fn(session_end_is_no_content))
        .layer(axum::middleware::from_fn(watch_disconnect))
        .service(ServiceExt::<Request>::map_response(mcp, |r| {
            r.map(Body::new)
        }));
    axum::routing::any_service(mcp)
}

/// Middleware: gives the request a `ClientGone` token and fires it if the
/// response (or the future producing it) is dropped before the body ended.
/// Only event streams are watched: calls answer on one, and plain responses
/// (202, errors) keep their length and framing untouched.
async fn watch_disconnect(mut request: Request, next: Next) -> Response {
    let token = CancellationToken::new();
    request.extensions_mut().insert(ClientGone(token.clone()));
    // Covers a client that leaves before the response headers exist.
    let guard = token.drop_guard();
    let response = next.run(request).await;
    let is_stream = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !is_stream {
        guard.disarm();
        return response;
    }
    response.map(|body| {
        let stream = futures::stream::unfold(
            (body.into_data_stream(), Some(guard)),
            |(mut body, mut guard)| async move {
                match body.next().await {
                    Some(chunk) => Some((chunk, (body, guard))),
                    None => {
                        // Ended normally: nothing to cancel.
                        if let Some(guard) = guard.take() {
                            guard.disarm();
                        }
                        None
                    }
                }
            },
        );
        Body::from_stream(stream)
    })
}

/// `DELETE /mcp` of a live session: rmcp answers 202, which clients read as a
/// failure ("Session termination failed: 202" in the Python SDK); the session
/// is gone at once, so the answer is 204.
async fn session_end_is_no_content(request: Request, next: Next) -> Response {
    let delete = request.method() == axum::http::Method::DELETE;
    let mut response = next.run(request).await;
    if delete && response.status() == axum::http::StatusCode::ACCEPTED {
        *response.status_mut() = axum::http::StatusCode::NO_CONTENT;
        *response.body_mut() = Body::empty();
        response
            .headers_mut()
            .remove(axum::http::header::CONTENT_LENGTH);
        response
            .headers_mut()
            .remove(axum::http::header::CONTENT_TYPE);
    }
    response
}
