//! The terminal client: `run`, `tail`, `jobs`, `tools` and `call` against a running gateway,
//! over the same REST and SSE API the web console uses.
//!
//! # Layout
//!
//! - `args`: the subcommands' arguments; `call`'s `key=value` pairs as JSON.
//! - `exit`: exit codes and the help text listing them.
//! - `http`: one method per request, `ClientError`.
//! - `event`, `follow`: job events, and following a stream across reconnections.
//! - `session`: one followed job: Ctrl-C (cancel or detach), approvals, the exit code.
//! - `prompt`: questions on the terminal.
//! - `render`, `steps`, `term`: showing events to people or as JSON lines; tool steps with
//!   spinners; what the terminal allows.
//! - `jobs`: `run` and `tail`; `catalogue`: `jobs`, `tools` and `call`.

pub mod args;
mod catalogue;
mod event;
pub mod exit;
mod follow;
mod http;
mod jobs;
mod prompt;
mod render;
mod session;
mod steps;
mod term;

use std::process::ExitCode;

pub use args::ClientCommand;
use exit::Exit;

/// Runs one client command to its end; errors are printed on stderr and exit with 2.
pub fn main(command: ClientCommand) -> ExitCode {
    let terminal = term::Terminal::detect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Usage.into();
        }
    };
    let outcome = runtime.block_on(async {
        match command {
            ClientCommand::Run(args) => jobs::run(args, terminal).await,
            ClientCommand::Tail(args) => jobs::tail(args, terminal).await,
            ClientCommand::Jobs(args) => catalogue::jobs(args, terminal).await,
            ClientCommand::Tools(args) => catalogue::tools(args, terminal).await,
            ClientCommand::Call(args) => catalogue::call(args).await,
        }
    });
    // The stdin reader thread may be blocked on a read; it must not hold the exit up.
    runtime.shutdown_background();
    match outcome {
        Ok(exit) => exit.into(),
        Err(e) => {
            let style = console::Style::new().for_stderr().red().bold();
            eprintln!("{} {e}", style.apply_to("error:"));
            Exit::Usage.into()
        }
    }
}
