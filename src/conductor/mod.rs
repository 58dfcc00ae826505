//! The conductor CLI: the sandboxed runner and the tool catalogue.
//!
//! - `runner`: starts the CLI (process groups, live output, caps, kill on timeout/cancel).
//! - `output`: reads a child's output line by line under a byte cap.
//! - `outcome`: classifies a finished run (the CLI exits 0 on most failures).
//! - `validate`: argument checks (identifiers, input size, timeouts, confined paths).
//! - `params`: the tools' typed parameters (their schemas).
//! - `catalogue`: the 13 tool definitions used by every surface.
//! - `call`: arguments to a validated call (the CLI's argv or a local action).
//! - `local`: tools answered from the project's files.
//! - `toolbox`: the `Conductor` that runs calls and shapes results.

pub mod call;
pub mod catalogue;
mod local;
pub mod outcome;
pub mod output;
pub mod params;
pub mod runner;
pub mod toolbox;
pub mod validate;

pub use call::{EnvContext, Prepared};
pub use catalogue::{Hints, Scope, ToolDef};
pub use outcome::Outcome;
pub use output::{OutputLine, OutputSink, StreamKind};
pub use runner::{Busy, RunResult, Runner};
pub use toolbox::{Conductor, ToolError, ToolResult};
pub use validate::ArgError;
