//! The model's reach: it is offered only the caller's tools, and a
//! destructive tool never runs on its initiative without a person's yes.

use serde_json::{Value, json};

use super::helpers::*;
use super::mock::{Mock, Reply};
use conductor_gateway::config::{ApiKeySetting, DestructivePolicy, Secret};

/// The model asks to clear an agent's history, then answers.
async fn clearing_model() -> Mock {
    Mock::start(vec![
        Reply::call("call_clear", "clear_agent_history", r#"{"agent_id": "A"}"#),
        Reply::text(&["done"]),
    ])
    .await
}

/// The `tool` message the model got back for `call_id`.
fn tool_message(mock: &Mock, call_id: &str) -> String {
    mock.requests()
        .iter()
        .flat_map(|r| r.body["messages"].as_array().cloned().unwrap_or_default())
        .find(|m| m["role"] == "tool" && m["tool_call_id"] == call_id)
        .and_then(|m| m["content"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no tool message for {call_id}"))
}

async fn answer(app: &TestApp, job: &str, call: &str, approve: bool) -> u16 {
    app.client
        .post(format!("{}/api/v1/jobs/{job}/approvals/{call}", app.base))
        .json(&json!({ "approve": approve }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn state_of(app: &TestApp, job: &str) -> Value {
    let job: Value = app
        .client
        .get(format!("{}/api/v1/jobs/{job}", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    job["state"].clone()
}

#[tokio::test]
async fn an_approved_destructive_call_runs_after_the_yes() {
    let mock = clearing_model().await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let job = app.start("clear A's history").await;
    let mut events = app.subscribe(&job).await;
    let before = events.until("approval_required").await;
    assert!(
        named(&before, "on_tool_start").is_empty(),
        "nothing ran before the answer: {before:#?}"
    );
    let request = &named(&before, "approval_required")[0]["data"];
    assert_eq!(request["tool"], "clear_agent_history");
    assert_eq!(request["arguments"], json!({"agent_id": "A"}));
    assert_eq!(state_of(&app, &job).await, "awaiting_approval");
    assert_eq!(answer(&app, &job, "call_nope", true).await, 404);
    assert_eq!(answer(&app, &job, "call_clear", true).await, 200);
    let after = events.rest().await;
    let resolved = &named(&after, "approval_resolved")[0]["data"];
    assert_eq!(resolved["approved"], true);
    assert_eq!(resolved["by"], "anonymous");
    assert_eq!(
        named(&after, "on_tool_start")[0]["data"]["tool"],
        "clear_agent_history"
    );
    assert_eq!(result(&after), "done");
    assert!(!tool_message(&mock, "call_clear").contains("denied"));
    assert_eq!(
        answer(&app, &job, "call_clear", true).await,
        404,
        "answered once"
    );
}

#[tokio::test]
async fn a_denied_call_goes_back_to_the_model_as_a_tool_error() {
    let mock = clearing_model().await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let job = app.start("clear A's history").await;
    let mut events = app.subscribe(&job).await;
    events.until("approval_required").await;
    assert_eq!(answer(&app, &job, "call_clear", false).await, 200);
    let after = events.rest().await;
    assert_eq!(
        named(&after, "approval_resolved")[0]["data"]["approved"],
        false
    );
    let end = named(&after, "on_tool_end")[0];
    assert_eq!(end["data"]["status"], "error");
    assert!(tool_message(&mock, "call_clear").contains("denied"));
    assert_eq!(result(&after), "done", "the model went on");
}

#[tokio::test]
async fn no_answer_in_time_is_a_denial() {
    let mock = clearing_model().await;
    let app = spawn_app(Some(&mock), |s| s.agent.approval_timeout_secs = 1).await;
    let events = app.run("clear A's history").await;
    let resolved = &named(&events, "approval_resolved")[0]["data"];
    assert_eq!(resolved["approved"], false);
    assert_eq!(resolved["by"], "timeout");
    assert!(tool_message(&mock, "call_clear").contains("nobody approved"));
    assert_eq!(result(&events), "done");
}

#[tokio::test]
async fn the_policy_can_deny_or_allow_without_asking() {
    let mock = clearing_model().await;
    let app = spawn_app(Some(&mock), |s| {
        s.agent.destructive_tools = DestructivePolicy::Deny
    })
    .await;
    let events = app.run("clear A's history").await;
    assert!(named(&events, "approval_required").is_empty());
    assert!(tool_message(&mock, "call_clear").contains("agent.destructive_tools"));

    let mock = clearing_model().await;
    let app = spawn_app(Some(&mock), |s| {
        s.agent.destructive_tools = DestructivePolicy::Allow
    })
    .await;
    let events = app.run("clear A's history").await;
    assert!(named(&events, "approval_required").is_empty());
    assert_eq!(
        named(&events, "on_tool_start")[0]["data"]["tool"],
        "clear_agent_history"
    );
}

#[tokio::test]
async fn the_model_is_offered_only_the_callers_tools() {
    let mock = Mock::start(vec![Reply::text(&["hello"])]).await;
    let app = spawn_app(Some(&mock), |s| {
        s.auth.api_keys = vec![ApiKeySetting {
            key: Secret::new("runner-key-0123456789"),
            name: Some("runner".into()),
            scopes: vec!["read".into(), "run".into()],
        }];
    })
    .await;
    let r = app
        .client
        .post(format!("{}/execute", app.base))
        .bearer_auth("runner-key-0123456789")
        .json(&json!({"input": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let offered: Vec<String> = mock.requests()[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap().to_string())
        .collect();
    assert!(offered.contains(&"execute_agent_stateless".to_string()));
    for admin in [
        "restore_agents",
        "migrate_storage",
        "clear_agent_history",
        "backup_agents",
    ] {
        assert!(
            !offered.contains(&admin.to_string()),
            "{admin} offered: {offered:?}"
        );
    }
}
