//! Property tests of argument validation (`tools::prepare` and
//! `tools::validate`), against models written independently of the code:
//!
//! - no text a caller supplies ever becomes an argv element of its own: the
//!   whole argument vector of an agent run is exactly what a model of the CLI
//!   call predicts, with the text only inside `--input=`, and every accepted
//!   argv follows the CLI grammar of `tests/common/argv_shape.rs`;
//! - validation accepts exactly the documented patterns: identifiers match
//!   `^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$` (checked with the `regex` crate),
//!   timeouts lie in 1..=max, input texts are non-blank, NUL-free and within
//!   the byte limit, labels are 1–256 bytes without control characters,
//!   paths stay inside the files folder.

#[path = "common/argv_shape.rs"]
mod argv_shape;

use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use conductor_gateway::tools::validate;
use conductor_gateway::tools::{Action as Prepared, EnvContext, Limits, Local, prepare};
use proptest::prelude::*;
use regex::Regex;
use serde_json::{Value, json};

const MAX_INPUT: usize = 256;
const MAX_TIMEOUT: u64 = 3600;

static IDENTIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\z").unwrap());

/// The files folder (canonical) and the temporary directory that holds it.
static FILES: LazyLock<(tempfile::TempDir, PathBuf)> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("files");
    std::fs::create_dir_all(root.join("existing/inner")).unwrap();
    // A way out that only symlink resolution catches.
    std::os::unix::fs::symlink("/etc", root.join("escape")).unwrap();
    let canonical = root.canonicalize().unwrap();
    (dir, canonical)
});

fn limits() -> Limits {
    Limits {
        max_input_bytes: MAX_INPUT,
        max_timeout: MAX_TIMEOUT,
        cli_timeout: Duration::from_secs(300),
        timeout_margin: Duration::from_secs(15),
        files_root: Some(FILES.1.clone()),
    }
}

/// Text a caller might send: anything, and especially text that looks like flags.
fn user_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "-{1,2}[a-z-]{0,12}",
        "-{1,2}[a-z]{1,10}[ =].{0,20}",
        "[ \t\n]{0,3}--(list|agent|info|restore|input|path)( .{0,10})?",
        "[A-Za-z0-9][A-Za-z0-9_.-]{0,20}",
        Just(String::new()),
        Just("\0".to_string()),
        "[a-z ]{0,10}\0[a-z]{0,5}",
        "x{250,260}",
    ]
}

/// Agent ids and template names: valid ones, near misses and arbitrary text.
fn identifier_candidate() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}",
        "[A-Za-z0-9_.-]{0,130}",
        "[A-Za-z0-9][A-Za-z0-9_.-]{127,129}",
        user_text(),
    ]
}

fn input_ok(text: &str) -> bool {
    !text.trim().is_empty() && !text.contains('\0') && text.len() <= MAX_INPUT
}

/// The CLI call the gateway must make for an agent run, built from the
/// contract (`--agent <id> [--chat] --input=<text> [--timeout N] ...`).
fn expected_run(
    agent: &str,
    chat: bool,
    input: &str,
    timeout: u64,
    ctx: &EnvContext,
    suffix: &[&str],
) -> Vec<String> {
    let mut argv = vec!["--agent".to_string(), agent.to_string()];
    if chat {
        argv.push("--chat".into());
    }
    argv.push(format!("--input={input}"));
    if timeout != 120 {
        argv.extend(["--timeout".to_string(), timeout.to_string()]);
    }
    if let Some(e) = &ctx.environment {
        argv.push(format!("--environment={e}"));
    }
    if let Some(p) = &ctx.project {
        argv.push(format!("--project={p}"));
    }
    argv.extend(suffix.iter().map(|s| s.to_string()));
    argv
}

fn cli_args(prepared: Prepared) -> Vec<String> {
    match prepared {
        Prepared::Cli { args, .. } => args,
        other => panic!("expected a CLI call, got {other:?}"),
    }
}

