//! Building and running the application: listeners, state, graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::auth::Authenticator;
use crate::conductor::Conductor;
use crate::config::{Settings, StoreBackend};
use crate::http::serve::{ServeOptions, serve};
use crate::jobs::memory::{ConversationLimits, MemoryLimits, MemoryStore};
use crate::jobs::redis::{RedisOptions, RedisStore};
use crate::jobs::sqlite::SqliteStore;
use crate::jobs::{JobManager, JobStore};
use crate::limits::Limiter;
use crate::shutdown::Shutdown;
use crate::state::{AppState, Mode, Shared};

/// How to build the application beyond its settings.
#[derive(Debug, Default)]
pub struct BuildOptions {
    /// Run against the built-in demo engine in this demo workspace (written by
    /// the binary with `conductor_double::create_workspace`); the application
    /// keeps it, so it is deleted when the application is dropped.
    pub demo_workspace: Option<tempfile::TempDir>,
}

/// Points `settings` at a demo workspace and the built-in demo engine
/// (`<this binary> demo-cli`, unless a command is configured). Shared by
/// `serve --demo` and `mcp --stdio --demo`.
pub fn prepare_demo(settings: &mut Settings, dir: &tempfile::TempDir) -> anyhow::Result<()> {
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
    Ok(())
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
        let demo_workspace = options.demo_workspace;
        if let Some(dir) = &demo_workspace {
            prepare_demo(&mut settings, dir)?;
        }

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

        let shutdown = Shutdown::new();
        let (instance, conductor) = build_conductor(&settings, &shutdown.cancel_all);
        let store = open_store(
            &settings,
            demo_workspace.is_some(),
            Some((&instance, &shutdown.stopping)),
        )
        .await?;
        let limiter = Arc::new(Limiter::new(&settings.limits));
        spawn_sweeper(
            store.clone(),
            limiter.clone(),
            &settings,
            shutdown.stopping.clone(),
        );
        let agent = crate::agent::build(&settings)?;
        let jobs = Arc::new(JobManager::new(
            &instance,
            settings.jobs.clone(),
            store,
            conductor.clone(),
            agent,
            shutdown.tracker.clone(),
            shutdown.stopping.clone(),
            shutdown.cancel_all.clone(),
        ));
        let (interrupted, queued) = jobs
            .recover()
            .await
            .context("settling the jobs an earlier run left unfinished")?;
        if interrupted + queued > 0 {
            tracing::warn!(
                interrupted,
                queued,
                "jobs left by the last run: the running ones failed, the queued ones run now"
            );
        }
        jobs.follow_remote_cancels();
        jobs.take_shared_work();
        spawn_adopter(jobs.clone(), shutdown.stopping.clone());
        let auth = Arc::new(Authenticator::new(&settings.auth));
        if auth.is_open() && !crate::config::is_loopback(&settings.server.host) {
            // Only reachable with `auth.allow_open: true`; say what it means.
            tracing::warn!(
                host = %settings.server.host,
                "NO API KEYS CONFIGURED and bound to a non-loopback address (auth.allow_open): anyone who can reach this port can run agents and restore backups. Set auth.api_keys or GATEWAY_API_KEYS."
            );
        }
        let _ = crate::metrics::handle();
        let state = AppState::new(Shared {
            settings: Arc::new(settings),
            conductor,
            jobs,
            auth,
            limiter: limiter.clone(),
            mode: if demo_workspace.is_some() {
                Mode::Demo
            } else {
                Mode::Cli
            },
            http_port: http.local_addr()?.port(),
            mcp_port: match &mcp {
                Some(l) => Some(l.local_addr()?.port()),
                None => None,
            },
            shutdown,
            health_body: Default::default(),
        });
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
        self.state.shutdown.stopping.clone()
    }

    /// Serves until the stop token fires, then drains: no new connections,
    /// running work gets `server.shutdown_grace_secs`, then whatever is left
    /// (CLI process groups included) is cancelled.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        let shutdown = state.shutdown.clone();
        let stopping = shutdown.stopping.clone();
        tracing::info!(
            http = %self.http.local_addr()?,
            mcp = ?self.mcp.as_ref().and_then(|l| l.local_addr().ok()),
            mode = state.mode.as_str(),
            "conductor-gateway listening"
        );
        let limits = &state.settings.limits;
        let options = ServeOptions {
            header_timeout: Duration::from_secs(limits.header_read_timeout_secs),
            first_request_timeout: Duration::from_secs(
                limits
                    .header_read_timeout_secs
                    .min(limits.idle_timeout_secs),
            ),
            idle_timeout: Duration::from_secs(limits.idle_timeout_secs),
            max_connections: limits.max_connections,
            max_connections_per_addr: limits.max_connections_per_addr,
            max_h2_streams: limits.max_streams_per_client.clamp(16, 100_000) as u32,
        };
        let app = crate::http::router(state.clone());
        let mut http = tokio::spawn(serve(self.http, app, stopping.clone(), options.clone()));
        let mut mcp = self.mcp.map(|listener| {
            let app = crate::mcp::router(state.clone());
            tokio::spawn(serve(listener, app, stopping.clone(), options.clone()))
        });

        // `biased`: when a stop request and the end of the HTTP task are ready
        // together (the listener drains at once on stop), the stop wins, and
        // an HTTP task that ended because of the stop is a shutdown, not an error.
        let mut http_done = false;
        tokio::select! {
            biased;
            _ = stopping.cancelled() => {}
            result = &mut http => {
                http_done = true;
                if !stopping.is_cancelled() {
                    // The HTTP server ended by itself: that is an error, not a shutdown.
                    shutdown.abort();
                    result?;
                    anyhow::bail!("the HTTP server stopped unexpectedly");
                }
            }
        }
        let grace = Duration::from_secs(state.settings.server.shutdown_grace_secs);
        let listeners = async {
            if !http_done {
                let _ = (&mut http).await;
            }
            if let Some(mcp) = mcp.as_mut() {
                let _ = mcp.await;
            }
        };
        shutdown.drain(grace, listeners).await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The CLI runner, with a fresh instance name for its runs' marks (so a
