//! The typed settings tree, its defaults and its validation.
//!
//! Every section denies unknown keys so that a typo in `config.yaml` or in a
//! `GATEWAY_*` variable is an error at start-up rather than a silent default.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::access::{ANONYMOUS, AgentSettings, AuthSettings, is_loopback};
use super::llm::LlmSettings;
use super::secret::{Secret, lenient_opt_string, lenient_string};

/// All settings of the gateway.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub server: ServerSettings,
    pub conductor: ConductorSettings,
    pub jobs: JobSettings,
    pub mcp: McpSettings,
    pub llm: LlmSettings,
    pub auth: AuthSettings,
    pub limits: LimitSettings,
    pub agent: AgentSettings,
    pub store: StoreSettings,
}

/// Where jobs, events, conversations and idempotency keys live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    /// This process's memory: lost on restart.
    Memory,
    /// One SQLite file: survives restarts (one node).
    Sqlite,
    /// Redis Streams: shared by several replicas.
    Redis,
}

impl StoreBackend {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreBackend::Memory => "memory",
            StoreBackend::Sqlite => "sqlite",
            StoreBackend::Redis => "redis",
        }
    }
}

/// `store.*`: the job store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSettings {
    /// `memory`, `sqlite` or `redis`; unset: `sqlite` for `serve`, `memory` for `serve --demo`.
    pub backend: Option<StoreBackend>,
    /// The SQLite file (relative to the working directory).
    #[serde(deserialize_with = "lenient_opt_path_or_default")]
    pub path: PathBuf,
    /// `redis://host:port/db` (REDIS_URL).
    pub redis_url: Option<Secret>,
    /// Prefix of every Redis key (several gateways, or test runs, can share one Redis).
    #[serde(deserialize_with = "lenient_string")]
    pub redis_prefix: String,
    /// Seconds a replica's hold on a running job lasts without renewal (redis).
    pub lease_secs: u64,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            backend: None,
            path: PathBuf::from("data/gateway.db"),
            redis_url: None,
            redis_prefix: "gw".into(),
            lease_secs: 10,
        }
    }
}

impl StoreSettings {
    /// The backend in effect: the configured one, else by how the gateway runs.
    pub fn effective(&self, demo: bool) -> StoreBackend {
        self.backend.unwrap_or(if demo {
            StoreBackend::Memory
        } else {
            StoreBackend::Sqlite
        })
    }
}

fn lenient_opt_path_or_default<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<PathBuf, D::Error> {
    Ok(lenient_opt_path(d)?.unwrap_or_else(|| PathBuf::from("data/gateway.db")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// `server.*`: listeners, logging, CORS and shutdown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Bind address of both listeners.
    #[serde(deserialize_with = "lenient_string")]
    pub host: String,
    /// HTTP API port; 0 picks a free port.
    pub port: u16,
    /// MCP port; 0 picks a free port.
    pub mcp_port: u16,
    /// Seconds running work may take to finish after SIGINT/SIGTERM before it is cancelled.
    pub shutdown_grace_secs: u64,
    /// `text` (human-readable) or `json` logs.
    pub log_format: LogFormat,
    /// Browser origins allowed besides the gateway's own (CORS and the
    /// origin check); `["*"]` allows any origin, as the old service did.
    pub cors_allowed_origins: Vec<String>,
    /// `Host` values accepted besides loopback names and the bound address
    /// (DNS-rebinding protection); `["*"]` accepts any.
    pub allowed_hosts: Vec<String>,
    /// Largest accepted request body in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Log every request at INFO (method, route, status, duration, request id).
    pub access_log: bool,
    /// Proxies (CIDRs or addresses) whose `Forwarded` / `X-Forwarded-For`
    /// header names the client, for rate limits and logs.
    pub trusted_proxies: Vec<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 5006,
            mcp_port: 8006,
            shutdown_grace_secs: 10,
            log_format: LogFormat::Text,
            cors_allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            max_body_bytes: 1024 * 1024,
            access_log: false,
            trusted_proxies: Vec::new(),
        }
    }
}