/// No argv element but the joined `--input=` one contains the text as a whole element.
fn text_only_joined(argv: &[String], text: &str) {
    let joined = format!("--input={text}");
    assert_eq!(argv.iter().filter(|a| **a == joined).count(), 1, "{argv:?}");
    assert_eq!(
        argv.iter().filter(|a| a.starts_with("--input=")).count(),
        1,
        "{argv:?}"
    );
    argv_shape::check_argv(argv, Some(&FILES.1)).unwrap_or_else(|why| panic!("{why}: {argv:?}"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Agent runs: accepted exactly when every field is valid, and then the
    /// argv is the model's, with the caller's text only inside `--input=`.
    #[test]
    fn agent_runs_keep_caller_text_inside_input(
        tool in 0usize..3,
        agent in identifier_candidate(),
        input in user_text(),
        timeout in prop_oneof![Just(120u64), 0u64..5, 3595u64..3605, any::<u64>()],
        json_output in any::<bool>(),
        clear in any::<bool>(),
        environment in proptest::option::of(user_text()),
        project in proptest::option::of(user_text()),
    ) {
        let ctx = EnvContext { environment, project };
        let (name, args) = match tool {
            0 => ("execute_agent_stateless", json!({
                "agent_id": agent, "input_text": input, "timeout": timeout,
                "output_format": if json_output { "json" } else { "text" },
            })),
            1 => ("execute_agent_contextual", json!({
                "agent_id": agent, "input_text": input, "timeout": timeout, "clear_history": clear,
            })),
            _ => ("start_interactive_session", json!({
                "agent_id": agent, "initial_input": input, "timeout": timeout,
            })),
        };
        let result = prepare(name, args, &limits(), &ctx);
        let timeout_ok = (1..=MAX_TIMEOUT).contains(&timeout);
        let agent_ok = IDENTIFIER.is_match(&agent);
        if tool == 2 && input.trim().is_empty() {
            // No first message: nothing runs, the session is only described.
            prop_assert_eq!(result.is_ok(), agent_ok && timeout_ok, "{:?}", result);
            if let Ok(prepared) = result {
                let ready = matches!(prepared, Prepared::Local(Local::SessionReady { .. }));
                prop_assert!(ready);
            }
            return Ok(());
        }
        let valid = agent_ok && timeout_ok && input_ok(&input);
        prop_assert_eq!(result.is_ok(), valid, "{:?}", result);
        if let Ok(prepared) = result {
            let suffix: &[&str] = match tool {
                0 if json_output => &["--output", "json"],
                1 if clear => &["--clear"],
                _ => &[],
            };
            let argv = cli_args(prepared);
            prop_assert_eq!(&argv, &expected_run(&agent, tool != 0, &input, timeout, &ctx, suffix));
            text_only_joined(&argv, &input);
        }
    }

    /// Tools that pass an identifier as its own element: only valid identifiers get through.
    #[test]
    fn identifiers_are_the_only_separate_values(
        tool in 0usize..3,
        value in identifier_candidate(),
    ) {
        let (name, args, flag) = match tool {
            0 => ("get_agent_info", json!({"agent_id": value}), Some("--info")),
            1 => ("install_agent_templates", json!({"template_name": value}), Some("--install")),
            _ => ("clear_agent_history", json!({"agent_id": value}), None),
        };
        let result = prepare(name, args, &limits(), &EnvContext::default());
        // An empty template name means "list the templates".
        let effective = if tool == 1 && value.is_empty() { "list" } else { value.as_str() };
        prop_assert_eq!(result.is_ok(), IDENTIFIER.is_match(effective), "{:?}", result);
        match (result, flag) {
            (Ok(prepared), Some(flag)) => {
                let argv = cli_args(prepared);
                prop_assert_eq!(&argv, &vec![flag.to_string(), effective.to_string()]);
                prop_assert!(argv_shape::check_argv(&argv, None).is_ok());
            }
            (Ok(prepared), None) => {
                prop_assert_eq!(prepared, Prepared::Local(Local::ClearHistory { agent_id: value.clone() }));
            }
            (Err(_), _) => {}
        }
    }

    /// Backup, restore and migrate paths: accepted only inside the files folder.
    #[test]
    fn paths_stay_inside_the_files_folder(
        tool in 0usize..3,
        path in prop_oneof![
            "[a-z]{1,8}(/[a-z]{1,8}){0,3}",
            "(\\.\\./){1,3}[a-z]{0,8}",
            "[a-z]{1,5}/\\.\\./\\.\\./[a-z]{1,5}",
            "/(etc|tmp|root)(/[a-z]{1,8}){0,2}",
            "escape(/[a-z]{1,8}){0,2}",
            "existing/inner(/[a-z.]{1,8}){0,2}",
            user_text(),
        ],
    ) {
        let (name, args) = match tool {
            0 => ("backup_agents", json!({"backup_path": path})),
            1 => ("restore_agents", json!({"backup_path": path})),
            _ => ("migrate_storage", json!({"from_type": "filesystem", "to_type": "mongodb", "path": path})),
        };
        let result = prepare(name, args, &limits(), &EnvContext::default());
        let root = &FILES.1;
        let plainly_outside = path.contains('\0')
            || Path::new(&path).components().any(|c| matches!(c, Component::ParentDir))
            || (Path::new(&path).is_absolute() && !Path::new(&path).starts_with(root))
            || path.starts_with("escape");
        if plainly_outside {
            prop_assert!(result.is_err(), "{path:?} was accepted: {result:?}");
        }
        if let Ok(prepared) = result {
            let argv = cli_args(prepared);
            let at = argv.iter().position(|a| a == "--path");
            if let Some(at) = at {
                let given = Path::new(&argv[at + 1]);
                prop_assert!(given.starts_with(root), "{:?} escapes {:?}", given, root);
            } else {
                // Only an empty optional path is dropped.
                prop_assert!(path.is_empty() && tool != 1, "{path:?} vanished: {argv:?}");
            }
            prop_assert!(argv_shape::check_argv(&argv, Some(root)).is_ok(), "{argv:?}");
        }
    }

    /// `validate::identifier` accepts exactly the documented pattern.
    #[test]
    fn identifier_validation_is_exactly_the_pattern(value in identifier_candidate()) {
        prop_assert_eq!(
            validate::identifier("agent_id", &value).is_ok(),
            IDENTIFIER.is_match(&value),
            "{:?}", value
        );
        prop_assert_eq!(argv_shape::is_identifier(&value), IDENTIFIER.is_match(&value));
    }

    /// Timeouts: 1..=max; input texts: non-blank, no NUL, at most the limit
    /// (413 rather than 422 only for size); labels: 1–256 bytes, no controls, no format characters (`\p{Cf}`).
    #[test]
    fn numeric_and_text_limits_are_exact(
        timeout in prop_oneof![0u64..3, (MAX_TIMEOUT - 2)..(MAX_TIMEOUT + 3), any::<u64>()],
        text in user_text(),
    ) {
        prop_assert_eq!(
            validate::timeout("timeout", timeout, MAX_TIMEOUT).is_ok(),
            (1..=MAX_TIMEOUT).contains(&timeout)
        );
        let input = validate::input_text("input_text", &text, MAX_INPUT);
        prop_assert_eq!(input.is_ok(), input_ok(&text));
        if let Err(e) = input {
            let only_size = !text.trim().is_empty() && !text.contains('\0');
            prop_assert_eq!(e.too_large, only_size, "{:?}", e);
        }
        let format = regex::Regex::new(r"\p{Cf}").unwrap();
        let label_ok = !text.trim().is_empty()
            && text.len() <= 256
            && !text.chars().any(char::is_control)
            && !format.is_match(&text);
        prop_assert_eq!(validate::label("environment", &text).is_ok(), label_ok);
    }
}

/// Unknown argument names are refused, so no field slips past validation unchecked.
#[test]
fn unknown_fields_are_refused() {
    for (tool, args) in [
        (
            "get_agent_info",
            json!({"agent_id": "A", "extra": "--list"}),
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": "A", "input_text": "hi", "args": ["--restore"]}),
        ),
        ("list_available_agents", json!({"x": 1})),
    ] {
        let e = prepare(tool, args, &limits(), &EnvContext::default()).unwrap_err();
        assert!(e.message.contains("unknown field"), "{tool}: {e}");
    }
    assert!(
        prepare(
            "list_available_agents",
            Value::Null,
            &limits(),
            &EnvContext::default()
        )
        .is_ok()
    );
}

/// Found by the `slash` fuzz target (fuzz/seeds/slash/regress-aefb2f22):
/// whitespace between `/` and the command word still selects the command,
/// so `/\ttool <name>` is `/tool <name>` and can name any tool. The harness
/// had assumed only a literal `/tool` could; the gateway must (and does)
/// refuse the unknown tool before anything runs.
#[test]
fn fuzz_regression_space_after_the_slash() {
    use conductor_gateway::jobs::slash::{Slash, parse};
    use conductor_gateway::tools as catalogue;

    let Ok(Slash::Tool { name, .. }) = parse("/\ttool \ngetot/-") else {
        panic!("/<tab>tool parses as /tool");
    };
    assert_eq!(name, "getot/-");
    assert!(catalogue::find(&name).is_none());
    assert!(prepare(&name, json!({}), &limits(), &EnvContext::default()).is_err());
    assert_eq!(
        parse("/ list"),
        Ok(Slash::Tool {
            name: "list_available_agents".into(),
            arguments: json!({})
        })
    );
}
