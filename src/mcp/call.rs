//! One MCP tool call: the run, its progress forwarding, and every way it can
//! be stopped early.
//!
//! A call stops when the client cancels it (`notifications/cancelled`), when
//! its connection or transport goes away, or when shutdown's grace is over.
//! Stopping cancels the runner's token (SIGTERM, then SIGKILL to the process
//! group). Independently, if rmcp drops this future instead (it does when a
//! Streamable HTTP session is deleted), the runner's drop guard SIGKILLs the
//! group, so no path leaves processes behind.
//!
//! A call without a progress token never waits for anything but its run: no
//! output channel is even created. With a token, the output lines still
//! batched when the run ends go out before the result, within
//! [`FINAL_PROGRESS`] (a peer that stopped reading must not hold the result).

use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio_util::sync::CancellationToken;

use crate::conductor::{OutputLine, OutputSink};

/// Fires when the HTTP response carrying a request's result was dropped before its end.
#[derive(Debug, Clone)]
pub struct ClientGone(pub CancellationToken);

/// The `ClientGone` token of the HTTP request a call arrived on, if any.
pub fn client_gone(extensions: &rmcp::model::Extensions) -> Option<CancellationToken> {
    extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientGone>())
        .map(|gone| gone.0.clone())
}

/// How long a finished call waits for its last progress notifications to go out.
pub const FINAL_PROGRESS: Duration = Duration::from_secs(1);

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
    /// Signals that never fire.
    #[cfg(test)]
    pub fn none() -> Self {
        Self {
            request_cancelled: CancellationToken::new(),
            transport_gone: CancellationToken::new(),
            client_gone: None,
            shutdown: CancellationToken::new(),
        }
    }

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

/// The call's control flow, generic over the run and the progress sender so
/// it is tested with paused time. `start` gets the output sink (only when
/// `forward` exists) and the token that stops the run.
pub async fn drive<R, Run, Fwd, FwdFut>(
    start: impl FnOnce(Option<OutputSink>, CancellationToken) -> Run,
    signals: &CallSignals,
    forward: Option<Fwd>,
) -> R
where
    Run: Future<Output = R>,
    Fwd: FnOnce(UnboundedReceiver<OutputLine>) -> FwdFut,
    FwdFut: Future<Output = ()>,
{
    let cancel = CancellationToken::new();
    let (sink, forwarding) = match forward {
        Some(forward) => {
            let (tx, rx) = unbounded_channel();
            (Some(tx), Some(forward(rx)))
        }
        None => (None, None),
    };
    let run = start(sink, cancel.clone());
    let stop = signals.fired();
    tokio::pin!(run, stop);
    let Some(forwarding) = forwarding else {
        return tokio::select! {
            result = &mut run => result,
            _ = &mut stop => {
                cancel.cancel();
                // Keep awaiting the run: it kills the group and reports `cancelled`.
                run.await
            }
        };
    };
    tokio::pin!(forwarding);
    let mut stopped = false;
    let mut forwarded = false;
    loop {
        tokio::select! {
            result = &mut run => {
                // The runner has closed the sink: deliver the lines still
                // batched, so every output line reaches the client before the
                // result does.
                if !forwarded {
                    let _ = tokio::time::timeout(FINAL_PROGRESS, &mut forwarding).await;
                }
                return result;
            }
            _ = &mut stop, if !stopped => {
                stopped = true;
                cancel.cancel();
            }
            // Ends once the runner closed the sink, just before the run returns.
            _ = &mut forwarding, if !forwarded => forwarded = true,
        }
    }
}

#[cfg(test)]
#[path = "call_tests.rs"]
mod tests;
