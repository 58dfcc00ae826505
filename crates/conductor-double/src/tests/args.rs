//! Argument parsing with argparse semantics, the dispatch precedence, help, usage and exit codes.

use super::{project, run, run_env};
use crate::args::{Args, Command, Parsed, parse};
use crate::modes::DoubleEnv;

fn parsed(argv: &[&str]) -> Parsed {
    parse(&argv.iter().map(|a| a.to_string()).collect::<Vec<_>>())
}

fn run_args(argv: &[&str]) -> Args {
    match parsed(argv) {
        Parsed::Run(args) => args,
        other => panic!("{argv:?} did not parse: {other:?}"),
    }
}

#[test]
fn argv_follows_argparse() {
    let args = run_args(&[
        "--agent=A",
        "--input=-x",
        "--timeout",
        " 1_0 ",
        "--out",
        "json",
    ]);
    assert_eq!(
        (args.get("--input"), args.timeout(), args.json()),
        (Some("-x"), 10, true)
    );
    let args = run_args(&["--new-agent", "N", "--input", "-5", "--history", "--val"]);
    let got = (args.get("--new-agent-id"), args.get("--input"), args.chat());
    assert_eq!(
        (got, args.flag("--validate")),
        ((Some("N"), Some("-5"), true), true)
    );
    assert_eq!(parsed(&["--agent", "A", "-h"]), Parsed::Help);
    let errors: &[(&[&str], &str)] = &[
        (
            &["--in", "x"],
            "ambiguous option: --in could match --input, --interactive, --info, --install",
        ),
        (
            &["--new", "x"],
            "ambiguous option: --new could match --new-agent-id, --new-agent",
        ),
        (
            &["--input", "-x"],
            "argument --input: expected one argument",
        ),
        (&["--agent"], "argument --agent: expected one argument"),
        (
            &["--output", "xml"],
            "argument --output: invalid choice: 'xml' (choose from 'text', 'json')",
        ),
        (
            &["--migrate-to=sql"],
            "argument --migrate-to: invalid choice: 'sql' (choose from 'mongodb', 'filesystem')",
        ),
        (
            &["--timeout", "abc"],
            "argument --timeout: invalid int value: 'abc'",
        ),
        (
            &["--list=yes"],
            "argument --list: ignored explicit argument 'yes'",
        ),
        (
            &["--list", "--debug", "-x"],
            "unrecognized arguments: --debug -x",
        ),
        (
            &["run"],
            "argument command: invalid choice: 'run' (choose from 'list-agents', 'execute', 'validate-config', 'info', 'backup', 'restore', 'install', 'repl', 'chat')",
        ),
    ];
    for (argv, msg) in errors {
        assert_eq!(parsed(argv), Parsed::Error(msg.to_string()), "{argv:?}");
    }
}

#[test]
fn dispatch_takes_the_first_match() {
    let cases: &[(&[&str], Command)] = &[
        (&["--agent", "A", "--info", "B", "--list"], Command::List),
        (&["--validate", "--info", "B"], Command::Info("B".into())),
        (&["--install", "x", "--validate"], Command::Validate),
        (
            &["--backup", "--install", "x"],
            Command::Install("x".into()),
        ),
        (&["--restore", "--backup"], Command::Backup),
        (&["--migrate-to", "mongodb", "--restore"], Command::Restore),
        (
            &["--agent", "A", "--migrate-to", "mongodb"],
            Command::Migrate,
        ),
        (
            &["--migrate-from", "mongodb", "--agent", "A"],
            Command::Agent("A".into()),
        ),
        (&["--info", "", "--chat"], Command::Help),
        (&[], Command::Help),
    ];
    for (argv, command) in cases {
        assert_eq!(&run_args(argv).command(), command, "{argv:?}");
    }
}

#[test]
fn help_usage_and_exit_codes() {
    let dir = project();
    let (code, out) = run(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(out.starts_with("usage: conductor [-h] [--agent AGENT]"));
    assert!(
        out.contains("\n  --output {text,json}  Output format (text or json). When json, prints\n")
    );
    assert_eq!(run(dir.path(), &["--help"]), (0, out));
    let (code, out, err) = run_env(dir.path(), &DoubleEnv::plain(), &["--in", "x"]);
    assert_eq!((code, out.len()), (2, 0));
    assert!(err.starts_with("usage: conductor [-h]"));
    let msg = "ambiguous option: --in could match --input, --interactive, --info, --install";
    assert!(err.ends_with(&format!("                 ...\nconductor: error: {msg}\n")));
}
