//! Unit tests of the double: argv parsing, dispatch, and outputs compared with the transcript
//! (`/work/shared/fixtures/conductor-cli-transcript.txt`) on a `create_workspace` project, one
//! file per command family; this file holds the helpers they share.

mod args;
mod commands;
mod execute;
mod modes;

use std::path::Path;

use super::cli::run_with;
use super::create_workspace;
use super::modes::DoubleEnv;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    create_workspace(dir.path()).expect("workspace");
    dir
}

fn run_env(dir: &Path, env: &DoubleEnv, argv: &[&str]) -> (i32, Vec<u8>, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv: Vec<String> = argv.iter().map(|a| a.to_string()).collect();
    let code = run_with(&mut out, &mut err, &mut std::io::empty(), env, dir, &argv).expect("run");
    (code, out, String::from_utf8(err).expect("utf-8 stderr"))
}

fn run(dir: &Path, argv: &[&str]) -> (i32, String) {
    let (code, out, _) = run_env(dir, &DoubleEnv::plain(), argv);
    (code, String::from_utf8(out).expect("utf-8 stdout"))
}

/// Stdout of a run, checked to contain every needle.
fn expect(dir: &Path, argv: &[&str], needles: &[&str]) -> String {
    let out = run(dir, argv).1;
    for needle in needles {
        assert!(
            out.contains(needle),
            "{argv:?}: {needle:?} missing from\n{out}"
        );
    }
    out
}

fn with_modes(modes: &str) -> DoubleEnv {
    DoubleEnv::from_lookup(|k| (k == "CONDUCTOR_DOUBLE_MODE").then(|| modes.to_string()))
}

/// The JSON payload: the line before the trailer.
fn payload(out: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(out);
    serde_json::from_str(text.lines().rev().nth(1).expect("json line")).expect("json")
}
