//! A test double of the conductor CLI, which is also the gateway's demo engine: run as
//! `conductor-gateway demo-cli <conductor args...>` it behaves like `conductor` (same flags,
//! output, files and exit codes), with misbehaviour modes selected by environment variables.
//!
//! Layout:
//! - `cli`: entry point, mode wrappers, dispatch.
//! - `args`: argparse-compatible flag parsing, help and usage text.
//! - `commands`: list, info, validate, install, backup, restore, migrate.
//! - `execute`: agent runs, the fake provider, history and JSON results.
//! - `modes`: `DoubleEnv` (all environment input), slow/drip/hang behaviour.
//! - `project`: config.yaml and agent files on disk.
//! - `pytext`: Python-compatible text, `repr` and `json.dumps`.
//! - `workspace`: the demo project written by `create_workspace`.

#[macro_use]
mod pytext;
mod args;
mod cli;
mod commands;
mod execute;
mod modes;
mod project;
mod workspace;

#[cfg(test)]
mod tests;

pub use cli::run;
pub use workspace::create_workspace;
