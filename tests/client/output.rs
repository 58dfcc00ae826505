//! What people see: piped output free of control codes, tables, folded tool output, and
//! colour in a terminal unless `NO_COLOR` says otherwise.

use serde_json::json;

use crate::helpers::*;
use crate::standin::{Behaviour, JOB, StandIn};
use crate::support::*;

#[tokio::test]
async fn piped_output_has_no_escape_codes() {
    let app = spawn_app().await;
    let job = app.start_job(json!({"input": "/list"})).await;
    app.wait_for_event(&job, "end_of_stream").await;
    let runs: [&[&str]; 6] = [
        &["run", "/list"],
        &["run", "/info", "NoSuch_Agent"],
        &["tail", &job],
        &["jobs"],
        &["tools"],
        &["tail", "job_nope"],
    ];
    for args in runs {
        let out = run(&app.base, args).await;
        assert!(!out.stdout.contains('\x1b'), "{args:?}: {out:?}");
        assert!(!out.stderr.contains('\x1b'), "{args:?}: {out:?}");
        assert!(!out.stdout.contains('\r'), "{args:?}: {out:?}");
    }
}

#[tokio::test]
async fn tool_output_is_folded_past_the_limit() {
    let app = spawn_app().await;
    let out = run(&app.base, &["run", "--max-output-lines", "3", "/list"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    // Piped: the first three as they came, how many were folded, the last three.
    let shown: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("  │"))
        .collect();
    assert_eq!(shown.len(), 6, "{out:?}");
    assert!(shown[0].contains("Agentes disponíveis"), "{out:?}");
    assert!(shown[5].contains("--agent <agent_id>"), "{out:?}");
    let folded = regex::Regex::new(r"… \d+ lines folded").expect("regex");
    assert!(folded.is_match(&out.stdout), "{out:?}");
    let step = regex::Regex::new(r"(?m)^✓ list_available_agents  \d+\.\ds$").expect("regex");
    assert!(
        step.is_match(&out.stdout),
        "the step's line has its duration: {out:?}"
    );
    let out = run(&app.base, &["run", "--max-output-lines", "0", "/list"]).await;
    assert!(!out.stdout.contains("folded"), "{out:?}");
}

#[tokio::test]
async fn model_tokens_are_printed_as_text_and_the_result_not_repeated() {
    let standin = StandIn::start(Behaviour::default()).await;
    standin.push(
        "job_started",
        json!({"message": "Job started: hi", "kind": "text"}),
    );
    standin.push(
        "on_llm_start",
        json!({"step": 1, "model": "m", "messages": 2}),
    );
    for chunk in ["Hel", "lo ", "wor", "ld"] {
        standin.push("on_llm_new_token", json!({"chunk": chunk, "step": 1}));
    }
    standin.push("on_llm_end", json!({"step": 1}));
    standin.push("result", json!({"result": "Hello world"}));
    standin.finish("succeeded");
    let out = run(&standin.base, &["tail", JOB]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "Hello world\n", "{out:?}");
}

#[tokio::test]
async fn jobs_shows_owners_when_the_gateway_has_them() {
    let standin = StandIn::start(Behaviour::default()).await;
    let out = run(&standin.base, &["jobs", "--limit", "2"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .lines()
            .next()
            .unwrap_or_default()
            .contains("owner"),
        "{out:?}"
    );
    let running = out.stdout.lines().find(|l| l.contains(JOB)).expect("row");
    assert!(
        running.contains("alice") && running.contains('…'),
        "{running}"
    );
    let done = out
        .stdout
        .lines()
        .find(|l| l.contains("job_old"))
        .expect("row");
    assert!(done.contains("bob") && done.contains("1.5s"), "{done}");
    assert!(out.stdout.contains("2 of 7 jobs"), "{out:?}");
}

#[tokio::test]
async fn jobs_lists_state_command_and_duration() {
    let app = spawn_app().await;
    let job = app.start_job(json!({"input": "/info NoSuch_Agent"})).await;
    app.wait_for_event(&job, "end_of_stream").await;
    let out = run(&app.base, &["jobs"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let header = out.stdout.lines().next().unwrap_or_default();
    for column in ["job", "state", "command", "started", "duration"] {
        assert!(header.contains(column), "{out:?}");
    }
    let row = out
        .stdout
        .lines()
        .find(|l| l.contains(&job))
        .expect("the job's row");
    assert!(
        row.contains("failed") && row.contains("/info NoSuch_Agent"),
        "{row}"
    );
    assert!(out.stdout.contains("1 of 1 jobs"), "{out:?}");
}

#[tokio::test]
async fn a_terminal_gets_colour_unless_no_color_is_set() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let (coloured, plain) = tokio::task::spawn_blocking(move || {
        let mut session = pty(&base, &["tail", "job_nope"], &[]);
        let (_, coloured) = pty_exit(&mut session);
        let mut session = pty(&base, &["tail", "job_nope"], &[("NO_COLOR", "1")]);
        let (code, plain) = pty_exit(&mut session);
        assert_eq!(code, 2, "{plain}");
        (coloured, plain)
    })
    .await
    .expect("the pty runs");
    assert!(coloured.contains("\x1b["), "{coloured:?}");
    assert!(plain.contains("error:"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}
