//! `conductor-gateway mcp --stdio`: MCP on standard input/output for desktop
//! clients that launch the server themselves.
//!
//! stdout carries only JSON-RPC; logs go to stderr. When stdin closes (the
//! client quit) or SIGTERM/SIGINT arrives, running calls are cancelled at
//! once, so their process groups die with the session instead of outliving
//! it.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::Context as _;
use rmcp::ServiceExt;
use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::sync::CancellationToken;

use super::handler::{ConductorMcp, McpContext};

/// Loads the configuration, builds the conductor and serves one stdio session
/// (against the demo engine in `demo`, a workspace the binary wrote, if given).
pub fn run(config: Option<&Path>, demo: Option<tempfile::TempDir>) -> anyhow::Result<()> {
    let (mut settings, source) = crate::config::load(config)?;
    let _logs = crate::telemetry::init(settings.server.log_format, crate::config::no_color());
    tracing::info!(config = %source.path.display(), found = source.file_found, "configuration loaded");
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let result = runtime.block_on(async move {
        // Kept until the session is over: dropping it deletes the workspace.
        let workspace = demo;
        if let Some(dir) = &workspace {
            crate::startup::prepare_demo(&mut settings, dir)?;
        }
        let cancel_all = CancellationToken::new();
        let (_, conductor) = crate::startup::build_conductor(&settings, &cancel_all);
        let ctx = McpContext {
            settings: Arc::new(settings),
            conductor,
            cancel_all: cancel_all.clone(),
        };
        serve(ctx).await
    });
    // A blocking stdin read may still be parked in tokio's thread pool.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn serve(ctx: McpContext) -> anyhow::Result<()> {
    let stdin_closed = ctx.cancel_all.child_token();
    let handler = ConductorMcp::new(ctx.clone(), stdin_closed.clone());
    let stdin = EofSignal {
        inner: tokio::io::stdin(),
        eof: stdin_closed,
    };
    // Not the EOF token: after EOF rmcp still drains the (now cancelled)
    // calls' responses to stdout before it stops.
    let service = handler
        .serve_with_ct((stdin, tokio::io::stdout()), ctx.cancel_all.child_token())
        .await
        .context("MCP over stdio: the client did not initialize")?;
    tracing::info!("MCP over stdio ready");
    tokio::select! {
        result = service.waiting() => {
            result.context("MCP over stdio")?;
        }
        _ = crate::shutdown::signal() => {
            // Runs still in flight when the runtime shuts down are dropped,
            // and the runner's drop guard SIGKILLs their process groups.
            tracing::info!("signal received: stopping");
            ctx.cancel_all.cancel();
        }
    }
    Ok(())
}

/// stdin that fires a token at end of file, so the session's calls stop as
/// soon as the client closes the pipe rather than after rmcp's drain timeout.
struct EofSignal<R> {
    inner: R,
    eof: CancellationToken,
}

impl<R: AsyncRead + Unpin> AsyncRead for EofSignal<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &poll {
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 => {
                self.eof.cancel();
            }
            Poll::Ready(Err(_)) => self.eof.cancel(),
            _ => {}
        }
        poll
    }
}
