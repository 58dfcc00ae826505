//! The misbehaviour modes: `CONDUCTOR_DOUBLE_MODE` parsing, the environment and the invocation
//! log, and how each mode changes a run's output.

use std::ffi::OsString;
use std::fs;
use std::time::Duration;

use super::commands::LIST;
use super::{payload, project, run_env, with_modes};
use crate::modes::{DoubleEnv, Modes, environment};

#[test]
fn modes_from_the_environment() {
    let env = DoubleEnv::from_lookup(|k| match k {
        "CONDUCTOR_DOUBLE_MODE" => Some("slow, provider_error,nonutf8,bogus".into()),
        "CONDUCTOR_DOUBLE_DELAY_MS" => Some("1500".into()),
        _ => None,
    });
    assert!(env.modes.slow && env.modes.provider_error && env.modes.nonutf8 && !env.modes.hang);
    let got = (
        env.delay,
        env.drip_lines,
        env.huge_bytes,
        env.log_file.clone(),
    );
    assert_eq!(got, (Duration::from_millis(1500), 5, 5 << 20, None));

    let dir = project();
    let has = |out: &[u8], needle: &[u8]| out.windows(needle.len()).any(|w| w == needle);
    let quick = DoubleEnv {
        delay: Duration::ZERO,
        ..env
    };
    let (code, out, _) = run_env(
        dir.path(),
        &quick,
        &["--agent", "CodeReviewer_Agent", "--input", "hi"],
    );
    assert!(code == 0 && has(&out, &["📝 Input: hi".as_bytes(), b"\xff\n"].concat()));
    let failure = "❌ Erro: Claude CLI error: Claude CLI failed: simulated provider failure\n";
    assert!(has(&out, failure.as_bytes()));
    assert!(has(
        &out,
        b"{\"message\": \"Claude CLI failed: simulated provider failure\"}\n"
    ));
    let raw = DoubleEnv {
        modes: Modes {
            nonutf8: true,
            ..Modes::default()
        },
        ..quick
    };
    let argv = [
        "--agent",
        "CodeReviewer_Agent",
        "--input",
        "hi",
        "--output",
        "json",
    ];
    assert!(has(
        &run_env(dir.path(), &raw, &argv).1,
        b"\"user_input\": \"hi\xff\", \"status\": \"success\""
    ));
    assert!(
        run_env(dir.path(), &raw, &["--list"])
            .1
            .ends_with(b"\xff\xfe\n")
    );

    let slow = DoubleEnv {
        delay: Duration::from_secs(60),
        ..with_modes("slow")
    };
    let argv = [
        "--agent",
        "CodeReviewer_Agent",
        "--input",
        "hi",
        "--timeout",
        "-1",
        "--output",
        "json",
    ];
    let v = payload(&run_env(dir.path(), &slow, &argv).1);
    let timed_out = "Claude CLI timed out after -1 seconds. Complex operations may need more time.";
    assert_eq!(
        (v["output"].as_str(), v["metadata"]["agent_id"].as_str()),
        (Some(timed_out), Some("CodeReviewer_Agent"))
    );

    let noisy = DoubleEnv {
        huge_bytes: 10_000,
        delay: Duration::ZERO,
        drip_lines: 2,
        ..with_modes("stderr,huge,drip")
    };
    let (code, out, err) = run_env(dir.path(), &noisy, &argv[..4]);
    assert!(
        code == 0
            && err.contains("Traceback (most recent call last):")
            && out.starts_with(b"linha 1\nlinha 2\n")
    );
    let lines = String::from_utf8(out).expect("utf-8");
    let answer = lines
        .split("==================================================\n")
        .nth(2)
        .expect("answer");
    assert_eq!((answer.len(), answer.lines().count()), (10_001, 100));
    let (_, out, _) = run_env(dir.path(), &noisy, &["--list"]);
    assert_eq!(out.len(), "linha 1\nlinha 2\n".len() + LIST.len() + 10_000);

    let (code, out, err) = run_env(dir.path(), &with_modes("crash"), &["--list"]);
    assert!(code == 1 && out.is_empty() && err.starts_with("Traceback (most recent call last):\n"));
}

#[test]
fn setsid_and_env_are_modes_like_the_others() {
    let env = with_modes("setsid, env");
    let expected = Modes {
        setsid: true,
        env: true,
        ..Modes::default()
    };
    assert_eq!(env.modes, expected);
    // Read from the process environment only (`from_env`), never from a lookup.
    assert!(env.vars.is_empty());
    let helper = with_modes("setsid-child").modes;
    assert!(helper.setsid_child && !helper.setsid);
    let old = with_modes("hang,provider_error").modes;
    assert!(old.hang && old.provider_error && !old.setsid && !old.env);
    assert_eq!(with_modes("Setsid,ENV,environment").modes, Modes::default());
}

#[test]
fn environment_is_sorted_lossy_and_keeps_the_first_value() {
    use std::os::unix::ffi::OsStringExt;
    let os = |s: &str| OsString::from(s);
    let vars = [
        (os("PATH"), os("/bin")),
        (os("HOME"), os("/home/u")),
        (os("PATH"), os("/usr/bin")),
        (os("RAW"), OsString::from_vec(b"a\xffb".to_vec())),
        (os("EMPTY"), os("")),
    ];
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        environment(vars),
        pairs(&[
            ("EMPTY", ""),
            ("HOME", "/home/u"),
            ("PATH", "/bin"),
            ("RAW", "a\u{FFFD}b"),
        ])
    );
}

#[test]
fn the_invocation_log_carries_the_environment_only_in_env_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("double.log");
    let plain = DoubleEnv {
        log_file: Some(log.clone()),
        ..DoubleEnv::plain()
    };
    let argv = [OsString::from("--list")];
    plain.log_invocation(&argv, dir.path().join("p").as_path());
    let pid = std::process::id();
    let cwd = dir.path().join("p").display().to_string();
    let first = format!("{{\"pid\": {pid}, \"argv\": [\"--list\"], \"cwd\": \"{cwd}\"}}\n");
    assert_eq!(fs::read_to_string(&log).expect("log"), first);

    let env = DoubleEnv {
        modes: Modes {
            env: true,
            ..Modes::default()
        },
        vars: vec![
            ("A_KEY".into(), "sécret \"quoted\"".into()),
            ("HOME".into(), "/home/u".into()),
        ],
        ..plain
    };
    env.log_invocation(&argv, dir.path().join("p").as_path());
    let text = fs::read_to_string(&log).expect("log");
    let second = text.strip_prefix(&first).expect("appended");
    let expected = format!(
        "{{\"pid\": {pid}, \"argv\": [\"--list\"], \"cwd\": \"{cwd}\", \
         \"env\": {{\"A_KEY\": \"sécret \\\"quoted\\\"\", \"HOME\": \"/home/u\"}}}}\n"
    );
    assert_eq!(second, expected);
    let line: serde_json::Value = serde_json::from_str(second).expect("json");
    assert_eq!(line["env"]["A_KEY"], "sécret \"quoted\"");
}