/// `conductor.*`: where the CLI is and how it may be run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConductorSettings {
    /// The Conductor project folder: the CLI's working directory.
    #[serde(deserialize_with = "lenient_opt_path")]
    pub project_path: Option<PathBuf>,
    /// Scripts folder inside the project.
    #[serde(deserialize_with = "lenient_string")]
    pub scripts_path: String,
    /// Deadline in seconds for CLI runs other than agent executions.
    pub timeout: u64,
    /// Argument list that starts the CLI; default `<project_path>/conductor`.
    pub command: Option<Vec<String>>,
    /// Largest `timeout` a caller may ask for, in seconds.
    pub max_timeout: u64,
    /// Seconds the gateway waits past an execution's own `--timeout` before killing it.
    pub timeout_margin: u64,
    /// CLI processes allowed at once.
    pub max_concurrent: usize,
    /// Callers allowed to wait for a free slot; beyond them the runner answers "busy".
    pub max_queue: usize,
    /// Total stdout+stderr bytes kept per run; past it the run is killed and marked truncated.
    pub output_limit_bytes: usize,
    /// Largest input text in bytes (Linux refuses one argument over 128 KiB).
    pub max_input_bytes: usize,
    /// Milliseconds between SIGTERM and SIGKILL when a run is stopped.
    pub kill_grace_ms: u64,
    /// Folder that backup, restore and migrate paths must stay inside; default `<project_path>/backups`.
    #[serde(deserialize_with = "lenient_opt_path")]
    pub files_root: Option<PathBuf>,
    /// Names of the gateway's environment variables the CLI also inherits
    /// (beyond PATH, HOME, LANG, LC_*, TERM, TZ, USER), e.g. `ANTHROPIC_API_KEY`.
    pub pass_env: Vec<String>,
    /// Environment variables set for the CLI process (they win over inherited ones).
    #[serde(serialize_with = "redacted_values")]
    pub env: BTreeMap<String, String>,
}

/// `conductor.env` often carries provider keys: printed configurations show names only.
fn redacted_values<S: serde::Serializer>(
    env: &BTreeMap<String, String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(env.len()))?;
    for name in env.keys() {
        map.serialize_entry(name, "[redacted]")?;
    }
    map.end()
}

impl Default for ConductorSettings {
    fn default() -> Self {
        Self {
            project_path: None,
            scripts_path: "scripts".into(),
            timeout: 300,
            command: None,
            max_timeout: 3600,
            timeout_margin: 15,
            max_concurrent: 16,
            max_queue: 64,
            output_limit_bytes: 4 * 1024 * 1024,
            max_input_bytes: 64 * 1024,
            kill_grace_ms: 2000,
            files_root: None,
            pass_env: Vec::new(),
            env: BTreeMap::new(),
        }
    }
}

/// `jobs.*`: background jobs, their event logs and streams.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSettings {
    /// Jobs running at once.
    pub max_running: usize,
    /// Jobs waiting to run; beyond them new jobs get 429.
    pub max_queued: usize,
    /// Events kept per job for replay.
    pub event_log_max_events: usize,
    /// Bytes of events kept per job for replay.
    pub event_log_max_bytes: usize,
    /// Seconds a finished job stays readable and replayable.
    pub retention_secs: u64,
    /// Finished jobs kept at most; past it the oldest finished ones go first.
    pub max_retained_jobs: usize,
    /// Seconds between SSE keep-alive comments.
    pub keepalive_secs: u64,
    /// Reconnection delay hint sent to SSE clients, in milliseconds.
    pub retry_ms: u64,
    /// Seconds `/execute` waits for a job before answering 504 (the job goes on).
    pub execute_wait_secs: u64,
    /// Seconds an `Idempotency-Key` maps to the job it started.
    pub idempotency_window_secs: u64,
    /// Bytes of all jobs' records and event logs kept in memory together.
    pub store_max_bytes: usize,
    /// Largest `metadata` of a payload, in bytes of JSON (413 beyond).
    pub max_metadata_bytes: usize,
    /// Largest page of `GET /api/v1/jobs` (`limit` is clamped to it).
    pub max_page: usize,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            max_running: 16,
            max_queued: 256,
            event_log_max_events: 10_000,
            event_log_max_bytes: 16 * 1024 * 1024,
            retention_secs: 3600,
            max_retained_jobs: 1000,
            keepalive_secs: 15,
            retry_ms: 2000,
            execute_wait_secs: 600,
            idempotency_window_secs: 600,
            store_max_bytes: 256 * 1024 * 1024,
            max_metadata_bytes: 16 * 1024,
            max_page: 100,
        }
    }
}

