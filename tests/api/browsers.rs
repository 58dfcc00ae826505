//! Browsers and DNS rebinding: foreign origins, `Origin: null`, form and
//! blob posts, permissive preflights, and `Host` names that are not ours.

use serde_json::{Value, json};

use crate::helpers::*;

/// Any web page a user visits could drive a gateway through the browser:
/// `fetch` with a `Blob` body (no Content-Type, no preflight), a form post,
/// `Origin: null` from a sandboxed frame, or JSON after a permissive
/// preflight. Every request from a foreign origin is refused, whatever its
/// method or content type; curl and servers (no Origin) are unaffected.
#[tokio::test]
async fn foreign_origins_are_refused_whatever_the_request_looks_like() {
    let app = spawn_app().await;
    let send = |origin: Option<&str>, content_type: Option<&str>, path: &str| {
        let mut req = app.client.post(app.url(path)).body(r#"{"input": "/list"}"#);
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        if let Some(t) = content_type {
            req = req.header("Content-Type", t);
        }
        req.send()
    };
    for (origin, kind) in [
        ("https://evil.example", None),
        ("https://evil.example", Some("text/plain")),
        (
            "https://evil.example",
            Some("application/x-www-form-urlencoded"),
        ),
        ("https://evil.example", Some("application/json")),
        ("null", None),
        ("null", Some("application/json")),
        ("http://127.0.0.1:1", Some("application/json")),
    ] {
        for path in [
            "/execute",
            "/api/v1/stream-execute",
            "/api/v1/tools/execute_agent_stateless",
        ] {
            let r = send(Some(origin), kind, path).await.unwrap();
            assert_eq!(r.status(), 403, "{origin} {kind:?} {path}");
            let body: Value = r.json().await.unwrap();
            assert!(
                body["detail"].as_str().unwrap().contains("Origin"),
                "{body}"
            );
        }
    }
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/execute"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "no CORS grant for a foreign origin"
    );
    assert!(app.invocations().is_empty(), "nothing ran");

    let curl_like = send(None, Some("application/x-www-form-urlencoded"), "/execute")
        .await
        .unwrap();
    assert_eq!(curl_like.status(), 200, "no Origin: not a browser");
    let own = format!("http://127.0.0.1:{}", app.port);
    let console = send(Some(&own), Some("application/json"), "/execute")
        .await
        .unwrap();
    assert_eq!(console.status(), 200, "the console is same-origin");
    let own_form = send(Some(&own), Some("text/plain"), "/execute")
        .await
        .unwrap();
    assert_eq!(
        own_form.status(),
        415,
        "bodies are JSON, even from the console"
    );
    assert_eq!(app.invocations().len(), 2);
}

#[tokio::test]
async fn listed_origins_are_allowed_and_granted_cors() {
    let app =
        spawn_with(|s| s.server.cors_allowed_origins = vec!["https://app.example".into()]).await;
    let r = app
        .client
        .post(app.url("/execute"))
        .header("Origin", "https://app.example")
        .json(&json!({"input": "/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let other = app
        .client
        .get(app.url("/api/v1/jobs"))
        .header("Origin", "https://other.example")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
}

/// A DNS-rebinding page reaches the gateway under its own name.
#[tokio::test]
async fn a_rebinding_host_is_refused_on_the_rest_listener() {
    let app = spawn_app().await;
    for (host, expected) in [
        ("evil.example", 403),
        ("evil.example:5006", 403),
        ("127.0.0.1.evil.example", 403),
        ("localhost:5006", 200),
        ("127.0.0.1", 200),
    ] {
        let r = app
            .client
            .get(app.url("/api/v1/jobs"))
            .header("Host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), expected, "Host: {host}");
    }
    let probe = app
        .client
        .get(app.url("/health"))
        .header("Host", "10.0.0.7:5006")
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), 200, "probes may name the node");
    let named = spawn_with(|s| s.server.allowed_hosts = vec!["gateway.internal".into()]).await;
    let r = named
        .client
        .get(named.url("/api/v1/jobs"))
        .header("Host", "gateway.internal:5006")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
