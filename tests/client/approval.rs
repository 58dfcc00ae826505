//! Approvals (against the stand-in: the real gateway's are being built elsewhere): asked
//! `Approve? [y/N]` in a terminal, answered by `--approve`/`--deny`, left waiting otherwise, and
//! dropped when answered elsewhere.

use std::sync::Arc;

use serde_json::json;

use crate::standin::{Behaviour, CALL, JOB, StandIn};
use crate::support::*;

async fn waiting() -> Arc<StandIn> {
    let standin = StandIn::start(Behaviour::default()).await;
    standin.script_approval();
    Arc::new(standin)
}

/// Runs a job in a pty up to the question, then `then`; answers the exit code, what was shown
/// before the question, and the rest.
async fn asked(
    standin: &Arc<StandIn>,
    then: fn(&mut rexpect::session::PtySession, &StandIn),
) -> (i32, String, String) {
    let standin = standin.clone();
    tokio::task::spawn_blocking(move || {
        let mut session = pty(&standin.base, &["run", "back up the agents"], &[]);
        let before = session.exp_string("Approve? [y/N]").expect("the question");
        then(&mut session, &standin);
        let (code, rest) = pty_exit(&mut session);
        (code, before, rest)
    })
    .await
    .expect("the pty runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn y_approves() {
    let standin = waiting().await;
    let (code, before, rest) = asked(&standin, |s, _| {
        s.send_line("y").expect("y");
    })
    .await;
    assert!(before.contains("backup_agents"), "{before}");
    assert!(before.contains("/srv/backups/today"), "{before}");
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("approved by cli"), "{rest}");
    assert!(rest.contains("backed up 5 agents"), "{rest}");
    assert_eq!(
        standin.answers(),
        [(CALL.to_string(), json!({"approve": true}))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anything_else_denies() {
    let standin = waiting().await;
    let (code, _, rest) = asked(&standin, |s, _| {
        s.send_line("n").expect("n");
    })
    .await;
    assert_eq!(code, 1, "{rest}");
    assert!(rest.contains("denied by cli"), "{rest}");
    assert_eq!(
        standin.answers(),
        [(CALL.to_string(), json!({"approve": false}))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_from_elsewhere_withdraws_the_question() {
    let standin = waiting().await;
    let (code, _, rest) = asked(&standin, |_, standin| {
        standin.resolve_elsewhere(true);
    })
    .await;
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("answered elsewhere (by web)"), "{rest}");
    assert!(standin.answers().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_at_the_question_then_enter_asks_again() {
    let standin = waiting().await;
    let (code, _, rest) = asked(&standin, |s, _| {
        s.send_control('c').expect("Ctrl-C");
        s.exp_string("[d]etach").expect("the menu");
        s.send_line("").expect("Enter");
        s.exp_string("Approve? [y/N]").expect("asked again");
        s.send_line("yes").expect("yes");
    })
    .await;
    assert_eq!(code, 0, "{rest}");
    assert_eq!(
        standin.answers(),
        [(CALL.to_string(), json!({"approve": true}))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_request_already_answered_is_not_asked() {
    let standin = waiting().await;
    standin.resolve_elsewhere(false);
    let base = standin.base.clone();
    let (code, text) = tokio::task::spawn_blocking(move || {
        let mut session = pty(&base, &["tail", JOB], &[]);
        pty_exit(&mut session)
    })
    .await
    .expect("the pty runs");
    assert_eq!(code, 1, "{text}");
    assert!(!text.contains("Approve?"), "{text}");
    assert!(text.contains("denied by web"), "{text}");
}

#[tokio::test]
async fn without_a_terminal_the_job_is_left_waiting() {
    let standin = waiting().await;
    let mut client = Live::spawn(command(&standin.base, &["run", "back up the agents"]));
    let notice = client.stderr_until("awaits approval").await;
    assert!(
        notice.contains("backup_agents") && notice.contains("--approve"),
        "{notice}"
    );
    standin.resolve_elsewhere(true);
    let out = client.finish().await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("Approve?"), "{out:?}");
    assert!(standin.answers().is_empty());
}

#[tokio::test]
async fn approve_and_deny_answer_for_you() {
    let standin = waiting().await;
    let out = run(&standin.base, &["run", "--approve", "back up the agents"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        standin.answers(),
        [(CALL.to_string(), json!({"approve": true}))]
    );

    let standin = waiting().await;
    let out = run(
        &standin.base,
        &["run", "--deny", "--json", "back up the agents"],
    )
    .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        standin.answers(),
        [(CALL.to_string(), json!({"approve": false}))]
    );
    let names: Vec<String> = out
        .json_lines()
        .iter()
        .map(|e| e["event"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        names.contains(&"approval_resolved".to_string()),
        "{names:?}"
    );
}
