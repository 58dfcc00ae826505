//! The conductor runner: the only code that starts processes.
//!
//! Each run gets its own process group, argument vector only (never a shell),
//! stdin from /dev/null, stdout and stderr read live under a byte cap. A
//! timeout, a cancel, the output cap, shutdown or dropping the run's future
//! kills the whole group (SIGTERM, then SIGKILL after a grace) and reaps it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::Command;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::outcome::classify;
use super::output::{Budget, OutputSink, StreamKind, collect};
use super::reaper;
use crate::tools::{Outcome, RunResult};

/// How the runner starts the CLI.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Program and leading arguments; `None` when no CLI is configured.
    pub command: Option<Vec<String>>,
    /// Working directory (the Conductor project folder).
    pub cwd: Option<PathBuf>,
    /// The CLI's whole environment: nothing else is inherited (`config::child_env`).
    pub env: BTreeMap<String, String>,
    pub output_limit: usize,
    pub kill_grace: Duration,
    pub max_concurrent: usize,
    pub max_queue: usize,
    /// This gateway instance's id: part of every run's mark (`reaper`).
    pub instance: String,
}

/// One CLI invocation.
pub struct RunRequest {
    pub args: Vec<String>,
    /// Past this the group is killed and the outcome is `timeout`.
    pub deadline: Duration,
    pub output: Option<OutputSink>,
    pub cancel: CancellationToken,
}

/// Nothing ran: every slot and every queue place is taken.
#[derive(Debug, thiserror::Error)]
#[error(
    "the conductor CLI is busy: {running} runs in progress and {queued} waiting; try again shortly"
)]
pub struct Busy {
    pub running: usize,
    pub queued: usize,
}

/// Starts CLI processes within the configured limits.
#[derive(Debug)]
pub struct Runner {
    config: RunnerConfig,
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    running: AtomicUsize,
    shutdown: CancellationToken,
    /// Runs started so far: each one's number in its mark.
    runs: std::sync::atomic::AtomicU64,
    checked: std::sync::Mutex<Option<(Instant, Result<String, CliUnusable>)>>,
}

/// Why the configured CLI cannot be started (a health check's reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliUnusable {
    #[error(
        "no conductor CLI configured (set CONDUCTOR_PROJECT_PATH or conductor.command, or start with --demo)"
    )]
    NotConfigured,
    #[error("{} is not an executable file", .0.display())]
    NotExecutable(PathBuf),
    /// The program's metadata could not be read (usually: it does not exist).
    #[error("{}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
}

