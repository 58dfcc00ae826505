//! Exit codes: a job's final state decides them; usage, connection and HTTP errors are 2 and
//! show the gateway's detail with the status.

use conductor_gateway::config::{ApiKeySetting, Secret};
use serde_json::json;

use crate::helpers::*;
use crate::support::*;

#[tokio::test]
async fn a_succeeded_job_exits_0_with_its_result() {
    let app = spawn_app().await;
    let out = run(&app.base, &["run", "/list"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("CodeReviewer_Agent"), "{out:?}");
    assert!(out.stdout.contains("✓ list_available_agents"), "{out:?}");
}

#[tokio::test]
async fn a_failed_tool_exits_1_and_says_why() {
    let app = spawn_app().await;
    let out = run(&app.base, &["run", "/info", "NoSuch_Agent"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("✗ get_agent_info"), "{out:?}");
    assert!(out.stderr.contains("failed:"), "{out:?}");
    assert!(out.stderr.contains("NoSuch_Agent"), "{out:?}");
}

#[tokio::test]
async fn an_unknown_slash_command_is_a_failed_job() {
    let app = spawn_app().await;
    let out = run(&app.base, &["run", "/bogus"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("unknown command /bogus"), "{out:?}");
}

#[tokio::test]
async fn a_timed_out_job_exits_124() {
    let app = spawn_with(|s| {
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "hang".into());
        s.conductor.timeout = 1;
    })
    .await;
    let out = run(&app.base, &["run", "/list"]).await;
    assert_eq!(out.code, 124, "{out:?}");
    assert!(out.stderr.contains("timed_out"), "{out:?}");
}

#[tokio::test]
async fn tail_replays_a_finished_job_with_the_same_exit_code() {
    let app = spawn_app().await;
    let job = app.start_job(json!({"input": "/info NoSuch_Agent"})).await;
    app.wait_for_event(&job, "end_of_stream").await;
    let out = run(&app.base, &["tail", &job]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("✗ get_agent_info"), "{out:?}");
    let job = app.start_job(json!({"input": "/list"})).await;
    app.wait_for_event(&job, "end_of_stream").await;
    assert_eq!(run(&app.base, &["tail", &job]).await.code, 0);
}

#[tokio::test]
async fn http_errors_exit_2_with_the_status_and_the_detail() {
    let app = spawn_app().await;
    let out = run(&app.base, &["tail", "job_nope"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("404 Not Found"), "{out:?}");
    let out = run(&app.base, &["call", "no_such_tool"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("unknown tool 'no_such_tool'"),
        "{out:?}"
    );
    let out = run(&app.base, &["jobs", "--state", "sleeping"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("unknown state 'sleeping'"), "{out:?}");
}

#[tokio::test]
async fn an_unreachable_gateway_and_bad_usage_exit_2() {
    let base = format!("http://127.0.0.1:{}", closed_port());
    let out = run(&base, &["run", "/list"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cannot reach the gateway"), "{out:?}");
    let out = run(&base, &["run"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    let out = run(&base, &["call", "get_agent_info", "novalue"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("not key=value"), "{out:?}");
    let out = run("ftp://example", &["jobs"]).await;
    assert_eq!(out.code, 2, "{out:?}");
}

#[tokio::test]
async fn call_exits_1_when_the_tool_reports_an_error() {
    let app = spawn_app().await;
    let out = run(
        &app.base,
        &["call", "get_agent_info", "agent_id=CodeReviewer_Agent"],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("CodeReviewer_Agent"), "{out:?}");
    let out = run(&app.base, &["call", "get_agent_info", "agent_id=Nope"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("Nope"), "{out:?}");
}

#[tokio::test]
async fn the_key_comes_from_the_flag_or_the_environment() {
    const KEY: &str = "client-key-0123456789";
    let app = spawn_with(|s| {
        s.auth.api_keys = vec![ApiKeySetting {
            key: Secret::new(KEY),
            name: Some("cli".into()),
            scopes: vec!["read".into(), "run".into()],
        }];
    })
    .await;
    let out = run(&app.base, &["jobs"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("401"), "{out:?}");
    let out = run(&app.base, &["run", "--key", KEY, "/list"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let mut command = command(&app.base, &["jobs"]);
    command.env("GATEWAY_API_KEY", KEY);
    let out = finish(command).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("/list"), "{out:?}");
}

#[tokio::test]
async fn the_clients_variables_leave_the_servers_configuration_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(["config", "check"])
        .current_dir(dir.path())
        .env("GATEWAY_URL", "http://127.0.0.1:1")
        .env("GATEWAY_API_KEY", "client-key-0123456789")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let out = finish(command).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("configuration is valid"), "{out:?}");
}
