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
        app.http
            .get(app.url("/sse"))
            .header("accept", "text/event-stream")
            .header("origin", evil)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(sse.status(), 403);

    let messages = within(
        "POST /messages",
        app.http
            .post(app.url("/messages?sessionId=x"))
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
    let same = app.url("");
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
        (&*format!("evil.example.com:{}", app.mcp_port), 403),
        (&*format!("localhost:{}", app.mcp_port), 200),
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
        app.http
            .get(app.url("/sse"))
            .header("host", "evil.example.com")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(sse.status(), 403);
}
