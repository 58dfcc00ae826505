//! Ctrl-C while following: in a terminal a menu (cancel, detach, keep following; a second
//! Ctrl-C cancels); without one, a cancel.

use serde_json::Value;

use crate::helpers::*;
use crate::support::*;

/// A gateway whose agent runs never end on their own.
async fn hanging() -> TestApp {
    spawn_with(|s| {
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "hang".into());
    })
    .await
}

async fn state(app: &TestApp, job: &str) -> String {
    let body: Value = app
        .get(&format!("/api/v1/jobs/{job}"))
        .await
        .json()
        .await
        .expect("the job");
    body["state"].as_str().unwrap_or_default().to_string()
}

const RUN: [&str; 4] = ["run", "/run", "CodeReviewer_Agent", "hello"];

/// Starts `RUN` in a pty, presses Ctrl-C once the job is followed, then does `then`;
/// answers the exit code, the job id and the output after the menu.
async fn interrupt_in_pty(
    app: &TestApp,
    then: fn(&mut rexpect::session::PtySession),
) -> (i32, String, String) {
    let base = app.base.clone();
    tokio::task::spawn_blocking(move || {
        let mut session = pty(&base, &RUN, &[]);
        let (_, job) = session.exp_regex("job_[0-9a-f-]{36}").expect("the job id");
        session
            .exp_string("Job started")
            .expect("job_started shown");
        session.send_control('c').expect("Ctrl-C");
        session.exp_string("[d]etach").expect("the menu");
        then(&mut session);
        let (code, rest) = pty_exit(&mut session);
        (code, job, rest)
    })
    .await
    .expect("the pty runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detach_leaves_the_job_running_and_says_how_to_tail_it() {
    let app = hanging().await;
    let (code, job, rest) = interrupt_in_pty(&app, |s| {
        s.send_line("d").expect("d");
    })
    .await;
    assert_eq!(code, 3, "{rest}");
    assert!(rest.contains("detached"), "{rest}");
    assert!(
        rest.contains(&format!("conductor-gateway tail {job}")),
        "{rest}"
    );
    assert_eq!(state(&app, &job).await, "running");
    app.post_json(&format!("/api/v1/jobs/{job}/cancel"), serde_json::json!({}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_c_cancels_the_job() {
    let app = hanging().await;
    let (code, job, rest) = interrupt_in_pty(&app, |s| {
        s.send_line("c").expect("c");
    })
    .await;
    assert_eq!(code, 130, "{rest}");
    assert!(rest.contains("cancelling"), "{rest}");
    assert_eq!(state(&app, &job).await, "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_cancels() {
    let app = hanging().await;
    let (code, job, rest) = interrupt_in_pty(&app, |s| {
        s.send_control('c').expect("Ctrl-C again");
    })
    .await;
    assert_eq!(code, 130, "{rest}");
    assert_eq!(state(&app, &job).await, "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_keeps_following() {
    let app = hanging().await;
    let (code, job, rest) = interrupt_in_pty(&app, |s| {
        s.send_line("").expect("Enter");
        s.exp_string("following the job again").expect("following");
        // Still following: a new Ctrl-C brings the menu back, and c cancels.
        s.send_control('c').expect("Ctrl-C");
        s.exp_string("[d]etach").expect("the menu again");
        s.send_line("c").expect("c");
    })
    .await;
    assert_eq!(code, 130, "{rest}");
    assert_eq!(state(&app, &job).await, "cancelled");
}

#[tokio::test]
async fn without_a_terminal_ctrl_c_cancels() {
    let app = hanging().await;
    let mut client = Live::spawn(command(
        &app.base,
        &["run", "--json", "/run", "CodeReviewer_Agent", "hi"],
    ));
    let started = client.stdout_until("\"job_started\"").await;
    let job: Value = serde_json::from_str(&started).expect("JSON");
    let job = job["job_id"].as_str().expect("job_id").to_string();
    client.interrupt();
    let out = client.finish().await;
    assert_eq!(out.code, 130, "{out:?}");
    assert!(out.stderr.contains("cancelling"), "{out:?}");
    let last: Value = serde_json::from_str(out.stdout.lines().last().unwrap_or_default())
        .expect("the last line is JSON");
    assert_eq!(last["event"], "end_of_stream");
    assert_eq!(last["data"]["state"], "cancelled");
    assert_eq!(state(&app, &job).await, "cancelled");
}
