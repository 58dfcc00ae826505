//! How the gateway stops: the signals that ask for it, the two tokens every
//! task watches, the tracker of work that a stop waits for, and the order of
//! the drain.
//!
//! A stop has two stages. `stopping` fires first: listeners stop accepting,
//! new jobs are refused, running work goes on. After the grace period (or
//! when the work is done) `cancel_all` fires: whatever is left is cancelled
//! and its CLI process groups are killed.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The tokens and the tracker of one gateway process.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    /// Fires when shutdown starts (stop accepting work).
    pub stopping: CancellationToken,
    /// Fires when the grace period is over (cancel what is left).
    pub cancel_all: CancellationToken,
    /// Background work that shutdown waits for.
    pub tracker: TaskTracker,
}

/// How long cancelled work gets to end after `cancel_all`.
const AFTER_CANCEL: Duration = Duration::from_secs(5);

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    /// The second stage at once (the server failed, or a stdio client left).
    pub fn abort(&self) {
        self.stopping.cancel();
        self.cancel_all.cancel();
    }

    /// The drain, once `stopping` has fired: tracked work and `also` (the
    /// listeners finishing their connections) get `grace`; then everything
    /// left is cancelled and gets a few seconds more to end.
    pub async fn drain(&self, grace: Duration, also: impl Future<Output = ()>) {
        self.stopping.cancel();
        tracing::info!(
            grace_secs = grace.as_secs(),
            "shutting down: finishing running work"
        );
        self.tracker.close();
        let drained = async {
            self.tracker.wait().await;
            also.await;
        };
        if tokio::time::timeout(grace, drained).await.is_err() {
            tracing::warn!("grace period over: cancelling remaining work");
        }
        self.cancel_all.cancel();
        if tokio::time::timeout(AFTER_CANCEL, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("work still running after its cancellation; stopping anyway");
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn finished_work_ends_the_drain_without_cancelling_anything_early() {
        let shutdown = Shutdown::new();
        let done = CancellationToken::new();
        let (work_done, cancel_all) = (done.clone(), shutdown.cancel_all.clone());
        shutdown.tracker.spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            assert!(!cancel_all.is_cancelled(), "cancelled within the grace");
            work_done.cancel();
        });
        shutdown.drain(Duration::from_secs(10), async {}).await;
        assert!(done.is_cancelled(), "the work ran to its end");
        assert!(shutdown.stopping.is_cancelled() && shutdown.cancel_all.is_cancelled());
    }

    #[tokio::test(start_paused = true)]
    async fn work_past_the_grace_is_cancelled() {
        let shutdown = Shutdown::new();
        let cancel_all = shutdown.cancel_all.clone();
        let seen = CancellationToken::new();
        let saw = seen.clone();
        shutdown.tracker.spawn(async move {
            cancel_all.cancelled().await;
            saw.cancel();
        });
        let started = tokio::time::Instant::now();
        shutdown.drain(Duration::from_secs(10), async {}).await;
        assert!(seen.is_cancelled(), "the work saw cancel_all");
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(10),
            "after the grace, not before"
        );
    }
}
