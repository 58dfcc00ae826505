//! Who may run what, and who sees whose jobs: every tool by every spelling
//! and every key, job ownership, idempotency per principal, the
//! environment per principal, and bounded payloads.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use conductor_gateway::config::{ApiKeySetting, Secret, Settings};
use conductor_gateway::tools;

const READ: &str = "read-key-0123456789";
const RUN: &str = "run-key-0123456789";
const RUN2: &str = "run2-key-0123456789";
const ADMIN: &str = "admin-key-0123456789";

fn keys(s: &mut Settings) {
    let key = |k: &str, scopes: &[&str]| ApiKeySetting {
        key: Secret::new(k),
        name: Some(k.split('-').next().unwrap().to_string()),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    };
    s.auth.api_keys = vec![
        key(READ, &["read"]),
        key(RUN, &["read", "run"]),
        key(RUN2, &["read", "run"]),
        key(ADMIN, &["read", "run", "admin"]),
    ];
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("Authorization", format!("Bearer {key}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `execute_agent_stateless` with `_` as `%5F`, or its letters' case changed.
fn spellings(name: &str) -> [(String, bool); 3] {
    let encoded = name.replacen('_', "%5F", 1);
    let upper: String = name
        .char_indices()
        .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
        .collect();
    [(name.to_string(), true), (encoded, true), (upper, false)]
}

#[tokio::test]
async fn every_tool_by_every_spelling_and_every_key_needs_its_own_scope() {
    let app = spawn_with(keys).await;
    for tool in tools::all() {
        for (spelling, is_the_tool) in spellings(tool.name) {
            for (key, scopes) in [
                (READ, &["read"][..]),
                (RUN, &["read", "run"][..]),
                (ADMIN, &["read", "run", "admin"][..]),
            ] {
                // Invalid arguments: nothing runs, but the decision shows.
                let (status, body) = call(
                    &app,
                    Method::POST,
                    &format!("/api/v1/tools/{spelling}"),
                    key,
                    Some(json!({"no_such_argument": true})),
                )
                .await;
                let expected = if !is_the_tool {
                    404
                } else if scopes.contains(&tool.scope.as_str()) {
                    422
                } else {
                    403
                };
                assert_eq!(status, expected, "{spelling} with {key}: {body}");
            }
        }
    }
    assert!(app.invocations().is_empty(), "nothing ran");
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/tools/nope",
        ADMIN,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);
    let anonymous = app
        .client
        .post(app.url("/api/v1/tools/nope"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        anonymous.status(),
        404,
        "an unknown tool is 404 before anything else"
    );
}

#[tokio::test]
async fn a_job_is_its_owners_and_the_admins() {
    let app = spawn_with(keys).await;
    let (status, started) = call(
        &app,
        Method::POST,
        "/api/v1/stream-execute",
        RUN,
        Some(json!({"input": "/list", "metadata": {"secret": "mine"}})),
    )
    .await;
    assert_eq!(status, 200);
    let job = started["job_id"].as_str().unwrap().to_string();
    // The owner reads it whole.
    let (status, mine) = call(&app, Method::GET, &format!("/api/v1/jobs/{job}"), RUN, None).await;
    assert_eq!(status, 200);
    assert_eq!(mine["owner"], "run");
    // Another key: as if it did not exist, on every route.
    for key in [RUN2, READ] {
        for (method, path) in [
            (Method::GET, format!("/api/v1/jobs/{job}")),
            (Method::GET, format!("/api/v1/stream/{job}")),
            (Method::POST, format!("/api/v1/jobs/{job}/cancel")),
            (Method::POST, format!("/api/v1/jobs/{job}/approvals/call_1")),
        ] {
            let body = (method == Method::POST).then(|| json!({"approve": true}));
            let (status, _) = call(&app, method.clone(), &path, key, body).await;
            let expected = if key == READ && method == Method::POST {
                403
            } else {
                404
            };
            assert_eq!(status, expected, "{method} {path} with {key}");
        }
        let (_, list) = call(&app, Method::GET, "/api/v1/jobs", key, None).await;
        assert_eq!(list["total"], 0, "{key} lists nobody else's jobs: {list}");
    }
    let (_, list) = call(&app, Method::GET, "/api/v1/jobs", ADMIN, None).await;
    assert_eq!(list["total"], 1, "an admin sees every job");
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/v1/stream/{job}"),
        ADMIN,
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn idempotency_keys_belong_to_their_principal_and_their_payload() {
    let app = spawn_with(keys).await;
    let start = |key: &'static str, payload: Value| {
        app.client
            .post(app.url("/api/v1/stream-execute"))
            .header("Authorization", format!("Bearer {key}"))
            .header("Idempotency-Key", "order-42")
            .json(&payload)
            .send()
    };
    let first = start(RUN, json!({"input": "/list"})).await.unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let again = start(RUN, json!({"input": "/list"})).await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["job_id"], first["job_id"]);
    let other = start(RUN2, json!({"input": "/list"})).await.unwrap();
    assert!(other.headers().get("idempotent-replayed").is_none());
    let other: Value = other.json().await.unwrap();
    assert_ne!(
        other["job_id"], first["job_id"],
        "another key's job is never returned"
    );
    let changed = start(RUN, json!({"input": "/validate"})).await.unwrap();
    assert_eq!(changed.status(), 422);
    let body: Value = changed.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("different payload"),
        "{body}"
    );
}

#[tokio::test]
async fn set_environment_is_per_principal() {
    let app = spawn_with(keys).await;
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/tools/set_environment",
        RUN,
        Some(json!({"environment": "staging"})),
    )
    .await;
    assert_eq!(status, 200);
    let run = |key: &'static str| {
        call(
            &app,
            Method::POST,
            "/api/v1/tools/execute_agent_stateless",
            key,
            Some(json!({"agent_id": "CodeReviewer_Agent", "input_text": "hi"})),
        )
    };
    run(RUN).await;
    run(RUN2).await;
    let argvs = app.invocations();
    assert!(
        argvs[0].contains(&"--environment=staging".to_string()),
        "{argvs:?}"
    );
    assert!(
        !argvs[1].iter().any(|a| a.starts_with("--environment")),
        "another key's runs keep their own environment: {argvs:?}"
    );
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/tools/set_environment",
        RUN,
        Some(json!({"environment": "prod\u{202E}uction"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "environment");
}

#[tokio::test]
async fn payloads_and_pages_are_bounded_and_errors_are_json() {
    let app = spawn_with(|s| {
        s.jobs.max_metadata_bytes = 64;
        s.jobs.max_page = 2;
    })
    .await;
    let (status, body) = app
        .post_json(
            "/api/v1/stream-execute",
            json!({"input": "/list", "metadata": {"note": "x".repeat(100)}}),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("max_metadata_bytes")
    );
    for _ in 0..3 {
        app.start_job(json!({"input": "/help"})).await;
    }
    let list: Value = app
        .get("/api/v1/jobs?limit=500")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["limit"], 2);
    assert_eq!(list["jobs"].as_array().unwrap().len(), 2);
    assert_eq!(list["total"], 3);
    assert!(list["jobs"][0].get("result").is_none_or(Value::is_null));
    for path in ["/api/v1/jobs?limit=abc", "/api/v1/jobs?offset=-1"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = r.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains("query"), "{body}");
    }
    let r = app
        .client
        .post(app.url("/execute"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(body["detail"].is_string());
}
