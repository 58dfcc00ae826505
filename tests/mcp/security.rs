//! `Origin` and `Host` validation on both HTTP transports.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn foreign_origins_get_403_on_every_http_transport() {
    let app = spawn_app().await;
    let evil = "http://evil.example.com";
    let init = initialize_request("2025-11-25");

    let mcp = within(
        "POST /mcp",
        post_mcp(&app, None, &init).header("origin", evil).send(),
    )
    .await
    .unwrap();
    assert_eq!(mcp.status(), 403);
    let body: serde_json::Value = mcp.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Origin")
    );

    let sse = within(
        "GET /sse",
        app.client
            .get(app.mcp_url("/sse"))
            .header("accept", "text/event-stream")
            .header("origin", evil)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(sse.status(), 403);

    let messages = within(
        "POST /messages",
        app.client
            .post(app.mcp_url("/messages?sessionId=x"))
            .header("origin", evil)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(messages.status(), 403);
    assert!(app.invocations().is_empty());
}

#[tokio::test]
async fn no_origin_same_origin_and_listed_origins_are_allowed() {
    let app =
        spawn_with(|s| s.mcp.allowed_origins = vec!["https://console.example.com".into()]).await;
    let init = initialize_request("2025-11-25");
    let same = app.mcp_url("");
    for origin in [
        None,
        Some(same.as_str()),
        Some("https://console.example.com"),
    ] {
        let mut request = post_mcp(&app, None, &init);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = within("initialize", request.send()).await.unwrap();
        assert_eq!(response.status(), 200, "origin {origin:?}");
    }
}

#[tokio::test]
async fn a_rebinding_host_gets_403_when_bound_to_loopback() {
    let app = spawn_with(|s| s.mcp.allowed_hosts = vec!["mcp.internal".into()]).await;
    let init = initialize_request("2025-11-25");
    for (host, status) in [
        ("evil.example.com", 403),
        (&*format!("evil.example.com:{}", app.mcp_port.unwrap()), 403),
        (&*format!("localhost:{}", app.mcp_port.unwrap()), 200),
        ("mcp.internal", 200),
    ] {
        let response = within(
            "initialize",
            post_mcp(&app, None, &init).header("host", host).send(),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), status, "Host: {host}");
    }
    let sse = within(
        "GET /sse",
        app.client
            .get(app.mcp_url("/sse"))
            .header("host", "evil.example.com")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(sse.status(), 403);
}

/// Keys as the REST API has them: a read-only key and a full one.
fn with_keys(s: &mut conductor_gateway::config::Settings) {
    use conductor_gateway::config::{ApiKeySetting, Secret};
    s.auth.api_keys = vec![
        ApiKeySetting {
            key: Secret::new("mcp-read-key-0123456789"),
            name: Some("reader".into()),
            scopes: vec!["read".into()],
        },
        ApiKeySetting {
            key: Secret::new("mcp-admin-key-0123456789"),
            name: Some("admin".into()),
            scopes: vec!["read".into(), "run".into(), "admin".into()],
        },
    ];
}

#[tokio::test]
async fn both_http_transports_need_a_key_when_keys_are_configured() {
    let app = spawn_with(with_keys).await;
    let init = initialize_request("2025-06-18");
    let none = within("POST /mcp", post_mcp(&app, None, &init).send())
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    let wrong = within(
        "POST /mcp",
        post_mcp(&app, None, &init)
            .bearer_auth("not-a-key-0123456789")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 401);
    let good = within(
        "POST /mcp",
        post_mcp(&app, None, &init)
            .bearer_auth("mcp-read-key-0123456789")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(good.status(), 200);

    let sse = within("GET /sse", app.client.get(app.mcp_url("/sse")).send())
        .await
        .unwrap();
    assert_eq!(sse.status(), 401);
    let sse = within(
        "GET /sse",
        app.client
            .get(app.mcp_url("/sse"))
            .header("X-API-Key", "mcp-read-key-0123456789")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(sse.status(), 200);
}

#[tokio::test]
async fn a_key_sees_and_calls_only_the_tools_of_its_scopes() {
    use rmcp::ServiceExt;
    use rmcp::transport::StreamableHttpClientTransport;
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

    let app = spawn_with(with_keys).await;
    let connect = |key: &'static str| {
        let config =
            StreamableHttpClientTransportConfig::with_uri(app.mcp_url("/mcp")).auth_header(key);
        let transport = StreamableHttpClientTransport::from_config(config);
        let (handler, _progress) = TestClient::new();
        handler.serve(transport)
    };
    let reader = within("initialize", connect("mcp-read-key-0123456789"))
        .await
        .unwrap();
    let tools = within("tools/list", reader.list_all_tools()).await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(names.contains(&"list_available_agents"), "{names:?}");
    assert!(
        !names.contains(&"restore_agents") && !names.contains(&"execute_agent_stateless"),
        "{names:?}"
    );
    let denied = call(
        &reader,
        "clear_agent_history",
        json!({"agent_id": "CodeReviewer_Agent"}),
    )
    .await;
    assert_eq!(denied.is_error, Some(true));
    assert!(text(&denied).contains("'admin'"), "{}", text(&denied));
    assert!(app.invocations().is_empty());

    let admin = within("initialize", connect("mcp-admin-key-0123456789"))
        .await
        .unwrap();
    assert_eq!(
        within("tools/list", admin.list_all_tools())
            .await
            .unwrap()
            .len(),
        13
    );
}
