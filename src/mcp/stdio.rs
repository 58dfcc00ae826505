//! `conductor-gateway mcp --stdio`: MCP on standard input/output for desktop
//! clients that launch the server themselves.
//!
//! stdout carries only JSON-RPC; logs go to stderr. When stdin closes (the
//! client quit) or SIGTERM/SIGINT arrives, running calls are cancelled at
//! once, so their process groups die with the session instead of outliving
//! it.

use std::pin::Pin;
use std::task::{Context, Poll};

use anyhow::Context as _;
use rmcp::ServiceExt;
use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::sync::CancellationToken;

use super::handler::{ConductorMcp, McpContext};

/// Serves one MCP session on stdin/stdout until the client leaves or a
/// signal arrives (`startup::run_stdio` builds `ctx`).
pub async fn serve(ctx: McpContext) -> anyhow::Result<()> {
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
