//! What one client can take from the MCP listener: a request rate, and
//! sessions in total and per client over both HTTP transports; and a session
//! is usable only by the key that opened it.

use serde_json::json;

use crate::helpers::*;

fn two_keys(s: &mut conductor_gateway::config::Settings) {
    use conductor_gateway::config::{ApiKeySetting, Secret};
    let key = |k: &str, name: &str| ApiKeySetting {
        key: Secret::new(k),
        name: Some(name.into()),
        scopes: vec!["read".into(), "run".into(), "admin".into()],
    };
    s.auth.api_keys = vec![
        key("mcp-ann-key-0123456789", "ann"),
        key("mcp-bob-key-0123456789", "bob"),
    ];
}

async fn initialize(app: &TestApp, key: Option<&str>) -> reqwest::Response {
    let mut request = post_mcp(app, None, &initialize_request("2025-11-25"));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    within("initialize", request.send()).await.unwrap()
}

#[tokio::test]
async fn sessions_per_client_are_capped_on_both_transports() {
    let app = spawn_with(|s| {
        s.mcp.max_sessions_per_client = 2;
        s.limits.requests_per_second = 0;
    })
    .await;
    assert_eq!(initialize(&app, None).await.status(), 200);
    assert_eq!(initialize(&app, None).await.status(), 200);
    let third = initialize(&app, None).await;
    assert_eq!(third.status(), 429);
    let body: serde_json::Value = third.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_sessions_per_client"),
        "{body}"
    );
    let sse = within(
        "GET /sse",
        app.client
            .get(app.mcp_url("/sse"))
            .header("accept", "text/event-stream")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(
        sse.status(),
        429,
        "legacy sessions count against the same cap"
    );
}

#[tokio::test]
async fn sessions_in_total_are_capped_and_a_deleted_one_frees_its_place() {
    let app = spawn_with(|s| {
        two_keys(s);
        s.mcp.max_sessions = 1;
        s.limits.requests_per_second = 0;
    })
    .await;
    let first = initialize(&app, Some("mcp-ann-key-0123456789")).await;
    assert_eq!(first.status(), 200);
    let session = first.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        initialize(&app, Some("mcp-bob-key-0123456789"))
            .await
            .status(),
        429
    );
    let delete = app
        .client
        .delete(app.mcp_url("/mcp"))
        .bearer_auth("mcp-ann-key-0123456789")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send();
    assert_eq!(within("DELETE", delete).await.unwrap().status(), 204);
    assert_eq!(
        initialize(&app, Some("mcp-bob-key-0123456789"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_mcp_listener_is_rate_limited_like_rest() {
    let app = spawn_with(|s| {
        s.limits.requests_per_second = 1;
        s.limits.burst = 3;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
        let r = within(
            "tools/list",
            post_mcp(&app, None, &list)
                .header("mcp-protocol-version", "2026-07-28")
                .send(),
        )
        .await
        .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
        }
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn a_session_belongs_to_the_key_that_opened_it() {
    let app = spawn_with(two_keys).await;
    let first = initialize(&app, Some("mcp-ann-key-0123456789")).await;
    let session = first.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let ack = post_mcp(&app, Some(&session), &initialized)
        .bearer_auth("mcp-ann-key-0123456789")
        .header("mcp-protocol-version", "2025-11-25")
        .send();
    within("initialized", ack).await.unwrap();
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let stolen = post_mcp(&app, Some(&session), &list)
        .bearer_auth("mcp-bob-key-0123456789")
        .header("mcp-protocol-version", "2025-11-25")
        .send();
    let answers = messages(within("tools/list", stolen).await.unwrap()).await;
    let answer = answers.iter().find(|m| m["id"] == 2).expect("an answer");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("another API key"),
        "{answer}"
    );
}

/// Open MCP sessions as the REST status summary counts them.
async fn open_sessions(app: &TestApp) -> u64 {
    let r = within(
        "the status summary",
        app.client.get(app.url("/api/v1/status/summary")).send(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    body["streams"]["mcp_sessions"].as_u64().expect("a count")
}

/// Reads the summary until it counts `n` open sessions.
async fn wait_sessions(app: &TestApp, n: u64) {
    within(&format!("{n} open sessions in the summary"), async {
        while open_sessions(app).await != n {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn the_status_summary_counts_sessions_as_they_open_and_close() {
    let app = spawn_with(|s| s.limits.requests_per_second = 0).await;
    assert_eq!(open_sessions(&app).await, 0);
    let first = initialize(&app, None).await;
    assert_eq!(first.status(), 200);
    let session = first.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(initialize(&app, None).await.status(), 200);
    wait_sessions(&app, 2).await;
    let delete = app
        .client
        .delete(app.mcp_url("/mcp"))
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send();
    assert_eq!(within("DELETE", delete).await.unwrap().status(), 204);
    wait_sessions(&app, 1).await;
}
