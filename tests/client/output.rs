//! What people see: piped output free of control codes, tables, folded tool output, and
//! colour in a terminal unless `NO_COLOR` says otherwise.

use serde_json::json;

use crate::helpers::*;
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
    let shown = out.stdout.lines().filter(|l| l.starts_with("  │")).count();
    assert_eq!(shown, 3, "{out:?}");
    assert!(out.stdout.contains("earlier lines folded"), "{out:?}");
    let out = run(&app.base, &["run", "--max-output-lines", "0", "/list"]).await;
    assert!(!out.stdout.contains("folded"), "{out:?}");
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
