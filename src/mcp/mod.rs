//! The MCP server on its own listener (work in progress).

use axum::Router;

use crate::state::AppState;

/// The MCP listener's routes.
pub fn router(_state: AppState) -> Router {
    Router::new()
}

/// `conductor-gateway mcp --stdio` (not yet available).
pub fn run_stdio_main(_config: Option<&std::path::Path>, _demo: bool) -> anyhow::Result<()> {
    anyhow::bail!("MCP over stdio is not available yet")
}
