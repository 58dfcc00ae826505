//! What reaches the model and what does not: direct commands bypass it, plain
//! text without one is refused with an explanation, and `/execute` maps the
//! agent's outcome to 200 or 500.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::mock::{Mock, Reply};

#[tokio::test]
async fn plain_text_without_an_llm_fails_with_an_explanation() {
    let app = spawn_app(None, |_| {}).await;
    let events = app.run("List the agents please").await;

    let error = error(&events);
    assert!(error.contains("OPENAI_API_KEY"), "{error}");
    assert!(error.contains("/list"), "{error}");
    assert!(!names(&events).iter().any(|n| n.starts_with("on_llm")));

    let (status, body) = app
        .execute(json!({"input": "List the agents please"}))
        .await;
    assert_eq!(status, 500);
    assert!(body["detail"].as_str().unwrap().contains("OPENAI_API_KEY"));

    let health: Value = app
        .client
        .get(format!("{}/health", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["checks"]["llm"]["configured"], false);
}

#[tokio::test]
async fn direct_commands_never_reach_the_model() {
    let mock = Mock::start(vec![]).await;
    let app = spawn_app(Some(&mock), |_| {}).await;

    let events = app.run("/list").await;
    assert_eq!(result(&events).trim(), "ran --list");
    let events = app.run("/tools").await;
    assert!(result(&events).contains("get_agent_info"));
    let id = app
        .start_payload(json!({"tool": "get_agent_info", "arguments": {"agent_id": "alpha"}}))
        .await;
    let events = app.subscribe(&id).await.rest().await;
    assert_eq!(result(&events).trim(), "ran --info alpha");
    let (status, body) = app.execute(json!({"command": "/info beta"})).await;
    assert_eq!(status, 200, "{body}");

    assert!(mock.requests().is_empty());
    let health: Value = app
        .client
        .get(format!("{}/health", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["checks"]["llm"]["configured"], true);
}

#[tokio::test]
async fn execute_answers_200_with_the_agents_answer() {
    let mock = Mock::start(vec![
        Reply::call("c1", "list_available_agents", "{}"),
        Reply::text(&["There ", "are agents."]),
    ])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let (status, body) = app.execute(json!({"input": "Any agents?"})).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "success");
    assert_eq!(body["result"], "There are agents.");
}

#[tokio::test]
async fn execute_answers_500_with_the_reason_when_the_agent_fails() {
    let mock = Mock::start(vec![]).await.then_always(Reply::Status {
        code: 400,
        retry_after: None,
        message: "model 'gpt-4.1-mini' does not exist",
    });
    let app = spawn_app(Some(&mock), |_| {}).await;
    let (status, body) = app.execute(json!({"input": "Any agents?"})).await;

    assert_eq!(status, 500, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("does not exist"), "{detail}");
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn an_unusable_base_url_stops_start_up() {
    let (settings, _workspace) = crate::app::gateway().llm("not a url").into_settings();
    let built = conductor_gateway::startup::Application::build(
        settings,
        conductor_gateway::startup::BuildOptions::default(),
    )
    .await;
    let error = format!("{:#}", built.err().expect("start-up fails"));
    assert!(error.contains("llm.base_url"), "{error}");
}
