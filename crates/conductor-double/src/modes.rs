//! The double's misbehaviour modes, selected by environment variables for the gateway's tests:
//! the `DoubleEnv` snapshot, the invocation log (with the whole environment in `env` mode), the
//! slow/hang output wrappers, the `huge` filler, and the helper processes of `hang` and `setsid`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use super::pytext::Json;

/// The modes named in `CONDUCTOR_DOUBLE_MODE` (comma-separated, exact names): `slow`, `drip`,
/// `hang`, `huge`, `stderr`, `nonutf8`, `crash`, `provider_error`, `setsid`, `env`; the
/// `*-child` names are the helper processes' own. Unknown names are ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Modes {
    pub slow: bool,
    pub drip: bool,
    pub hang: bool,
    pub hang_child: bool,
    pub huge: bool,
    pub stderr: bool,
    pub nonutf8: bool,
    pub crash: bool,
    pub provider_error: bool,
    /// An agent run leaves a process behind in a session of its own.
    pub setsid: bool,
    /// The process `setsid` leaves behind (internal, like `hang-child`).
    pub setsid_child: bool,
    /// The invocation log line also records the whole environment.
    pub env: bool,
}

/// Everything the double reads from its environment, read once at start.
#[derive(Debug, Clone, PartialEq)]
pub struct DoubleEnv {
    /// `CONDUCTOR_DOUBLE_LOG`: file that gets one JSON line per invocation.
    pub log_file: Option<PathBuf>,
    /// `CONDUCTOR_DOUBLE_MODE`: comma-separated mode names.
    pub modes: Modes,
    /// `CONDUCTOR_DOUBLE_DELAY_MS`, default 1000.
    pub delay: Duration,
    /// `CONDUCTOR_DOUBLE_DRIP_LINES`, default 5.
    pub drip_lines: usize,
    /// `CONDUCTOR_DOUBLE_HUGE_BYTES`, default 5 MiB.
    pub huge_bytes: usize,
    /// `HOME`, where `--backup`/`--restore` default to.
    pub home: Option<PathBuf>,
    /// `MONGO_URI`: a mongodb migration side needs it.
    pub mongo_uri: Option<String>,
    /// The whole environment, sorted by name; read only in `env` mode, empty otherwise.
    pub vars: Vec<(String, String)>,
}

