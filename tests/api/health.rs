//! `/health`: the contract's shape, checks and the degraded state.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn health_has_the_contract_shape() {
    let app = spawn_app().await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["service"], "conductor_gateway");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["mode"], "cli");
    assert_eq!(
        body["endpoints"]["api"],
        format!("http://127.0.0.1:{}/api/v1", app.port)
    );
    assert_eq!(
        body["endpoints"]["health"],
        format!("http://127.0.0.1:{}/health", app.port)
    );
    assert!(
        body["endpoints"]["mcp"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(body["checks"]["conductor"]["ok"], true, "{body}");
    // No LLM configured: degraded, still 200, with the reason.
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["checks"]["llm"]["configured"], false);
    assert!(
        body["checks"]["llm"]["detail"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY")
    );

    let options = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(options.status(), 200);
    let options: Value = options.json().await.unwrap();
    assert_eq!(options["service"], "conductor_gateway");
}

#[tokio::test]
async fn healthy_when_cli_and_llm_are_configured() {
    let app =
        spawn_with(|s| s.llm.api_key = Some(conductor_gateway::config::Secret::new("sk-test")))
            .await;
    let body: Value = app.get("/health").await.json().await.unwrap();
    assert_eq!(body["status"], "healthy", "{body}");
    assert!(!body.to_string().contains("sk-test"));
}

#[tokio::test]
async fn no_foreign_origin_is_granted_cors_by_default() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health"))
        .header("Origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "health answers probes from anywhere"
    );
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn unknown_routes_answer_in_the_detail_shape() {
    let app = spawn_app().await;
    let response = app.get("/nope").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "Not Found");
}
