//! The runner seen from outside: timeouts kill whole process trees, output is
//! capped, odd bytes survive, concurrency is bounded, a missing CLI is reported.

use serde_json::json;

use crate::helpers::*;

fn mode(s: &mut conductor_gateway::config::Settings, mode: &str) {
    s.conductor
        .env
        .insert("CONDUCTOR_DOUBLE_MODE".into(), mode.into());
}

#[tokio::test]
async fn timeout_kills_a_sigterm_ignoring_tree() {
    let app = spawn_with(|s| {
        mode(s, "hang");
        s.conductor.timeout = 1;
    })
    .await;
    let (status, body) = app.tool("list_available_agents", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "timeout", "{body}");
    assert_eq!(body["result"]["returncode"], 124);
    assert_eq!(body["result"]["timed_out"], true);
    assert!(body["text"].as_str().unwrap().starts_with('❌'));
    let pids = app.logged_pids();
    assert_eq!(pids.len(), 2, "the double and its child: {pids:?}");
    assert_all_gone(&pids).await;
}

#[tokio::test]
async fn output_is_capped_and_the_run_stopped() {
    let app = spawn_with(|s| {
        mode(s, "huge");
        s.conductor.output_limit_bytes = 64 * 1024;
    })
    .await;
    let (_, body) = app
        .tool(
            "execute_agent_stateless",
            json!({"agent_id": "CodeReviewer_Agent", "input_text": "big"}),
        )
        .await;
    assert_eq!(
        body["outcome"],
        "output_limit",
        "{}",
        &body.to_string()[..300.min(body.to_string().len())]
    );
    assert_eq!(body["result"]["truncated"], true);
    let kept = body["result"]["stdout"].as_str().unwrap().len()
        + body["result"]["stderr"].as_str().unwrap().len();
    assert!(kept <= 64 * 1024 + 64, "kept {kept} bytes");
    assert_all_gone(&app.logged_pids()).await;
}

#[tokio::test]
async fn non_utf8_output_is_decoded_lossily() {
    let app = spawn_with(|s| mode(s, "nonutf8")).await;
    let (status, body) = app
        .tool(
            "execute_agent_stateless",
            json!({"agent_id": "CodeReviewer_Agent", "input_text": "hi"}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        body["result"]["stdout"]
            .as_str()
            .unwrap()
            .contains('\u{fffd}'),
        "{body}"
    );
}

#[tokio::test]
async fn crash_is_a_nonzero_exit_with_the_reason() {
    let app = spawn_with(|s| mode(s, "crash")).await;
    let (_, body) = app.tool("list_available_agents", json!({})).await;
    assert_eq!(body["outcome"], "nonzero_exit", "{body}");
    assert_eq!(body["result"]["returncode"], 1);
    assert!(body["error"].as_str().unwrap().contains("code 1"), "{body}");
}

#[tokio::test]
async fn stderr_noise_with_exit_zero_is_still_success() {
    let app = spawn_with(|s| mode(s, "stderr")).await;
    let (_, body) = app.tool("list_available_agents", json!({})).await;
    assert_eq!(body["outcome"], "ok", "{body}");
    assert!(!body["result"]["stderr"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn missing_cli_is_not_found_and_health_degraded() {
    let app = spawn_with(|s| {
        s.conductor.command = Some(vec!["/nonexistent/conductor".into()]);
    })
    .await;
    let (status, body) = app.tool("list_available_agents", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["outcome"], "not_found", "{body}");
    assert!(body["text"].as_str().unwrap().starts_with("❌"), "{body}");
    let health: serde_json::Value = app.get("/health").await.json().await.unwrap();
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["checks"]["conductor"]["ok"], false);
    assert!(
        health["checks"]["conductor"]["detail"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/conductor")
    );
}

#[tokio::test]
async fn busy_beyond_the_concurrency_limit_and_queue() {
    let app = spawn_with(|s| {
        mode(s, "hang");
        s.conductor.max_concurrent = 1;
        s.conductor.max_queue = 0;
    })
    .await;
    let job = app.start_job(json!({"input": "/list"})).await;
    app.wait_for_event(&job, "on_tool_output").await;
    let response = app
        .post("/api/v1/tools/validate_conductor_system", json!({}))
        .await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("busy"), "{body}");
    let (status, _) = app
        .post_json(&format!("/api/v1/jobs/{job}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200);
    assert_all_gone(&app.logged_pids()).await;
}

#[tokio::test]
async fn graceful_shutdown_lets_a_running_job_finish() {
    let app = spawn_with(|s| {
        mode(s, "slow");
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_DELAY_MS".into(), "300".into());
    })
    .await;
    let job = app.start_job(json!({"input": "/list"})).await;
    let stream = app.open_stream(&job, None).await;
    app.wait_for_event(&job, "on_tool_output").await;
    let stop = app.stop.clone();
    stop.cancel();
    let events = collect_events(stream, usize::MAX).await;
    let names: Vec<&str> = events.iter().map(|e| e.name()).collect();
    assert!(names.contains(&"result"), "{names:?}");
    assert_eq!(names.last(), Some(&"end_of_stream"));
    app.shutdown().await;
}

#[tokio::test]
async fn shutdown_past_the_grace_period_kills_what_is_left() {
    let app = spawn_with(|s| {
        mode(s, "hang");
        s.server.shutdown_grace_secs = 1;
    })
    .await;
    let job = app.start_job(json!({"input": "/list"})).await;
    let stream = app.open_stream(&job, None).await;
    app.wait_for_child_pid().await;
    app.stop.cancel();
    let events = collect_events(stream, usize::MAX).await;
    let last = events.last().expect("events");
    assert_eq!(last.name(), "end_of_stream");
    assert_eq!(last.data["data"]["state"], "cancelled", "{events:?}");
    let pids = app.logged_pids();
    app.shutdown().await;
    assert_all_gone(&pids).await;
}

/// A `setsid` grandchild leaves the CLI's process group and session; it
/// must still not outlive the run.
#[tokio::test]
async fn a_setsid_grandchild_does_not_outlive_its_run() {
    let app = spawn_with(|s| {
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "setsid".into());
    })
    .await;
    let (status, body) = app
        .post_json(
            "/execute",
            json!({"input": "/run CodeReviewer_Agent detach"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let detached: Vec<i32> = app
        .log_entries()
        .iter()
        .filter_map(|e| e["setsid_pid"].as_i64())
        .map(|p| p as i32)
        .collect();
    assert_eq!(detached.len(), 1, "the double reported its detached helper");
    assert_all_gone(&detached).await;
}
