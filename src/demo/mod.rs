//! The conductor CLI double, which is also the demo engine (work in progress).

use std::ffi::OsString;
use std::path::Path;

/// Runs the double as if it were `conductor <args>`; returns the exit code.
pub fn run(_args: Vec<OsString>) -> i32 {
    0
}

/// Writes a demo conductor project (config.yaml, agents, templates) into `dir`.
pub fn create_workspace(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}