/// later start can kill what this one leaves); this process becomes the
/// reaper of the runs' orphans. Shared by `serve` and `mcp --stdio`.
pub fn build_conductor(
    settings: &Settings,
    cancel_all: &CancellationToken,
) -> (String, Arc<Conductor>) {
    let instance = uuid::Uuid::new_v4().simple().to_string();
    crate::conductor::reaper::become_subreaper();
    let conductor = Arc::new(Conductor::new(settings, &instance, cancel_all.clone()));
    if let Err(why) = conductor.runner().check() {
        tracing::warn!(reason = %why, "conductor CLI unusable: tool calls fail (and /health says degraded)");
    }
    (instance, conductor)
}

/// `conductor-gateway mcp --stdio [--config P] [--demo]`: loads the
/// configuration, builds the CLI runner and serves one stdio session (against
/// the demo engine in `demo`, a workspace the binary wrote, if given).
pub fn run_stdio(
    config: Option<&std::path::Path>,
    demo: Option<tempfile::TempDir>,
) -> anyhow::Result<()> {
    let (mut settings, source) = crate::config::load(config)?;
    let _logs = crate::telemetry::init(settings.server.log_format, crate::config::no_color());
    tracing::info!(config = %source.path.display(), found = source.file_found, "configuration loaded");
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let result = runtime.block_on(async move {
        // Kept until the session is over: dropping it deletes the workspace.
        let workspace = demo;
        if let Some(dir) = &workspace {
            prepare_demo(&mut settings, dir)?;
        }
        let cancel_all = CancellationToken::new();
        let (_, conductor) = build_conductor(&settings, &cancel_all);
        let ctx = crate::mcp::McpContext {
            settings: Arc::new(settings),
            conductor,
            cancel_all,
        };
        crate::mcp::serve_stdio(ctx).await
    });
    // A blocking stdin read may still be parked in tokio's thread pool.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// The configured job store. A replica of a shared store names itself and
/// the token that ends its lease; `config check` passes `None`.
pub async fn open_store(
    settings: &Settings,
    demo: bool,
    replica: Option<(&str, &CancellationToken)>,
) -> anyhow::Result<Arc<dyn JobStore>> {
    let limits = memory_limits(settings);
    Ok(match settings.store.effective(demo) {
        StoreBackend::Memory => Arc::new(MemoryStore::new(limits)),
        StoreBackend::Sqlite => {
            let path = &settings.store.path;
            let store = SqliteStore::open(path, limits).with_context(|| {
                format!("opening the job store {} (store.path)", path.display())
            })?;
            tracing::info!(path = %path.display(), "job store: SQLite");
            Arc::new(store)
        }
        StoreBackend::Redis => {
            let url = settings
                .store
                .redis_url
                .as_ref()
                .context("store.redis_url (REDIS_URL) is not set")?;
            let options = RedisOptions {
                url: url.expose().to_string(),
                prefix: settings.store.redis_prefix.clone(),
                instance: replica.map_or_else(|| "config-check".into(), |(i, _)| i.to_string()),
                lease: Duration::from_secs(settings.store.lease_secs.max(1)),
            };
            let store = RedisStore::open(options, limits, replica.map(|(_, s)| s.clone()))
                .await
                .context("connecting to Redis (store.redis_url)")?;
            tracing::info!(prefix = %settings.store.redis_prefix, "job store: Redis");
            Arc::new(store)
        }
    })
}

/// With a store shared by replicas: looks for the jobs of replicas that died
/// twice per lease, and settles them.
fn spawn_adopter(jobs: Arc<JobManager>, stopping: CancellationToken) {
    let Some(lease) = jobs.store().lease() else {
        return;
    };
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval((lease / 2).max(Duration::from_millis(100)));
        loop {
            tokio::select! {
                _ = ticker.tick() => match jobs.adopt_orphans().await {
                    Ok((0, 0)) => {}
                    Ok((interrupted, queued)) => tracing::warn!(
                        interrupted,
                        queued,
                        "jobs of a stopped replica: the running ones failed, the queued ones run here"
                    ),
                    Err(e) => tracing::warn!(error = %e, "looking for a stopped replica's jobs failed"),
                },
                _ = stopping.cancelled() => break,
            }
        }
    });
}

/// Drops expired jobs and idle rate-limit entries now and then, so memory stays bounded.
fn spawn_sweeper(
    store: Arc<dyn JobStore>,
    limiter: Arc<Limiter>,
    settings: &Settings,
    stopping: CancellationToken,
) {
    let every = Duration::from_secs(settings.jobs.retention_secs.clamp(1, 60));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    store.expire().await;
                    limiter.sweep();
                }
                _ = stopping.cancelled() => break,
            }
        }
    });
}

/// The in-memory store's bounds, from the jobs and LLM settings.
pub fn memory_limits(settings: &Settings) -> MemoryLimits {
    let jobs = &settings.jobs;
    let llm = &settings.llm;
    MemoryLimits {
        max_events: jobs.event_log_max_events,
        max_bytes: jobs.event_log_max_bytes,
        retention: Duration::from_secs(jobs.retention_secs),
        max_retained: jobs.max_retained_jobs,
        store_max_bytes: jobs.store_max_bytes,
        conversations: ConversationLimits {
            max_messages: llm.conversation_max_messages,
            max_bytes: llm.conversation_max_bytes,
            max_count: llm.conversation_max_count,
            ttl: Duration::from_secs(llm.conversation_ttl_secs),
        },
    }
}