impl Runner {
    /// `shutdown` cancels every run (used once the shutdown grace period is over).
    pub fn new(config: RunnerConfig, shutdown: CancellationToken) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(config.max_concurrent)),
            config,
            waiting: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            shutdown,
            runs: std::sync::atomic::AtomicU64::new(1),
            checked: std::sync::Mutex::new(None),
        }
    }

    pub fn config(&self) -> &RunnerConfig {
        &self.config
    }

    /// Runs currently holding a slot.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    /// Callers waiting for a slot.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Whether the configured program exists and is executable; the reason
    /// when not. Looked at once a second at most: health probes call it on
    /// every request.
    pub fn check(&self) -> Result<String, CliUnusable> {
        let mut cached = self.checked.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, result)) = &*cached
            && at.elapsed() < Duration::from_secs(1)
        {
            return result.clone();
        }
        let result = self.check_now();
        *cached = Some((Instant::now(), result.clone()));
        result
    }

    fn check_now(&self) -> Result<String, CliUnusable> {
        let Some(cmd) = &self.config.command else {
            return Err(CliUnusable::NotConfigured);
        };
        let program = resolve_program(&cmd[0], self.config.cwd.as_ref());
        match std::fs::metadata(&program) {
            Ok(meta) if meta.is_file() && is_executable(&meta) => {
                Ok(format!("{} is executable", program.display()))
            }
            Ok(_) => Err(CliUnusable::NotExecutable(program)),
            Err(e) => Err(CliUnusable::Unreadable {
                path: program,
                reason: e.to_string(),
            }),
        }
    }

    /// Runs the CLI with `req.args` after the configured command.
    pub async fn run(&self, req: RunRequest) -> Result<RunResult, Busy> {
        let started = Instant::now();
        let Some(base) = self.config.command.clone() else {
            return Ok(RunResult::failed(
                req.args,
                Outcome::NotFound,
                "no conductor CLI is configured".into(),
                elapsed_ms(started),
            ));
        };
        let mut argv = base;
        argv.extend(req.args.iter().cloned());

        let _slot = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let queued = self.waiting.fetch_add(1, Ordering::AcqRel);
                let _waiting = CounterGuard(&self.waiting);
                if queued >= self.config.max_queue {
                    return Err(Busy {
                        running: self.running(),
                        queued,
                    });
                }
                tokio::select! {
                    permit = self.slots.clone().acquire_owned() => match permit {
                        Ok(p) => p,
                        Err(_) => return Ok(RunResult::failed(argv, Outcome::Cancelled, "the gateway is shutting down".into(), elapsed_ms(started))),
                    },
                    _ = req.cancel.cancelled() => {
                        return Ok(RunResult::failed(argv, Outcome::Cancelled, "cancelled while waiting for a free CLI slot".into(), elapsed_ms(started)));
                    }
                }
            }
        };
        self.running.fetch_add(1, Ordering::AcqRel);
        let _running = CounterGuard(&self.running);
        let result = self.spawn_and_wait(argv, req, started).await;
        crate::metrics::cli_run(result.outcome, started.elapsed());
        Ok(result)
    }

    async fn spawn_and_wait(
        &self,
        argv: Vec<String>,
        req: RunRequest,
        started: Instant,
    ) -> RunResult {
        let program = resolve_program(&argv[0], self.config.cwd.as_ref());
        let mark = reaper::mark(
            &self.config.instance,
            self.runs.fetch_add(1, Ordering::Relaxed),
        );
        let mut cmd = Command::new(&program);
        cmd.args(&argv[1..])
            .env_clear()
            .envs(&self.config.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env(reaper::MARK, &mark)
            .process_group(0)
            .kill_on_drop(true);
        if let Some(cwd) = &self.config.cwd {
            cmd.current_dir(cwd);
        }
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                let (outcome, why) = match e.kind() {
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => (
                        Outcome::NotFound,
                        format!(
                            "conductor CLI not found or not executable at {}: {e}",
                            program.display()
                        ),
                    ),
                    _ => (
                        Outcome::SpawnFailed,
                        format!("could not start the conductor CLI: {e}"),
                    ),
                };
                tracing::warn!(program = %program.display(), error = %e, "conductor CLI did not start");
                return RunResult::failed(argv, outcome, why, elapsed_ms(started));
            }
        };
        let pgid = child.id().map(|pid| Pid::from_raw(pid as i32));
        let mut guard = GroupGuard {
            pgid,
            mark: Some(mark),
        };

        let budget = Budget::new(self.config.output_limit);
        let stdout = child.stdout.take().map(|out| {
            tokio::spawn(collect(
                out,
                StreamKind::Stdout,
                budget.clone(),
                req.output.clone(),
            ))
        });
        let stderr = child.stderr.take().map(|err| {
            tokio::spawn(collect(
                err,
                StreamKind::Stderr,
                budget.clone(),
                req.output.clone(),
            ))
        });

        let exhausted = budget.exhausted();
        enum Stop {
            Exited(Option<i32>),
            Timeout,
            Cancelled,
            Limit,
        }
        let stop = tokio::select! {
            status = child.wait() => Stop::Exited(status.ok().and_then(|s| s.code())),
            _ = tokio::time::sleep(req.deadline) => Stop::Timeout,
            _ = req.cancel.cancelled() => Stop::Cancelled,
            _ = self.shutdown.cancelled() => Stop::Cancelled,
            _ = exhausted.cancelled() => Stop::Limit,
        };
        let exit_code = match stop {
            Stop::Exited(code) => {
                // Children the CLI left behind must not outlive the run.
                guard.kill(Signal::SIGKILL);
                code
            }
            _ => {
                guard.kill(Signal::SIGTERM);
                let exited = tokio::time::timeout(self.config.kill_grace, child.wait()).await;
                guard.kill(Signal::SIGKILL);
                match exited {
                    Ok(status) => status.ok().and_then(|s| s.code()),
                    Err(_) => child.wait().await.ok().and_then(|s| s.code()),
                }
            }
        };
        // What left the group (`setsid`) goes too, before the pipes it may hold are read to their end.
        if let Some(mark) = guard.disarm() {
            let _ = tokio::task::spawn_blocking(move || reaper::kill_run(&mark)).await;
        }

        let stdout = join_reader(stdout).await;
        let stderr = join_reader(stderr).await;
        let truncated = budget.truncated();
        let (outcome, returncode, error) = match stop {
            Stop::Timeout => (
                Outcome::Timeout,
                124,
                Some(format!(
                    "timed out after {} s; the process group was killed",
                    req.deadline.as_secs_f64()
                )),
            ),
            Stop::Cancelled => (
                Outcome::Cancelled,
                -1,
                Some("cancelled; the process group was killed".to_string()),
            ),
            Stop::Limit => (
                Outcome::OutputLimit,
                exit_code.unwrap_or(-1),
                Some(format!(
                    "output exceeded {} bytes; the run was stopped",
                    self.config.output_limit
                )),
            ),
            Stop::Exited(_) => {
                let code = exit_code.unwrap_or(-1);
                let (outcome, error) = classify(code, &stdout, &stderr);
                (outcome, code, error)
            }
        };
        let result = RunResult {
            status: if outcome == Outcome::Ok {
                "success"
            } else {
                "error"
            },
            outcome,
            stdout,
            stderr,
            returncode,
            duration_ms: started.elapsed().as_millis() as u64,
            truncated,
            timed_out: outcome == Outcome::Timeout,
            command: argv,
            error,
        };
        tracing::debug!(outcome = ?result.outcome, returncode, duration_ms = result.duration_ms, "conductor run finished");
        result
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    started.elapsed().as_millis() as u64
}

