//! The one way the tests and the benches start a gateway: the real application
//! on free loopback ports, against the conductor CLI double in a fresh demo
//! workspace, configured through a builder (MCP on or off, the mock LLM, the
//! double's modes, API keys, any other setting).
//!
//! The job store comes from `TEST_STORE_BACKEND` (`memory`, the default;
//! `sqlite`, a file in the workspace; `redis`, the server at
//! `TEST_REDIS_URL` under a key prefix of the test's own), so the
//! same suite runs against every backend.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use conductor_gateway::config::{ApiKeySetting, Secret, Settings, StoreBackend};
use conductor_gateway::startup::{Application, BuildOptions};
use tokio_util::sync::CancellationToken;

/// Every network read or wait in a test finishes within this, or the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// The gateway binary (also the CLI double, as `demo-cli`).
pub const BIN: &str = env!("CARGO_BIN_EXE_conductor-gateway");

/// An agent of the demo workspace.
pub const AGENT: &str = "CodeReviewer_Agent";

/// A gateway to start.
pub struct Builder {
    settings: Settings,
    workspace: tempfile::TempDir,
    log: PathBuf,
}

/// A gateway with the test defaults: loopback, free ports, the CLI double
/// (logging its invocations), no MCP listener, no rate limit, short kill grace.
pub fn gateway() -> Builder {
    let workspace = tempfile::tempdir().expect("tempdir");
    conductor_double::create_workspace(workspace.path()).expect("demo workspace");
    let log = workspace.path().join("double-argv.log");
    let mut s = Settings::default();
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    s.server.mcp_port = 0;
    s.server.shutdown_grace_secs = 5;
    s.mcp.enabled = false;
    s.conductor.project_path = Some(workspace.path().to_path_buf());
    s.conductor.command = Some(vec![BIN.to_string(), "demo-cli".to_string()]);
    // The `hang` double ignores SIGTERM: keep the wait for SIGKILL short.
    s.conductor.kill_grace_ms = 200;
    // Tests fire requests in bursts; the rate limit has tests of its own.
    s.limits.requests_per_second = 0;
    s.conductor.env.insert(
        "CONDUCTOR_DOUBLE_LOG".into(),
        log.to_string_lossy().into_owned(),
    );
    match std::env::var("TEST_STORE_BACKEND").as_deref() {
        Ok("sqlite") => {
            s.store.backend = Some(StoreBackend::Sqlite);
            s.store.path = workspace.path().join("gateway.db");
        }
        Ok("redis") => {
            s.store.backend = Some(StoreBackend::Redis);
            let url = std::env::var("TEST_REDIS_URL").expect("TEST_REDIS_URL names the test Redis");
            s.store.redis_url = Some(Secret::new(url));
            s.store.redis_prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
        }
        _ => s.store.backend = Some(StoreBackend::Memory),
    }
    Builder {
        settings: s,
        workspace,
        log,
    }
}

impl Builder {
    /// Serve MCP on its own free port too.
    pub fn mcp(mut self) -> Self {
        self.settings.mcp.enabled = true;
        self
    }

    /// The double's misbehaviour mode (and its delay) for every run.
    pub fn double_mode(mut self, mode: &str, delay_ms: u64) -> Self {
        let env = &mut self.settings.conductor.env;
        env.insert("CONDUCTOR_DOUBLE_MODE".into(), mode.into());
        env.insert("CONDUCTOR_DOUBLE_DELAY_MS".into(), delay_ms.to_string());
        self
    }

    /// Plain-text commands go to the mock LLM at `base_url`.
    pub fn llm(mut self, base_url: &str) -> Self {
        self.settings.llm.api_key = Some(Secret::new("test"));
        self.settings.llm.base_url = base_url.to_string();
        self
    }

    /// The double logs nothing (benches: the log write would count as overhead).
    pub fn quiet_double(mut self) -> Self {
        self.settings.conductor.env.remove("CONDUCTOR_DOUBLE_LOG");
        self
    }

    /// Another CLI than the double (argument list).
    pub fn cli(mut self, command: Vec<String>) -> Self {
        self.settings.conductor.command = Some(command);
        self
    }

    /// API keys: (key, name, scopes).
    pub fn keys(mut self, keys: &[(&str, &str, &[&str])]) -> Self {
        self.settings.auth.api_keys = keys
            .iter()
            .map(|(key, name, scopes)| ApiKeySetting {
                key: Secret::new(*key),
                name: Some(name.to_string()),
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
            })
            .collect();
        self
    }

    /// Any other setting.
    pub fn settings(mut self, tweak: impl FnOnce(&mut Settings)) -> Self {
        tweak(&mut self.settings);
        self
    }

    /// The settings as they stand (for tests that only build).
    pub fn into_settings(self) -> (Settings, tempfile::TempDir) {
        (self.settings, self.workspace)
    }

    /// Builds and runs the gateway in this runtime.
    pub async fn start(self) -> Gateway {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let app = Application::build(self.settings, BuildOptions::default())
            .await
            .expect("the gateway builds");
        let port = app.port();
        let mcp_port = app.mcp_port();
        let stop = app.stop_token();
        let server = tokio::spawn(app.run_until_stopped());
        Gateway {
            base: format!("http://127.0.0.1:{port}"),
            port,
            mcp_port,
            client: reqwest::Client::builder()
                .timeout(DEADLINE)
                .build()
                .expect("client"),
            stop,
            server: Some(server),
            workspace: self.workspace,
            log: self.log,
        }
    }
}

/// A running gateway; dropping it stops it.
pub struct Gateway {
    pub base: String,
    pub port: u16,
    pub mcp_port: Option<u16>,
    pub client: reqwest::Client,
    pub stop: CancellationToken,
    pub server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    pub workspace: tempfile::TempDir,
    pub log: PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Gateway {
    /// A URL of the REST listener.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A URL of the MCP listener.
    pub fn mcp_url(&self, path: &str) -> String {
        let port = self.mcp_port.expect("the MCP listener is on");
        format!("http://127.0.0.1:{port}{path}")
    }

    /// Every line the CLI double logged so far.
    pub fn log_entries(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Stops the server gracefully and waits for it.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(server) = self.server.take() {
            tokio::time::timeout(DEADLINE, server)
                .await
                .expect("server stops within the deadline")
                .expect("server task")
                .expect("server result");
        }
    }
}
