//! conductor-gateway: the one process between front ends / AI clients and the
//! conductor agent CLI. REST and Server-Sent Events on one port, MCP on another.
//!
//! # Layout
//!
//! - `agent`: the LLM agent behind plain-text commands.
//! - `auth`: API keys, scopes and principals.
//! - `cli`: command-line arguments (`serve`, `config check`, `mcp --stdio`, the client's).
//! - `client`: the terminal client (`run`, `tail`, `jobs`, `tools`, `call`) of a running gateway.
//! - `config`: typed settings, layered from defaults, `config.yaml` and the environment.
//! - `telemetry`: logging setup.
//! - `startup`: `Application` — bind, build state, run until stopped; the CLI runner both
//!   `serve` and `mcp --stdio` use.
//! - `shutdown`: the stop signals, the tokens every task watches, and the drain.
//! - `state`: `AppState`, the handles every surface shares.
//! - `tools`: the 13 tools, each declared once as a type (parameters, argv, output, scope, alias).
//! - `conductor`: the sandboxed CLI runner and the execution of tool calls.
//! - `http`: the REST API (health, tools, jobs, SSE, console), its middleware
//!   (auth, limits, metrics) and its error mapping.
//! - `jobs`: background jobs, event logs and the job store.
//! - `limits`: per-client request rate and open-stream limits, shared by both listeners.
//! - `mcp`: the MCP server (Streamable HTTP, legacy SSE, stdio).
//! - `metrics`: Prometheus metric names and the recorder.
//!
//! The conductor CLI double, also the `--demo` engine, is the `conductor-double` crate
//! (`crates/conductor-double`); only the binary (`main.rs`) uses it.
//! `scripts/check-layout.py` (run by the test command) keeps files under 500 lines and
//! sibling modules free of import cycles.

pub mod agent;
pub mod auth;
pub mod cli;
pub mod client;
pub mod conductor;
pub mod config;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod mcp;
pub mod metrics;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tools;