/// `mcp.*`: the MCP listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct McpSettings {
    /// Serve MCP on `server.mcp_port`.
    pub enabled: bool,
    /// Browser origins allowed on the MCP HTTP transports (requests without `Origin` are allowed).
    pub allowed_origins: Vec<String>,
    /// Extra `Host` values accepted when bound to loopback (DNS-rebinding protection).
    pub allowed_hosts: Vec<String>,
    /// Least milliseconds between two progress notifications of one call.
    pub progress_interval_ms: u64,
    /// MCP sessions (Streamable HTTP and legacy SSE) open at once, in total.
    pub max_sessions: usize,
    /// MCP sessions one API key (one client address when open) may hold.
    pub max_sessions_per_client: usize,
    /// Seconds an idle Streamable HTTP session is kept.
    pub session_idle_secs: u64,
}

impl Default for McpSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            progress_interval_ms: 250,
            max_sessions: 1000,
            max_sessions_per_client: 50,
            session_idle_secs: 600,
        }
    }
}

/// `limits.*`: protection against floods and slow clients.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Requests per second allowed per API key (per client address when open); 0 turns it off.
    pub requests_per_second: u32,
    /// Requests allowed in a burst above the steady rate.
    pub burst: u32,
    /// Open SSE streams allowed per API key (per client address when open).
    pub max_streams_per_client: usize,
    /// Seconds a client may take to send a request's headers.
    pub header_read_timeout_secs: u64,
    /// Seconds a client may take to send a request's body.
    pub body_read_timeout_secs: u64,
    /// Seconds a connection may stay open with no request in progress
    /// (HTTP/1 before its first byte and between requests; HTTP/2 with no stream).
    pub idle_timeout_secs: u64,
    /// Connections open at once, per listener.
    pub max_connections: usize,
    /// Connections one client address may hold open, per listener.
    pub max_connections_per_addr: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            requests_per_second: 50,
            burst: 100,
            max_streams_per_client: 100,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            idle_timeout_secs: 60,
            max_connections: 10_000,
            max_connections_per_addr: 1000,
        }
    }
}

fn lenient_opt_path<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    Ok(lenient_opt_string(d)?
        .filter(|s| !s.is_empty())
        .map(PathBuf::from))
}

