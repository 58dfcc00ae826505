//! `conductor-gateway demo-cli`: the CLI double run directly, checking the modes that gateway
//! tests build on (`setsid`, `env`) from outside, as those tests will see them.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Runs the double in a fresh demo project; returns its output and its invocation log.
fn run_double(mode: &str, args: &[&str], env: &[(&str, &str)]) -> (Output, Vec<Value>) {
    let workspace = tempfile::tempdir().expect("tempdir");
    conductor_double::create_workspace(workspace.path()).expect("demo workspace");
    let log = workspace.path().join("double.log");
    let output = Command::new(env!("CARGO_BIN_EXE_conductor-gateway"))
        .arg("demo-cli")
        .args(args)
        .current_dir(workspace.path())
        .envs(env.iter().copied())
        .env("CONDUCTOR_DOUBLE_MODE", mode)
        .env("CONDUCTOR_DOUBLE_LOG", &log)
        .stdin(Stdio::null())
        .output()
        .expect("the double runs");
    (output, read_log(&log))
}

fn read_log(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let line = |l: &str| serde_json::from_str(l).expect("a JSON log line");
    text.lines().map(line).collect()
}

/// `(process group, session)` from /proc/<pid>/stat (fields 5 and 6; the name may hold spaces).
fn group_and_session(pid: i64) -> (i64, i64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("process alive");
    let after_name = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<i64> = after_name
        .split(' ')
        .skip(2)
        .take(2)
        .map(|f| f.parse().expect("number"))
        .collect();
    (fields[0], fields[1])
}

/// SIGKILLs the detached process even when an assertion fails first.
struct Reap(i32);

impl Drop for Reap {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    }
}

#[test]
fn setsid_leaves_a_process_in_a_session_of_its_own() {
    let args = ["--agent", "CodeReviewer_Agent", "--input=hi"];
    let (output, log) = run_double("setsid", &args, &[]);
    let detached = log
        .iter()
        .find_map(|l| l["setsid_pid"].as_i64())
        .unwrap_or_else(|| panic!("no setsid_pid in {log:?}"));
    let _reap = Reap(i32::try_from(detached).expect("pid"));
    // The double ran to its normal end, and `output()` returned: the helper holds no stdio.
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.ends_with("⚡ Execução isolada concluída\n"),
        "{stdout}"
    );
    let double = log[0]["pid"].as_i64().expect("invocation pid");
    assert!(
        log.iter()
            .any(|l| l["pid"] == double && l["setsid_pid"] == detached)
    );
    assert_eq!(group_and_session(detached), (detached, detached));
    let (ours, _) = group_and_session(i64::from(std::process::id()));
    assert_ne!(ours, detached, "the helper left the double's process group");
}

#[test]
fn env_logs_the_whole_environment_of_each_invocation() {
    let (output, log) = run_double("env", &["--list"], &[("DOUBLE_PROBE", "olá 1")]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(log.len(), 1, "{log:?}");
    let env = log[0]["env"].as_object().expect("an env object");
    assert_eq!(env["DOUBLE_PROBE"], "olá 1");
    assert_eq!(env["CONDUCTOR_DOUBLE_MODE"], "env");
    assert!(env.contains_key("PATH"));
    let (_, plain) = run_double("", &["--list"], &[]);
    let mut keys: Vec<&String> = plain[0].as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["argv", "cwd", "pid"]);
}
