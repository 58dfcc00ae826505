//! The misbehaviour modes: `CONDUCTOR_DOUBLE_MODE` parsing and how each mode changes a run's
//! output.

use std::time::Duration;

use super::commands::LIST;
use super::{payload, project, run_env, with_modes};
use crate::modes::{DoubleEnv, Modes};

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
