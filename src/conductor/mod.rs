//! The conductor CLI: the sandboxed runner and the execution of tool calls.
//!
//! - `runner`: starts the CLI (process groups, live output, caps, kill on timeout/cancel).
//! - `output`: reads a child's output line by line under a byte cap.
//! - `outcome`: classifies a finished run (the CLI exits 0 on most failures).
//! - `reaper`: every process a run started is killed when it ends (`setsid` ones too).
//! - `local`: tools answered from the project's files.
//! - `toolbox`: the `Conductor` that runs calls and shapes results.

mod local;
pub mod outcome;
pub mod output;
pub mod reaper;
pub mod runner;
pub mod toolbox;

pub use output::{OutputLine, OutputSink, StreamKind};
pub use runner::{Busy, CliUnusable, Runner};
pub use toolbox::{Conductor, Granted, ToolError, ToolResult};
