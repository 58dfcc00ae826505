//! The MCP server: the one tool catalogue over Streamable HTTP (`/mcp`), the
//! legacy HTTP+SSE transport (`GET /sse` + `POST /messages`) and stdio, all
//! running the same `ServerHandler`.
//!
//! - `handler`: `ConductorMcp`, the handler (server info, instructions, tools/list, tools/call).
//! - `tools`: catalogue entries as MCP tools (schemas, annotations) and results as MCP results.
//! - `call`: one tool call: cancellation sources, progress, the run.
//! - `progress`: CLI output lines coalesced into progress notifications.
//! - `guard`: `Host` / `Origin` validation (DNS rebinding) and API keys.
//! - `streamable`: the Streamable HTTP service and its dropped-connection detection.
//! - `legacy_sse`: the HTTP+SSE transport, served on top of the same handler.
//! - `stdio`: `conductor-gateway mcp --stdio`.

mod call;
pub mod guard;
pub mod handler;
mod legacy_sse;
pub mod progress;
mod stdio;
mod streamable;
pub mod tools;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::state::AppState;
pub use handler::{ConductorMcp, McpContext};

/// The MCP listener's routes: `/mcp`, `/sse`, `/messages`.
///
/// Layers, outermost first: tracing, `Host`/`Origin` validation, the API-key
/// slot, body limit. The security checks sit in front of every transport so
/// the two HTTP transports cannot drift apart.
pub fn router(state: AppState) -> Router {
    let ctx = McpContext::from_state(&state);
    let guard = guard::Guard::from_settings(&state.settings);
    let max_body = state.settings.server.max_body_bytes;
    let sessions = legacy_sse::LegacySessions::new(ctx.clone(), state.tracker.clone());
    Router::new()
        .route_service("/mcp", streamable::service(ctx))
        .route("/sse", get(legacy_sse::open))
        .route("/messages", post(legacy_sse::message))
        .route("/messages/", post(legacy_sse::message))
        .with_state(sessions)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::authorize,
        ))
        .layer(axum::middleware::from_fn_with_state(guard, guard::check))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    tracing::info_span!("mcp_http", method = %req.method(), path = %req.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::DEBUG)),
        )
}

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        "Not Found: MCP is served at /mcp (Streamable HTTP) and /sse (HTTP+SSE)",
    )
}

/// `conductor-gateway mcp --stdio [--config P] [--demo]`.
pub fn run_stdio_main(
    config: Option<&std::path::Path>,
    demo: Option<tempfile::TempDir>,
) -> anyhow::Result<()> {
    stdio::run(config, demo)
}
