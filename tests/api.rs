//! Black-box tests of the HTTP API: the real server on a random port, the
//! conductor CLI double behind it, clients talking HTTP and SSE.

#[path = "common/app.rs"]
mod app;
#[path = "api/helpers.rs"]
mod helpers;

#[path = "api/browsers.rs"]
mod browsers;
#[path = "api/config.rs"]
mod config;
#[path = "api/connections.rs"]
mod connections;
#[path = "api/demo_cli.rs"]
mod demo_cli;
#[path = "api/environment.rs"]
mod environment;
#[path = "api/execute.rs"]
mod execute;
#[path = "api/health.rs"]
mod health;
#[path = "api/jobs.rs"]
mod jobs;
#[path = "api/openapi.rs"]
mod openapi;
#[path = "api/ownership.rs"]
mod ownership;
#[path = "api/process.rs"]
mod process;
#[path = "api/restart.rs"]
mod restart;
#[path = "api/runner.rs"]
mod runner;
#[path = "api/schema_check.rs"]
mod schema_check;
#[path = "api/security.rs"]
mod security;
#[path = "api/shutdown.rs"]
mod shutdown;
#[path = "api/status.rs"]
mod status;
#[path = "api/stream.rs"]
mod stream;
#[path = "api/tool_injection.rs"]
mod tool_injection;
#[path = "api/tools.rs"]
mod tools;
