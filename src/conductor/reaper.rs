//! Nothing the CLI starts outlives its run.
//!
//! Killing a run's process group is not enough: a descendant can leave the
//! group and the session with `setsid` (a daemon, a language server). So
//! every run is marked: its environment carries `CONDUCTOR_GATEWAY_RUN=<id>`,
//! which every descendant inherits, and when the run ends every process
//! whose environment carries the mark is killed, whatever its group. The
//! gateway is also a child subreaper, so such orphans become its children
//! instead of init's, and it reaps them (no zombies left behind).
//!
//! Marks name the gateway instance too, so a restarted gateway can find and
//! kill what a dead instance left running (`kill_instance`).

use std::collections::BTreeSet;
use std::path::Path;

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

/// The environment variable that marks a run's processes.
pub const MARK: &str = "CONDUCTOR_GATEWAY_RUN";

/// Makes this process the reaper of its orphaned descendants (Linux).
pub fn become_subreaper() {
    if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
        tracing::warn!(error = %e, "could not become a child subreaper: orphans of CLI runs are reaped by init");
    }
}

/// `<instance>:<run>`, the value of a run's mark.
pub fn mark(instance: &str, run: u64) -> String {
    format!("{instance}:{run}")
}

/// Processes whose environment holds `MARK=<value>` exactly, or (with
/// `prefix`) starts with it.
fn marked(value: &str, prefix: bool) -> Vec<Pid> {
    let me = std::process::id() as i32;
    let needle = format!("{MARK}={value}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            let Ok(environ) =
                std::fs::read(Path::new("/proc").join(pid.to_string()).join("environ"))
            else {
                return false;
            };
            environ.split(|b| *b == 0).any(|var| {
                if prefix {
                    var.starts_with(needle.as_bytes())
                } else {
                    var == needle.as_bytes()
                }
            })
        })
        .map(Pid::from_raw)
        .collect()
}

/// Kills every process of the run marked `value` (SIGKILL), and reaps the
/// ones that became this process's children. Repeats while a kill races a
/// fork; returns how many processes were killed.
pub fn kill_run(value: &str) -> usize {
    kill_marked(value, false)
}

/// Kills what a gateway instance's runs left (at start-up, for a dead instance).
pub fn kill_instance(instance: &str) -> usize {
    kill_marked(&format!("{instance}:"), true)
}

fn kill_marked(value: &str, prefix: bool) -> usize {
    let mut killed = BTreeSet::new();
    for _ in 0..5 {
        let found: Vec<Pid> = marked(value, prefix)
            .into_iter()
            .filter(|pid| !is_zombie(*pid))
            .collect();
        if found.is_empty() {
            break;
        }
        for pid in found {
            if kill(pid, Signal::SIGKILL).is_ok() {
                killed.insert(pid);
            }
        }
    }
    for pid in &killed {
        // Only orphans that were re-parented here are ours to wait for (the
        // runner's own child is waited for by tokio). SIGKILLed, they exit
        // promptly, but not always before this line: wait for them.
        if parent_of(*pid) == Some(std::process::id() as i32) {
            let _ = waitpid(*pid, None);
        }
    }
    killed.len()
}

/// `/proc/<pid>/stat`: the fields after the command name.
fn stat_fields(pid: Pid) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn is_zombie(pid: Pid) -> bool {
    stat_fields(pid).is_some_and(|f| f.first().is_some_and(|s| s == "Z"))
}

fn parent_of(pid: Pid) -> Option<i32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// Reaps orphaned zombies marked as runs of this gateway (called now and
/// then: an orphan that exited by itself is this process's zombie child).
pub fn reap_orphans(instance: &str) {
    let me = std::process::id() as i32;
    for pid in marked(&format!("{instance}:"), true) {
        if is_zombie(pid) && parent_of(pid) == Some(me) {
            let _ = waitpid(pid, Some(WaitPidFlag::WNOHANG));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_processes_are_found_and_killed_by_their_mark() {
        let value = mark(&format!("test{}", std::process::id()), 1);
        let mut child = std::process::Command::new("sleep")
            .arg("600")
            .env(MARK, &value)
            .spawn()
            .unwrap();
        let pid = Pid::from_raw(child.id() as i32);
        // The environment shows in /proc once the child has exec'd.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !marked(&value, false).contains(&pid) {
            assert!(
                std::time::Instant::now() < deadline,
                "the mark never showed"
            );
            std::thread::yield_now();
        }
        assert!(
            !marked(&mark("other", 1), false).contains(&pid),
            "another run's mark is not this one"
        );
        assert_eq!(kill_run(&value), 1);
        // Killed and reaped (it was this process's child): nothing is left.
        assert!(marked(&value, false).is_empty());
        assert!(std::fs::metadata(format!("/proc/{pid}")).is_err());
        assert!(child.wait().is_err(), "already reaped by kill_run");
    }
}