impl Settings {
    /// Checks what types alone cannot; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let c = &self.conductor;
        let bad = |key: &str, why: &str| Err((key.to_string(), why.to_string()));
        if c.timeout == 0 {
            return bad("conductor.timeout", "must be at least 1 second");
        }
        if c.max_timeout == 0 {
            return bad("conductor.max_timeout", "must be at least 1 second");
        }
        if c.max_concurrent == 0 {
            return bad("conductor.max_concurrent", "must be at least 1");
        }
        if c.output_limit_bytes < 1024 {
            return bad("conductor.output_limit_bytes", "must be at least 1024");
        }
        if c.max_input_bytes == 0 || c.max_input_bytes > 128 * 1024 - 16 {
            return bad(
                "conductor.max_input_bytes",
                "must be between 1 and 131056 (Linux refuses one argument over 128 KiB)",
            );
        }
        if let Some(cmd) = &c.command
            && (cmd.is_empty() || cmd[0].is_empty())
        {
            return bad("conductor.command", "must name a program");
        }
        if self.jobs.max_running == 0 {
            return bad("jobs.max_running", "must be at least 1");
        }
        if self.jobs.event_log_max_events < 2 {
            return bad("jobs.event_log_max_events", "must be at least 2");
        }
        if self.jobs.keepalive_secs == 0 {
            return bad("jobs.keepalive_secs", "must be at least 1");
        }
        if self.llm.max_steps == 0 {
            return bad("llm.max_steps", "must be at least 1");
        }
        if self.server.host.parse::<std::net::IpAddr>().is_err() && self.server.host != "localhost"
        {
            return bad("server.host", "must be an IP address or localhost");
        }
        let loopback = is_loopback(&self.server.host);
        if !loopback && self.auth.api_keys.is_empty() && !self.auth.allow_open {
            return Err((
                "server.host".into(),
                format!(
                    "binding {} without API keys would let anyone who reaches the port run agents (and so code) on this host; set auth.api_keys or GATEWAY_API_KEYS, or set auth.allow_open: true to accept that",
                    self.server.host
                ),
            ));
        }
        for cidr in &self.server.trusted_proxies {
            if cidr.parse::<ipnet::IpNet>().is_err() && cidr.parse::<std::net::IpAddr>().is_err() {
                return bad(
                    "server.trusted_proxies",
                    "entries are addresses or CIDRs (10.0.0.0/8)",
                );
            }
        }
        if self.store.backend == Some(StoreBackend::Redis) && self.store.redis_url.is_none() {
            return bad(
                "store.redis_url",
                "the redis backend needs a URL (REDIS_URL or store.redis_url)",
            );
        }
        if self.store.lease_secs < 2 {
            return bad("store.lease_secs", "must be at least 2 seconds");
        }
        if self.jobs.max_page == 0 {
            return bad("jobs.max_page", "must be at least 1");
        }
        if self.limits.max_connections == 0 || self.limits.max_connections_per_addr == 0 {
            return bad("limits.max_connections", "must be at least 1");
        }
        if self.limits.idle_timeout_secs == 0 || self.limits.body_read_timeout_secs == 0 {
            return bad(
                "limits.idle_timeout_secs",
                "timeouts must be at least 1 second",
            );
        }
        if self.limits.header_read_timeout_secs == 0 {
            return bad("limits.header_read_timeout_secs", "must be at least 1");
        }
        for key in &self.auth.api_keys {
            if key.key.expose().len() < 16 {
                return bad(
                    "auth.api_keys.key",
                    "API keys must be at least 16 characters",
                );
            }
        }
        // Ownership follows the key's name: two keys with one name would share jobs.
        let mut names = std::collections::HashSet::new();
        let mut keys = std::collections::HashSet::new();
        for key in &self.auth.api_keys {
            let name = key.principal_name();
            if name == ANONYMOUS {
                return bad(
                    "auth.api_keys.name",
                    "`anonymous` is reserved for a gateway without keys",
                );
            }
            if !names.insert(name.clone()) {
                return Err((
                    "auth.api_keys.name".into(),
                    format!("the name `{name}` is given to two keys; each key needs its own name"),
                ));
            }
            if !keys.insert(key.key.expose().to_string()) {
                return bad("auth.api_keys.key", "the same key is configured twice");
            }
        }
        for scope in self.auth.api_keys.iter().flat_map(|k| &k.scopes) {
            if !["read", "run", "admin"].contains(&scope.as_str()) {
                return bad("auth.api_keys.scopes", "scopes are read, run and admin");
            }
        }
        Ok(())
    }

    /// The command that starts the CLI, and whether one is configured at all.
    pub fn cli_command(&self) -> Option<Vec<String>> {
        if let Some(cmd) = &self.conductor.command {
            return Some(cmd.clone());
        }
        let project = self.conductor.project_path.as_ref()?;
        Some(vec![
            project.join("conductor").to_string_lossy().into_owned(),
        ])
    }
}
