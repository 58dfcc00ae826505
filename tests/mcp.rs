//! Black-box tests of the MCP server: the real gateway on random loopback
//! ports (or the binary over stdio) against the conductor CLI double, driven
//! by the rmcp client, a small hand-written legacy SSE client and raw HTTP.
//!
//! One test binary (link time matters on small machines), one module per surface.

#[path = "common/app.rs"]
mod app;
#[path = "mcp/every_tool.rs"]
mod every_tool;
#[path = "mcp/helpers.rs"]
mod helpers;

#[path = "mcp/legacy_sse.rs"]
mod legacy_sse;
#[path = "mcp/limits.rs"]
mod limits;
#[path = "mcp/security.rs"]
mod security;
#[path = "mcp/stdio.rs"]
mod stdio;
#[path = "mcp/streamable.rs"]
mod streamable;