impl DoubleEnv {
    pub fn from_env() -> DoubleEnv {
        let mut env = DoubleEnv::from_lookup(|key| std::env::var(key).ok());
        if env.modes.env {
            env.vars = environment(std::env::vars_os());
        }
        env
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> DoubleEnv {
        let num = |key: &str, default: usize| {
            get(key)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default)
        };
        let mut modes = Modes::default();
        for name in get("CONDUCTOR_DOUBLE_MODE").unwrap_or_default().split(',') {
            match name.trim() {
                "slow" => modes.slow = true,
                "drip" => modes.drip = true,
                "hang" => modes.hang = true,
                "hang-child" => modes.hang_child = true,
                "huge" => modes.huge = true,
                "stderr" => modes.stderr = true,
                "nonutf8" => modes.nonutf8 = true,
                "crash" => modes.crash = true,
                "provider_error" => modes.provider_error = true,
                "setsid" => modes.setsid = true,
                "setsid-child" => modes.setsid_child = true,
                "env" => modes.env = true,
                _ => {}
            }
        }
        DoubleEnv {
            log_file: get("CONDUCTOR_DOUBLE_LOG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            modes,
            delay: Duration::from_millis(num("CONDUCTOR_DOUBLE_DELAY_MS", 1000) as u64),
            drip_lines: num("CONDUCTOR_DOUBLE_DRIP_LINES", 5),
            huge_bytes: num("CONDUCTOR_DOUBLE_HUGE_BYTES", 5 * 1024 * 1024),
            home: get("HOME").filter(|v| !v.is_empty()).map(PathBuf::from),
            mongo_uri: get("MONGO_URI").filter(|v| !v.is_empty()),
            vars: Vec::new(),
        }
    }

    /// A quiet, instant environment for unit tests.
    #[cfg(test)]
    pub fn plain() -> DoubleEnv {
        DoubleEnv::from_lookup(|_| None)
    }

    /// Appends one JSON line to the invocation log; a single write, so concurrent runs never
    /// interleave. Logging is best effort: the double must behave the same without it.
    pub fn log(&self, line: Json) {
        if let Some(path) = &self.log_file
            && let Ok(mut file) = OpenOptions::new().create(true).append(true).open(path)
        {
            let _ = file.write_all((line.dumps(false) + "\n").as_bytes());
        }
    }

    pub fn log_invocation(&self, argv: &[OsString], cwd: &Path) {
        let argv = argv
            .iter()
            .map(|a| Json::str(a.to_string_lossy()))
            .collect();
        let mut line = vec![
            ("pid", Json::Int(i64::from(std::process::id()))),
            ("argv", Json::Arr(argv)),
            ("cwd", Json::str(cwd.to_string_lossy())),
        ];
        if self.modes.env {
            let vars = self.vars.iter().map(|(k, v)| (k.clone(), Json::str(v)));
            line.push(("env", Json::Map(vars.collect())));
        }
        self.log(Json::Obj(line));
    }
}

/// Environment variables as text (lossy, like argv in the log), sorted by name. A name set
/// twice keeps its first value, the one `getenv` returns.
pub fn environment(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Vec<(String, String)> {
    let mut sorted = BTreeMap::new();
    for (name, value) in vars {
        let name = name.to_string_lossy().into_owned();
        sorted
            .entry(name)
            .or_insert_with(|| value.to_string_lossy().into_owned());
    }
    sorted.into_iter().collect()
}

pub const CRASH_TRACEBACK: &str = "\
Traceback (most recent call last):
  File \"/srv/conductor/src/cli/conductor.py\", line 11, in <module>
    from src.container import container
  File \"/srv/conductor/src/container.py\", line 4, in <module>
    import yaml
ModuleNotFoundError: No module named 'yaml'
";

pub const STDERR_NOISE: &str = "\
/usr/lib/python3/dist-packages/requests/__init__.py:87: RequestsDependencyWarning: urllib3 (2.0.7) or chardet (5.2.0) doesn't match a supported version!
  warnings.warn(
Traceback (most recent call last):
  File \"/srv/conductor/src/core/observability.py\", line 42, in _probe
    import httpx
ModuleNotFoundError: No module named 'httpx'
WARNING: telemetry disabled, continuing without it
";

/// `drip`: numbered lines, each flushed, `delay` apart, before the normal output.
pub fn drip(out: &mut dyn Write, env: &DoubleEnv) -> io::Result<()> {
    for n in 1..=env.drip_lines {
        if n > 1 {
            sleep(env.delay);
        }
        writeln!(out, "linha {n}")?;
        out.flush()?;
    }
    Ok(())
}

/// `bytes` bytes of numbered lines (`linha N xxx`); with `newline_end` the text ends in `\n`,
/// otherwise in a non-space (the CLI strips whitespace around an answer).
pub fn filler(bytes: usize, newline_end: bool) -> String {
    let mut text = String::with_capacity(bytes + 100);
    for n in 1.. {
        if text.len() >= bytes {
            break;
        }
        w!(text, "linha {n:07} {}", "x".repeat(85));
    }
    text.truncate(bytes);
    if text.pop().is_some() {
        text.push(if newline_end { '\n' } else { 'x' });
    }
    text
}

/// `slow` for commands without a provider call: passes the first `lines` lines, flushes, stays
/// silent for `delay`, then passes the rest.
pub struct SlowWriter<'a> {
    pub inner: &'a mut dyn Write,
    pub lines: usize,
    pub delay: Duration,
}

impl Write for SlowWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.lines == 0 {
            return self.inner.write(buf);
        }
        let newlines: Vec<usize> = buf
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i)
            .collect();
        match newlines.get(self.lines - 1) {
            None => {
                self.lines -= newlines.len();
                self.inner.write_all(buf)?;
            }
            Some(&end) => {
                self.lines = 0;
                self.inner.write_all(&buf[..=end])?;
                self.inner.flush()?;
                sleep(self.delay);
                self.inner.write_all(&buf[end + 1..])?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `hang`: passes the first line, flushes it, then never returns (see [`hang`]).
pub struct HangWriter<'a> {
    pub inner: &'a mut dyn Write,
    pub env: &'a DoubleEnv,
}

impl Write for HangWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(end) = buf.iter().position(|&b| b == b'\n') else {
            return self.inner.write(buf);
        };
        self.inner.write_all(&buf[..=end])?;
        self.inner.flush()?;
        hang(self.env)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn ignore_sigterm() {
    use nix::sys::signal::{SigHandler, Signal, signal};
    // SAFETY: installing SIG_IGN runs no handler code, so nothing can race with it.
    let _ = unsafe { signal(Signal::SIGTERM, SigHandler::SigIgn) };
}

fn sleep_forever() -> ! {
    loop {
        sleep(Duration::from_secs(3600));
    }
}

/// Ignores SIGTERM, leaves a SIGTERM-proof child in the same process group (so only a group
/// SIGKILL cleans up), logs the child's pid, and sleeps forever.
pub fn hang(env: &DoubleEnv) -> ! {
    ignore_sigterm();
    let child = std::env::current_exe().and_then(|exe| {
        Command::new(exe)
            .arg(crate::SUBCOMMAND)
            .env("CONDUCTOR_DOUBLE_MODE", "hang-child")
            // The parent reports the child; a second invocation line would only confuse readers.
            .env_remove("CONDUCTOR_DOUBLE_LOG")
            .stdin(Stdio::null())
            .spawn()
    });
    if let Ok(child) = child {
        env.log(Json::Obj(vec![
            ("pid", Json::Int(i64::from(std::process::id()))),
            ("child_pid", Json::Int(i64::from(child.id()))),
        ]));
    }
    sleep_forever()
}

/// The `hang-child` process: holds the inherited stdout/stderr open until SIGKILL.
pub fn hang_child() -> ! {
    ignore_sigterm();
    sleep_forever()
}

/// How long the process that `setsid` leaves behind lives unless something kills it.
const SETSID_SLEEP: Duration = Duration::from_secs(600);

/// `setsid`: starts a process that calls `setsid()` and so leaves the double's session and
/// process group, as a provider CLI's daemonised helper would; a process-group kill misses it.
/// It holds none of the double's stdio, so the run still ends when the double exits. Logs the
/// double's pid and the helper's once the helper has called `setsid()`.
pub fn leave_detached(env: &DoubleEnv) {
    let pid = ("pid", Json::Int(i64::from(std::process::id())));
    let mut command = match std::env::current_exe() {
        Ok(exe) => Command::new(exe),
        Err(e) => {
            return env.log(Json::Obj(vec![
                pid,
                ("setsid_error", Json::str(e.to_string())),
            ]));
        }
    };
    command
        .arg(crate::SUBCOMMAND)
        .env("CONDUCTOR_DOUBLE_MODE", "setsid-child")
        .env_remove("CONDUCTOR_DOUBLE_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: runs between fork and exec; setsid(2) is async-signal-safe and allocates nothing.
    unsafe {
        command.pre_exec(|| nix::unistd::setsid().map(drop).map_err(io::Error::from));
    }
    // `spawn` returns only once the child has exec'd, that is after its `setsid()` succeeded
    // (a failure there is reported as the spawn error), so the logged pid is already detached.
    // The child is not waited for: it is meant to outlive the double.
    match command.spawn() {
        Ok(child) => env.log(Json::Obj(vec![
            pid,
            ("setsid_pid", Json::Int(i64::from(child.id()))),
        ])),
        Err(e) => env.log(Json::Obj(vec![
            pid,
            ("setsid_error", Json::str(e.to_string())),
        ])),
    }
}

/// The `setsid-child` process: sleeps, then exits.
pub fn setsid_child() {
    sleep(SETSID_SLEEP);
}
