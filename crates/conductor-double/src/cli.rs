//! The double's entry point: process setup (stdio, cwd, invocation log), the mode wrappers,
//! argument errors, and dispatch to the commands in their precedence order.

use std::ffi::OsString;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::args::{self, Args, Command, Parsed};
use super::modes::{self, DoubleEnv, HangWriter, SlowWriter};
use super::pytext::{decode_os, put};
use super::{commands, execute};

/// What a command needs: its stdio and the double's environment, so tests need no process.
pub struct Ctx<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub stdin: &'a mut dyn Read,
    pub env: &'a DoubleEnv,
    pub cwd: &'a Path,
}

/// Runs the double as if it were `conductor <args>`; returns the process exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    let env = DoubleEnv::from_env();
    if env.modes.hang_child {
        modes::hang_child();
    }
    if env.modes.setsid_child {
        modes::setsid_child();
        return 0;
    }
    let argv: Vec<String> = args.iter().map(|a| decode_os(a)).collect();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    env.log_invocation(&args, &cwd);
    // Block-buffered like Python's piped stdout; commands flush where the real CLI flushes.
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut err = io::stderr().lock();
    let mut stdin = io::stdin().lock();
    let result = run_with(&mut out, &mut err, &mut stdin, &env, &cwd, &argv);
    match result.and_then(|code| out.flush().map(|()| code)) {
        Ok(code) => code,
        // The reader went away or stdout failed: Python dies with exit 1 too.
        Err(e) => {
            let _ = match e.kind() {
                io::ErrorKind::BrokenPipe => {
                    writeln!(err, "BrokenPipeError: [Errno 32] Broken pipe")
                }
                _ => writeln!(err, "OSError: {e}"),
            };
            1
        }
    }
}

pub fn run_with(
    out: &mut dyn Write,
    err: &mut dyn Write,
    stdin: &mut dyn Read,
    env: &DoubleEnv,
    cwd: &Path,
    argv: &[String],
) -> io::Result<i32> {
    // Both happen at import time in the real CLI, before argparse and before any stdout.
    if env.modes.crash {
        err.write_all(modes::CRASH_TRACEBACK.as_bytes())?;
        return Ok(1);
    }
    if env.modes.stderr {
        err.write_all(modes::STDERR_NOISE.as_bytes())?;
    }
    let args = match args::parse(argv) {
        Parsed::Run(args) => args,
        Parsed::Help => {
            out.write_all(args::help().as_bytes())?;
            return Ok(0);
        }
        Parsed::Error(msg) => {
            put(err, &format!("{}conductor: error: {msg}\n", args::USAGE))?;
            return Ok(2);
        }
    };
    if env.modes.drip {
        modes::drip(out, env)?;
    }
    let command = args.command();
    let executes = matches!(command, Command::Agent(_));
    let mut hang;
    let out: &mut dyn Write = if env.modes.hang {
        hang = HangWriter { inner: out, env };
        &mut hang
    } else {
        out
    };
    // An agent run pauses at its provider call instead (see `execute`).
    let mut slow;
    let out: &mut dyn Write = if env.modes.slow && !executes {
        slow = SlowWriter {
            inner: out,
            lines: 2,
            delay: env.delay,
        };
        &mut slow
    } else {
        out
    };
    let mut ctx = Ctx {
        out,
        err,
        stdin,
        env,
        cwd,
    };
    let code = dispatch(&mut ctx, &args, command)?;
    if env.modes.nonutf8 && !executes {
        ctx.out.write_all(b"dados brutos: \xff\xfe\n")?;
    }
    Ok(code)
}

fn dispatch(ctx: &mut Ctx, args: &Args, command: Command) -> io::Result<i32> {
    let text = match command {
        Command::List => commands::list(ctx),
        Command::Info(id) => commands::info(ctx, &id),
        Command::Validate => commands::validate(ctx),
        Command::Install(target) => commands::install(ctx, &target),
        // The CLI chains a migration after the backup when --migrate-to is also given.
        Command::Backup if args.get("--migrate-to").is_some() => {
            commands::backup(ctx, args) + &commands::migrate(ctx, args)
        }
        Command::Backup => commands::backup(ctx, args),
        Command::Restore => commands::restore(ctx, args),
        Command::Migrate => commands::migrate(ctx, args),
        Command::Agent(agent) => return execute::execute(ctx, args, &agent),
        Command::Legacy(name) if name == "list-agents" => commands::list(ctx),
        Command::Legacy(name) if name == "validate-config" => commands::validate(ctx),
        Command::Legacy(name) => {
            let msg = format!("legacy subcommand '{name}' is not emulated by the test double");
            writeln!(ctx.err, "conductor: error: {msg}")?;
            return Ok(2);
        }
        Command::Help => {
            ctx.out.write_all(args::help().as_bytes())?;
            return Ok(1);
        }
    };
    put(ctx.out, &text)?;
    Ok(0)
}