/// Relative program names resolve against the working directory, as a user reading the config expects.
fn resolve_program(program: &str, cwd: Option<&PathBuf>) -> PathBuf {
    let path = PathBuf::from(program);
    match cwd {
        Some(dir) if path.is_relative() && program.contains('/') => dir.join(path),
        _ => path,
    }
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

/// Waits for a reader; a grandchild that escaped the group could hold the pipe open forever.
async fn join_reader(handle: Option<tokio::task::JoinHandle<String>>) -> String {
    let Some(mut handle) = handle else {
        return String::new();
    };
    match tokio::time::timeout(Duration::from_secs(5), &mut handle).await {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => String::new(),
        Err(_) => {
            handle.abort();
            String::new()
        }
    }
}

/// Kills the process group, and every process marked as this run's, when
/// dropped: a run whose future is dropped leaves nothing behind.
struct GroupGuard {
    pgid: Option<Pid>,
    mark: Option<String>,
}

impl GroupGuard {
    fn kill(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            // ESRCH (group already gone) is the expected, harmless case.
            let _ = killpg(pgid, signal);
        }
    }

    /// The run ended in order: the caller finishes the job.
    fn disarm(&mut self) -> Option<String> {
        self.pgid = None;
        self.mark.take()
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill(Signal::SIGKILL);
        if let Some(mark) = self.mark.take() {
            // Reading /proc blocks: off the async threads when there are any.
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => {
                    handle.spawn_blocking(move || reaper::kill_run(&mark));
                }
                Err(_) => {
                    reaper::kill_run(&mark);
                }
            }
        }
    }
}

struct CounterGuard<'a>(&'a AtomicUsize);

impl Drop for CounterGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
