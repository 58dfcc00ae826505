//! The command line: `serve` (the default), `config check`, `mcp --stdio`, and the terminal
//! client's commands (`run`, `tail`, `jobs`, `tools`, `call`; see `client`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::client::ClientCommand;

/// HTTP, Server-Sent Events and MCP gateway in front of the conductor agent CLI.
///
/// With no subcommand it serves. `run`, `tail`, `jobs`, `tools` and `call` are a terminal
/// client of a running gateway (--url, else $GATEWAY_URL, else http://127.0.0.1:5006). Configuration comes from defaults, then
/// config.yaml (--config, else $CONFIG_PATH, else ./config.yaml), then
/// environment variables (HOST, PORT, MCP_PORT, CONDUCTOR_PROJECT_PATH, ...
/// or nested names such as GATEWAY_SERVER__PORT).
#[derive(Debug, Parser)]
#[command(name = "conductor-gateway", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API and the MCP listener (the default).
    Serve(ServeArgs),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Serve MCP over standard input/output, for clients that launch the server themselves.
    Mcp(McpArgs),
    #[command(flatten)]
    Client(ClientCommand),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Configuration file (default: $CONFIG_PATH, else ./config.yaml).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Run against the built-in demo engine with demo agents in a temporary workspace.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load and validate the configuration, print the effective values (secrets redacted).
    Check {
        /// Configuration file (default: $CONFIG_PATH, else ./config.yaml).
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct McpArgs {
    /// Speak MCP on stdin/stdout (logs go to stderr).
    #[arg(long)]
    pub stdio: bool,
    #[command(flatten)]
    pub serve: ServeArgs,
}
