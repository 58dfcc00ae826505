//! A test double of the conductor CLI, which is also conductor-gateway's demo engine. A binary
//! that embeds it runs [`run`] for `<binary> demo-cli <conductor args...>` ([`SUBCOMMAND`]);
//! it then behaves like `conductor` (same flags, output, files and exit codes), with
//! misbehaviour modes selected by environment variables (`CONDUCTOR_DOUBLE_MODE`, see `modes`).
//! [`create_workspace`] writes the demo project it runs against.
//!
//! # Layout
//!
//! - `cli`: entry point, mode wrappers, dispatch.
//! - `args`: argparse-compatible flag parsing, help and usage text.
//! - `commands`: list, info, validate (`inspect`); install, backup, restore, migrate
//!   (`transfer`).
//! - `execute`: agent runs, the fake provider, history and JSON results.
//! - `modes`: `DoubleEnv` (all environment input), slow/drip/hang/setsid/env behaviour.
//! - `project`: config.yaml and agent files on disk.
//! - `pytext`: Python-compatible text, `repr` and `json.dumps`.
//! - `workspace`: the demo project written by `create_workspace`.
//! - `tests`: unit tests per command family, against a `create_workspace` project.

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

/// The argument under which the embedding binary must dispatch to [`run`]: the `hang` and
/// `setsid` modes start their helper processes as `current_exe() demo-cli`.
pub const SUBCOMMAND: &str = "demo-cli";
