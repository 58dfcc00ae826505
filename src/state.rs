//! The handles every surface (REST, SSE, MCP, the agent) shares.

use std::sync::Arc;

use crate::auth::Authenticator;
use crate::conductor::Conductor;
use crate::config::Settings;
use crate::jobs::JobManager;
use crate::limits::Limiter;
use crate::shutdown::Shutdown;

/// What backs the gateway, as `/health` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A real conductor CLI from configuration.
    Cli,
    /// The built-in demo engine in a temporary workspace.
    Demo,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Cli => "cli",
            Mode::Demo => "demo",
        }
    }
}

/// Shared application state: one pointer, so the clone every request makes
/// (each middleware and handler extracts its own) is one atomic increment.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What every surface shares.
pub struct Shared {
    pub settings: Arc<Settings>,
    pub conductor: Arc<Conductor>,
    pub jobs: Arc<JobManager>,
    pub auth: Arc<Authenticator>,
    pub limiter: Arc<Limiter>,
    pub mode: Mode,
    /// Bound ports (after port 0 was resolved).
    pub http_port: u16,
    pub mcp_port: Option<u16>,
    /// Its stop: the tokens every task watches and the work a stop waits for.
    pub shutdown: Shutdown,
    /// The last `/health` body and when it was made: probes ask often, the
    /// answer changes rarely.
    pub health_body: std::sync::Mutex<Option<(std::time::Instant, bytes::Bytes)>>,
}
