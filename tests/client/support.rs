//! Running the client binary: piped (tokio::process, every wait under the deadline) or in a
//! pseudo-terminal (rexpect, whose every expectation has the same deadline).

#![allow(dead_code)]

use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

use crate::helpers::DEADLINE;

pub use crate::app::BIN;

/// What a finished client run left behind.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// stdout's lines parsed as JSON, each of which must be an object.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}\n{self:?}"));
                assert!(value.is_object(), "not an object: {line}");
                value
            })
            .collect()
    }
}

/// The client with a clean environment: no gateway settings or colour switches inherited.
pub fn command(base: &str, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("GATEWAY_URL", base)
        .env_remove("GATEWAY_API_KEY")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Runs the client against `base` with piped output and waits for its end.
pub async fn run(base: &str, args: &[&str]) -> Out {
    finish(command(base, args)).await
}

pub async fn finish(mut command: Command) -> Out {
    let child = command.spawn().expect("the client starts");
    wait(child).await
}

/// Waits for a spawned client under the deadline.
pub async fn wait(child: Child) -> Out {
    let output = tokio::time::timeout(DEADLINE, child.wait_with_output())
        .await
        .expect("the client ends within the deadline")
        .expect("the client's output");
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A client started with piped output whose lines are read as they come.
pub struct Live {
    pub child: Child,
    pub stdout: Lines<BufReader<ChildStdout>>,
    pub stderr: Lines<BufReader<ChildStderr>>,
    pub seen_out: Vec<String>,
    pub seen_err: Vec<String>,
}

impl Live {
    pub fn spawn(mut command: Command) -> Live {
        let mut child = command.spawn().expect("the client starts");
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
        Live {
            child,
            stdout,
            stderr,
            seen_out: Vec::new(),
            seen_err: Vec::new(),
        }
    }

    /// Reads stdout until a line contains `needle`.
    pub async fn stdout_until(&mut self, needle: &str) -> String {
        let found = tokio::time::timeout(DEADLINE, async {
            while let Some(line) = self.stdout.next_line().await.expect("stdout") {
                self.seen_out.push(line.clone());
                if line.contains(needle) {
                    return Some(line);
                }
            }
            None
        })
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} on stdout in time: {:?}", self.seen_out));
        found.unwrap_or_else(|| panic!("stdout ended without {needle:?}: {:?}", self.seen_out))
    }

    /// Reads stderr until a line contains `needle`.
    pub async fn stderr_until(&mut self, needle: &str) -> String {
        let found = tokio::time::timeout(DEADLINE, async {
            while let Some(line) = self.stderr.next_line().await.expect("stderr") {
                self.seen_err.push(line.clone());
                if line.contains(needle) {
                    return Some(line);
                }
            }
            None
        })
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} on stderr in time: {:?}", self.seen_err));
        found.unwrap_or_else(|| panic!("stderr ended without {needle:?}: {:?}", self.seen_err))
    }

    /// Sends SIGINT, as Ctrl-C would without a terminal.
    pub fn interrupt(&self) {
        let pid = self.child.id().expect("the client is running") as i32;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGINT,
        )
        .expect("SIGINT");
    }

    /// Reads the rest of both streams and the exit code.
    pub async fn finish(mut self) -> Out {
        let rest = tokio::time::timeout(DEADLINE, async {
            let mut out = std::mem::take(&mut self.seen_out);
            while let Some(line) = self.stdout.next_line().await.expect("stdout") {
                out.push(line);
            }
            let mut err = std::mem::take(&mut self.seen_err);
            while let Some(line) = self.stderr.next_line().await.expect("stderr") {
                err.push(line);
            }
            let status = self.child.wait().await.expect("exit status");
            (out, err, status)
        })
        .await
        .expect("the client ends within the deadline");
        let (out, err, status) = rest;
        Out {
            code: status.code().unwrap_or(-1),
            stdout: out.join("\n"),
            stderr: err.join("\n"),
        }
    }
}

/// The client in a pseudo-terminal, its environment as clean as `command`'s.
pub fn pty(base: &str, args: &[&str], extra_env: &[(&str, &str)]) -> rexpect::session::PtySession {
    let mut command = std::process::Command::new(BIN);
    command
        .args(args)
        .env("GATEWAY_URL", base)
        .env_remove("GATEWAY_API_KEY")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm-256color");
    for (key, value) in extra_env {
        command.env(key, value);
    }
    let timeout = u64::try_from(DEADLINE.as_millis()).expect("a small deadline");
    rexpect::session::spawn_command(command, Some(timeout)).expect("the client starts in a pty")
}

/// Waits (off the async threads) for a pty client to exit; answers its exit code.
pub fn pty_exit(session: &mut rexpect::session::PtySession) -> (i32, String) {
    let rest = session.exp_eof().unwrap_or_default();
    match session.process().wait() {
        Ok(rexpect::process::WaitStatus::Exited(_, code)) => (code, rest),
        other => panic!("the client did not exit normally: {other:?}; output: {rest}"),
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
