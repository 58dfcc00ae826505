//! Logging: human-readable or JSON lines on stderr (stdout stays free for MCP stdio).
//!
//! Lines go through a non-blocking writer: a dedicated thread owns stderr, so
//! a slow terminal or a full pipe never stalls a request. Colours only when
//! stderr is a terminal and `NO_COLOR` is unset, so log files and collectors
//! get plain text.

use std::io::IsTerminal;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Flushes the lines still queued when dropped; keep it until the process ends.
#[must_use = "dropping the guard stops log output"]
pub struct LogGuard {
    _worker: Option<WorkerGuard>,
}

/// Installs the global subscriber; `RUST_LOG` refines the default `info` level.
pub fn init(format: LogFormat, no_color: bool) -> LogGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // The queue's slots are allocated up front: 8,192 lines of burst (past
    // that, lines are dropped rather than stalling a request) cost ~0.3 MB
    // instead of the default 128,000 lines' ~5 MB.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(8_192)
        .lossy(true)
        .finish(std::io::stderr());
    let ansi = !no_color && std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    // A second init (tests) keeps the first subscriber.
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    LogGuard {
        _worker: installed.is_ok().then_some(guard),
    }
}
