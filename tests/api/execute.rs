//! `POST /execute`: synchronous success, failure and the wait limit.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn success_failure_and_precedence() {
    let app = spawn_app().await;
    let (status, body) = app
        .post_json("/execute", json!({"input": "/info CodeReviewer_Agent", "command": "/list", "textEntries": [{"content": "/validate"}]}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "success");
    assert!(
        body["result"]
            .as_str()
            .unwrap()
            .contains("CodeReviewer_Agent")
    );
    assert_eq!(
        app.invocations().last().unwrap()[0],
        "--info",
        "/execute prefers input"
    );

    let (status, body) = app
        .post_json("/execute", json!({"input": "/info NoSuch_Agent"}))
        .await;
    assert_eq!(status, 500);
    assert!(
        body["detail"].as_str().unwrap().contains("não encontrado"),
        "{body}"
    );
    assert!(body["job_id"].is_string());
}

#[tokio::test]
async fn past_the_wait_limit_answers_504_and_the_job_goes_on() {
    let app = spawn_with(|s| {
        s.jobs.execute_wait_secs = 1;
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "hang".into());
    })
    .await;
    let (status, body) = app.post_json("/execute", json!({"input": "/list"})).await;
    assert_eq!(status, 504, "{body}");
    let job = body["job_id"].as_str().unwrap();
    let record: serde_json::Value = app
        .get(&format!("/api/v1/jobs/{job}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["state"], "running");
    app.post_json(&format!("/api/v1/jobs/{job}/cancel"), json!({}))
        .await;
    assert_all_gone(&app.logged_pids()).await;
}
