//! Building and running the application: listeners, state, graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::conductor::Conductor;
use crate::config::Settings;
use crate::state::{AppState, Mode};

/// How to build the application beyond its settings.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Run against the built-in demo engine in a temporary workspace.
    pub demo: bool,
}

/// Points `settings` at a fresh demo workspace and the built-in demo engine
/// (`<this binary> demo-cli`, unless a command is configured). The workspace
/// lives as long as the returned directory. Shared by `serve --demo` and
/// `mcp --stdio --demo`.
pub fn prepare_demo(settings: &mut Settings) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("conductor-demo-")
        .tempdir()
        .context("creating the demo workspace")?;
    crate::demo::create_workspace(dir.path()).context("writing the demo workspace")?;
    settings.conductor.project_path = Some(dir.path().to_path_buf());
    if settings.conductor.command.is_none() {
        let exe = std::env::current_exe().context("locating the gateway binary")?;
        settings.conductor.command =
            Some(vec![exe.to_string_lossy().into_owned(), "demo-cli".into()]);
    }
    tracing::warn!(
        workspace = %dir.path().display(),
        "DEMO MODE: tools run the built-in demo engine, not a real conductor CLI"
    );
    Ok(dir)
}

/// A built, bound, not yet running gateway.
pub struct Application {
    http: TcpListener,
    mcp: Option<TcpListener>,
    state: AppState,
    _demo_workspace: Option<tempfile::TempDir>,
}

impl Application {
    /// Binds the listeners (port 0 picks a free port) and wires the state.
    pub async fn build(mut settings: Settings, options: BuildOptions) -> anyhow::Result<Self> {
        let demo_workspace = if options.demo {
            Some(prepare_demo(&mut settings)?)
        } else {
            None
        };

        let host = settings.server.host.clone();
        let http = TcpListener::bind((host.as_str(), settings.server.port))
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {host}:{} (server.port)",
                    settings.server.port
                )
            })?;
        let mcp = if settings.mcp.enabled {
            Some(
                TcpListener::bind((host.as_str(), settings.server.mcp_port))
                    .await
                    .with_context(|| {
                        format!(
                            "cannot listen on {host}:{} (server.mcp_port)",
                            settings.server.mcp_port
                        )
                    })?,
            )
        } else {
            None
        };

        let cancel_all = CancellationToken::new();
        let conductor = Arc::new(Conductor::new(&settings, cancel_all.clone()));
        if let Err(why) = conductor.runner().check() {
            tracing::warn!(reason = %why, "conductor CLI unusable: /health reports degraded and tool calls fail");
        }
        let state = AppState {
            settings: Arc::new(settings),
            conductor,
            mode: if options.demo { Mode::Demo } else { Mode::Cli },
            http_port: http.local_addr()?.port(),
            mcp_port: match &mcp {
                Some(l) => Some(l.local_addr()?.port()),
                None => None,
            },
            stopping: CancellationToken::new(),
            cancel_all,
            tracker: TaskTracker::new(),
        };
        Ok(Self {
            http,
            mcp,
            state,
            _demo_workspace: demo_workspace,
        })
    }

    pub fn port(&self) -> u16 {
        self.state.http_port
    }

    pub fn mcp_port(&self) -> Option<u16> {
        self.state.mcp_port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Cancelling this token starts a graceful shutdown.
    pub fn stop_token(&self) -> CancellationToken {
        self.state.stopping.clone()
    }

    /// Serves until the stop token fires, then drains: no new connections,
    /// running work gets `server.shutdown_grace_secs`, then whatever is left
    /// (CLI process groups included) is cancelled.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        let stopping = state.stopping.clone();
        tracing::info!(
            http = %self.http.local_addr()?,
            mcp = ?self.mcp.as_ref().and_then(|l| l.local_addr().ok()),
            mode = state.mode.as_str(),
            "conductor-gateway listening"
        );
        let app =
            crate::http::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let mut http = tokio::spawn(
            axum::serve(self.http, app)
                .with_graceful_shutdown(stopping.clone().cancelled_owned())
                .into_future(),
        );
        let mut mcp = self.mcp.map(|listener| {
            let app = crate::mcp::router(state.clone())
                .into_make_service_with_connect_info::<SocketAddr>();
            tokio::spawn(
                axum::serve(listener, app)
                    .with_graceful_shutdown(stopping.clone().cancelled_owned())
                    .into_future(),
            )
        });

        tokio::select! {
            _ = stopping.cancelled() => {}
            result = &mut http => {
                // The HTTP server ended by itself: that is an error, not a shutdown.
                stopping.cancel();
                state.cancel_all.cancel();
                result??;
                anyhow::bail!("the HTTP server stopped unexpectedly");
            }
        }
        let grace = Duration::from_secs(state.settings.server.shutdown_grace_secs);
        tracing::info!(
            grace_secs = grace.as_secs(),
            "shutting down: finishing running work"
        );
        state.tracker.close();
        let drained = async {
            state.tracker.wait().await;
            let _ = (&mut http).await;
            if let Some(mcp) = mcp.as_mut() {
                let _ = mcp.await;
            }
        };
        if tokio::time::timeout(grace, drained).await.is_err() {
            tracing::warn!("grace period over: cancelling remaining work");
        }
        state.cancel_all.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            state.tracker.wait().await;
            if !http.is_finished() {
                let _ = http.await;
            }
        })
        .await;
        tracing::info!("stopped");
        Ok(())
    }
}
