//! The client's exit codes: what a script can learn from `$?`, and the help text listing them.

use std::process::ExitCode;

/// How a client command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The job succeeded; other commands: done.
    Success,
    /// The job failed; `call`: the tool reported an error.
    Failed,
    /// Usage error, gateway unreachable, an HTTP error, or the stream lost for good.
    Usage,
    /// Interrupted and detached: the job was left running.
    Detached,
    /// The job hit a deadline.
    TimedOut,
    /// The job was cancelled (from here or elsewhere).
    Cancelled,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Detached => 3,
            // The conductor CLI's own timeout code (and timeout(1)'s).
            Exit::TimedOut => 124,
            // 128 + SIGINT, what a shell reports for a job stopped by Ctrl-C.
            Exit::Cancelled => 130,
        }
    }

    /// The exit for a job's final state (`end_of_stream`'s `data.state`).
    pub fn from_state(state: &str) -> Exit {
        match state {
            "succeeded" => Exit::Success,
            "cancelled" => Exit::Cancelled,
            "timed_out" => Exit::TimedOut,
            _ => Exit::Failed,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// `--help` text of the commands that follow a job (`run`, `tail`).
pub const FOLLOW_HELP: &str = "\
Exit codes:
  0    the job succeeded
  1    the job failed
  2    usage error, gateway unreachable, HTTP error, or the stream lost after every retry
  3    detached (Ctrl-C, then d): the job is still running
  124  the job timed out
  130  the job was cancelled

Ctrl-C: in a terminal (stdin and stderr), asks whether to cancel the job or to detach and leave
it running; a second Ctrl-C cancels. Without a terminal, Ctrl-C cancels the job and waits for
its end; a second one stops waiting.

Approvals: when the job asks for one (`approval_required`), a terminal is asked `Approve? [y/N]`.
Without a terminal the job is left waiting, unless --approve or --deny answers for you.

Dropped connections are resumed with Last-Event-ID (the server's `retry:` delay, doubling on
each failed attempt); no event is shown twice.

Environment: GATEWAY_URL, GATEWAY_API_KEY; NO_COLOR (any value) turns colour off. Piped output
has no spinner, no colour and no control codes.";

/// `--help` text of `call`.
pub const CALL_HELP: &str = "\
Arguments: key=value (the value is parsed as JSON when it is JSON: numbers, true/false, null,
objects, arrays, \"quoted strings\"; otherwise it is taken as a string), key:=json (must be JSON).

Exit codes:
  0    the tool succeeded
  1    the tool ran and reported an error (is_error)
  2    usage error, gateway unreachable, or an HTTP error (the gateway's detail is shown)";

/// `--help` text of the listing commands (`jobs`, `tools`).
pub const LIST_HELP: &str = "\
Exit codes:
  0    listed
  2    usage error, gateway unreachable, or an HTTP error (the gateway's detail is shown)";
