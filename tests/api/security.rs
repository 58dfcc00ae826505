//! Authentication, scopes, rate limits, CORS, request ids and metrics.

use conductor_gateway::config::{ApiKeySetting, Secret, Settings};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const READ: &str = "read-key-0123456789";
const RUN: &str = "run-key-0123456789";
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
        key(ADMIN, &["read", "run", "admin"]),
    ];
}

async fn status(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> u16 {
    let mut req = app.client.request(method, app.url(path));
    if let Some(k) = key {
        req = req.header("Authorization", format!("Bearer {k}"));
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_route_needs_a_key_with_the_right_scope() {
    let app = spawn_with(keys).await;
    let (_, done) = {
        let r = app
            .client
            .post(app.url("/execute"))
            .header("X-API-Key", RUN)
            .json(&json!({"input": "/list"}))
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    let job = done["job_id"].as_str().expect("job id").to_string();
    let routes: Vec<(Method, String, Option<Value>, &str)> = vec![
        (Method::GET, "/api/v1/tools".into(), None, "read"),
        (Method::GET, "/api/v1/jobs".into(), None, "read"),
        (Method::GET, "/api/v1/status/summary".into(), None, "read"),
        (Method::GET, format!("/api/v1/jobs/{job}"), None, "read"),
        (Method::GET, format!("/api/v1/stream/{job}"), None, "read"),
        (
            Method::POST,
            "/api/v1/tools/list_available_agents".into(),
            Some(json!({})),
            "read",
        ),
        (
            Method::POST,
            "/api/v1/tools/execute_agent_stateless".into(),
            Some(json!({"agent_id": "CodeReviewer_Agent", "input_text": "hi"})),
            "run",
        ),
        (
            Method::POST,
            "/api/v1/tools/restore_agents".into(),
            Some(json!({"backup_path": "b"})),
            "admin",
        ),
        (
            Method::POST,
            "/api/v1/tools/clear_agent_history".into(),
            Some(json!({"agent_id": "CodeReviewer_Agent"})),
            "admin",
        ),
        (
            Method::POST,
            "/execute".into(),
            Some(json!({"input": "/list"})),
            "run",
        ),
        (
            Method::POST,
            "/api/v1/stream-execute".into(),
            Some(json!({"input": "/list"})),
            "run",
        ),
        (
            Method::POST,
            format!("/api/v1/jobs/{job}/cancel"),
            None,
            "run",
        ),
    ];
    let rank = |scope: &str| {
        ["read", "run", "admin"]
            .iter()
            .position(|s| *s == scope)
            .unwrap()
    };
    for (method, path, body, needed) in &routes {
        assert_eq!(
            status(&app, method.clone(), path, None, body.clone()).await,
            401,
            "{method} {path} without a key"
        );
        assert_eq!(
            status(
                &app,
                method.clone(),
                path,
                Some("wrong-key-0123456789"),
                body.clone()
            )
            .await,
            401
        );
        for (key, scope) in [(READ, "read"), (RUN, "run"), (ADMIN, "admin")] {
            let got = status(&app, method.clone(), path, Some(key), body.clone()).await;
            if rank(scope) >= rank(needed) {
                assert!(
                    got != 401 && got != 403,
                    "{method} {path} with {scope}: {got}"
                );
            } else {
                assert_eq!(got, 403, "{method} {path} with {scope}");
            }
        }
    }
    // Open routes stay open.
    assert_eq!(status(&app, Method::GET, "/health", None, None).await, 200);
    assert_eq!(status(&app, Method::GET, "/metrics", None, None).await, 200);
}

#[tokio::test]
async fn forbidden_names_the_scope_and_payload_tools_are_checked() {
    let app = spawn_with(keys).await;
    let r = app
        .client
        .post(app.url("/api/v1/tools/restore_agents"))
        .header("X-API-Key", RUN)
        .json(&json!({"backup_path": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("'admin'"),
        "{body}"
    );

    let r = app
        .client
        .post(app.url("/api/v1/stream-execute"))
        .header("X-API-Key", RUN)
        .json(&json!({"input": "/clear CodeReviewer_Agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "a run key cannot reach an admin tool through a slash command"
    );

    let tools: Value = app
        .client
        .get(app.url("/api/v1/tools"))
        .header("X-API-Key", READ)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"list_available_agents"));
    assert!(
        !names.contains(&"restore_agents") && !names.contains(&"execute_agent_stateless"),
        "{names:?}"
    );
    assert!(app.invocations().is_empty());
}

#[tokio::test]
async fn the_stream_accepts_an_access_token_query() {
    let app = spawn_with(keys).await;
    let r = app
        .client
        .post(app.url("/api/v1/stream-execute"))
        .header("X-API-Key", RUN)
        .json(&json!({"input": "/list"}))
        .send()
        .await
        .unwrap();
    let job = r.json::<Value>().await.unwrap()["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let response = app
        .client
        .get(app.url(&format!("/api/v1/stream/{job}?access_token={RUN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let events = collect_events(response, usize::MAX).await;
    assert_eq!(events.last().unwrap().name(), "end_of_stream");
    let denied = app
        .client
        .get(app.url(&format!("/api/v1/jobs/{job}?access_token={READ}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        denied.status(),
        401,
        "query tokens only on the stream route"
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let app = spawn_with(|s| {
        s.limits.requests_per_second = 1;
        s.limits.burst = 3;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = app.get("/api/v1/jobs").await;
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..3], [200, 200, 200]);
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(
        app.get("/health").await.status(),
        200,
        "health is never limited"
    );
}

#[tokio::test]
async fn open_streams_per_client_are_capped() {
    let app = spawn_with(|s| {
        s.limits.max_streams_per_client = 1;
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "hang".into());
    })
    .await;
    let job = app.start_job(json!({"input": "/list"})).await;
    let first = app.open_stream(&job, None).await;
    assert_eq!(first.status(), 200);
    let second = app.open_stream(&job, None).await;
    assert_eq!(second.status(), 429);
    drop(first);
    app.post_json(&format!("/api/v1/jobs/{job}/cancel"), json!({}))
        .await;
}

#[tokio::test]
async fn cors_from_configuration_covers_the_stream() {
    let app =
        spawn_with(|s| s.server.cors_allowed_origins = vec!["https://app.example".into()]).await;
    let job = app.start_job(json!({"input": "/list"})).await;
    let response = app
        .client
        .get(app.url(&format!("/api/v1/stream/{job}")))
        .header("Origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let foreign = app
        .client
        .get(app.url(&format!("/api/v1/stream/{job}")))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        !foreign
            .headers()
            .contains_key("access-control-allow-origin")
    );
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/api/v1/stream-execute"))
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,authorization",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert!(
        preflight.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
}

#[tokio::test]
async fn request_ids_are_kept_or_made() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/health"))
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
    let r = app.get("/health").await;
    assert!(!r.headers()["x-request-id"].to_str().unwrap().is_empty());
}

#[tokio::test]
async fn metrics_have_the_expected_names_after_traffic() {
    let app = spawn_app().await;
    app.post_json("/execute", json!({"input": "/list"})).await;
    let text = app.get("/metrics").await.text().await.unwrap();
    for name in [
        "conductor_gateway_http_requests_total",
        "conductor_gateway_http_request_duration_seconds_bucket",
        "conductor_gateway_cli_runs_total",
        "conductor_gateway_cli_run_duration_seconds_bucket",
        "conductor_gateway_jobs_finished_total",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(
        text.contains("route=\"/execute\""),
        "route templates label requests"
    );
    let job_id = regex::Regex::new(r"job_[0-9a-f]{8}").unwrap();
    assert!(!job_id.is_match(&text), "no job id (user data) in labels");
}

#[tokio::test]
async fn slow_header_clients_are_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_with(|s| s.limits.header_read_timeout_secs = 1).await;
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    socket
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(DEADLINE, socket.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the server closes a connection whose headers never finish"
    );
}

/// Behind a trusted proxy the forwarded address is the client; anyone else
/// naming an address is ignored and counted under their own.
#[tokio::test]
async fn only_trusted_proxies_choose_the_address_a_client_is_counted_under() {
    let app = spawn_with(|s| {
        s.limits.requests_per_second = 1;
        s.limits.burst = 1;
        s.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let from = |client: &'static str| {
        app.client
            .get(app.url("/api/v1/tools"))
            .header("X-Forwarded-For", client)
            .send()
    };
    assert_eq!(from("203.0.113.1").await.unwrap().status(), 200);
    assert_eq!(from("203.0.113.1").await.unwrap().status(), 429);
    assert_eq!(
        from("203.0.113.2").await.unwrap().status(),
        200,
        "another client"
    );

    let untrusted = spawn_with(|s| {
        s.limits.requests_per_second = 1;
        s.limits.burst = 1;
    })
    .await;
    let spoof = |client: &'static str| {
        untrusted
            .client
            .get(untrusted.url("/api/v1/tools"))
            .header("X-Forwarded-For", client)
            .send()
    };
    assert_eq!(spoof("203.0.113.1").await.unwrap().status(), 200);
    assert_eq!(
        spoof("203.0.113.2").await.unwrap().status(),
        429,
        "a forged header does not buy a fresh budget"
    );
}
