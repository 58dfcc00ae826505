//! The MCP server: the one tool catalogue over Streamable HTTP (`/mcp`), the
//! legacy HTTP+SSE transport (`GET /sse` + `POST /messages`) and stdio, all
//! running the same `ServerHandler`.
//!
//! - `handler`: `ConductorMcp`, the handler (server info, instructions, tools/list, tools/call).
//! - `tools`: catalogue entries as MCP tools and results as MCP results.
//! - `call`: one tool call: cancellation sources, progress, the run.
//! - `progress`: CLI output lines coalesced into progress notifications.
//! - `access`: API keys and the rate limit on the MCP listener.
//! - `sessions`: caps on open sessions (both HTTP transports), idle sessions closed.
//! - `streamable`: the Streamable HTTP service and its dropped-connection detection.
//! - `legacy_sse`: the HTTP+SSE transport, served on top of the same handler.
//! - `stdio`: `conductor-gateway mcp --stdio`.

mod access;
mod call;
pub mod handler;
mod legacy_sse;
pub mod progress;
pub mod sessions;
mod stdio;
mod streamable;
pub mod tools;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::http::client::TrustedProxies;
use crate::http::error::ApiError;
use crate::http::origin;
use crate::state::AppState;
pub use handler::{ConductorMcp, McpContext};

/// The MCP listener's routes: `/mcp`, `/sse`, `/messages`, and its session
/// caps (swept for idle sessions until `stop` fires).
///
/// Layers, outermost first: the front middleware (request id, client
/// address, `Host`/`Origin` validation, bounded bodies, JSON errors), API
/// keys and rate, then (on `/mcp`) session caps. The security checks sit in
/// front of every transport so the two HTTP transports cannot drift apart.
pub fn router(state: AppState) -> Router {
    let ctx = McpContext::from_state(&state);
    let settings = &state.settings;
    let manager = streamable::session_manager(&settings.mcp);
    let caps = sessions::Sessions::new(&settings.mcp, manager.clone());
    spawn_sweeper(caps.clone(), state.shutdown.stopping.clone());
    let legacy = legacy_sse::LegacySessions::new(
        ctx.clone(),
        state.shutdown.tracker.clone(),
        caps.clone(),
        state.jobs.store().clone(),
    );
    let mcp = streamable::service(ctx, manager, caps);
    let front = Arc::new(crate::http::front::Front {
        ids: crate::http::observe::RequestIds::default(),
        proxies: TrustedProxies::new(&settings.server.trusted_proxies),
        origin: origin::Guard::mcp(settings),
        body: crate::http::body_limits(&state),
        observer: None,
    });
    Router::new()
        .route_service("/mcp", mcp)
        .route("/sse", get(legacy_sse::open))
        .route("/messages", post(legacy_sse::message))
        .route("/messages/", post(legacy_sse::message))
        .with_state(legacy)
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), access::authorize))
        .layer(from_fn_with_state(front, crate::http::front::front))
}

fn spawn_sweeper(caps: Arc<sessions::Sessions>, stop: tokio_util::sync::CancellationToken) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(10));
        loop {
            tokio::select! {
                _ = ticker.tick() => caps.sweep().await,
                _ = stop.cancelled() => break,
            }
        }
    });
}

async fn not_found() -> ApiError {
    ApiError::NotFound(
        "Not Found: MCP is served at /mcp (Streamable HTTP) and /sse (HTTP+SSE)".into(),
    )
}

pub use stdio::serve as serve_stdio;
