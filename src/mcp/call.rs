//! One MCP tool call: the run, its progress forwarding, and every way it can
//! be stopped early.
//!
//! A call stops when the client cancels it (`notifications/cancelled`), when
//! its connection or transport goes away, or when shutdown's grace is over.
//! Stopping cancels the runner's token (SIGTERM, then SIGKILL to the process
//! group). Independently, if rmcp drops this future instead (it does when a
//! Streamable HTTP session is deleted), the runner's drop guard SIGKILLs the
//! group, so no path leaves processes behind.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::progress::{self, Progress};
use crate::conductor::{Busy, Conductor, Prepared, ToolDef, ToolResult};

/// How long a finished call waits for its last progress notification to go out.
const FINAL_PROGRESS: Duration = Duration::from_secs(1);

/// The tokens whose firing stops a call.
pub struct CallSignals {
    /// rmcp's per-request token: `notifications/cancelled`, or the end of the session.
    pub request_cancelled: CancellationToken,
    /// The transport this handler serves is gone (legacy SSE stream, stdin).
    pub transport_gone: CancellationToken,
    /// The HTTP response carrying this call's result was dropped (Streamable HTTP).
    pub client_gone: Option<CancellationToken>,
    /// The shutdown grace period is over.
    pub shutdown: CancellationToken,
}

impl CallSignals {
    async fn fired(&self) {
        let client_gone = async {
            match &self.client_gone {
                Some(token) => token.cancelled().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = self.request_cancelled.cancelled() => tracing::info!("tool call cancelled by the client"),
            _ = self.transport_gone.cancelled() => tracing::info!("tool call stopped: the client's transport closed"),
            _ = client_gone => tracing::info!("tool call stopped: the client dropped the connection"),
            _ = self.shutdown.cancelled() => tracing::info!("tool call stopped: shutting down"),
        }
    }
}

/// Runs a prepared call, forwarding output lines as progress when asked to.
pub async fn run(
    conductor: &Conductor,
    tool: &'static ToolDef,
    prepared: Prepared,
    signals: CallSignals,
    progress: Option<Progress>,
) -> Result<ToolResult, Busy> {
    let cancel = CancellationToken::new();
    let (sink, lines) = match progress {
        Some(_) => {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            (Some(tx), Some(rx))
        }
        None => (None, None),
    };
    let run = conductor.execute(tool, prepared, sink, cancel.clone());
    let forward = async move {
        match (progress, lines) {
            (Some(progress), Some(lines)) => progress::forward(lines, progress).await,
            _ => std::future::pending().await,
        }
    };
    let stop = signals.fired();
    tokio::pin!(run, forward, stop);
    let mut stopped = false;
    let mut forwarded = false;
    loop {
        tokio::select! {
            result = &mut run => {
                // The runner has closed the sink: deliver the lines still
                // batched, so every output line reaches the client before the
                // result does.
                if !forwarded {
                    let _ = tokio::time::timeout(FINAL_PROGRESS, &mut forward).await;
                }
                return result;
            }
            _ = &mut stop, if !stopped => {
                stopped = true;
                // Keep awaiting the run: it kills the group and reports `cancelled`.
                cancel.cancel();
            }
            // Ends once the runner closed the sink, just before the run returns.
            _ = &mut forward, if !forwarded => forwarded = true,
        }
    }
}
