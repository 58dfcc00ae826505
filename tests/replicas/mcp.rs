//! MCP behind a load balancer that is not sticky: a legacy HTTP+SSE
//! session's messages may reach any replica (they are relayed to the one
//! holding the session, for its own key only); Streamable HTTP needs the
//! stateless 2026-07-28 revision or stickiness on `Mcp-Session-Id`.

use eventsource_stream::Eventsource;
use futures::StreamExt;
use nix::sys::signal::Signal;
use serde_json::{Value, json};

use crate::cluster::{dir, settings};
use crate::helpers::DEADLINE;
use crate::process::Gateway;
use crate::redis_server::RedisServer;

const ALICE: &str = "alice-key-0123456789abcdef";
const BOB: &str = "bob-key-0123456789abcdef00";

/// Redis and two replicas with MCP on and two keys.
async fn replicas(root: &std::path::Path) -> (RedisServer, Gateway, Gateway) {
    let redis = RedisServer::start(&dir(root, "redis")).await;
    let mut up = Vec::new();
    for name in ["a", "b"] {
        let mut s = settings(&dir(root, name), &redis, "gw", "");
        s["mcp"] = json!({"enabled": true});
        s["auth"] = json!({"api_keys": [
            {"key": ALICE, "name": "alice"},
            {"key": BOB, "name": "bob"},
        ]});
        up.push(Gateway::start(&dir(root, name), &s).await);
    }
    let b = up.pop().unwrap();
    let a = up.pop().unwrap();
    (redis, a, b)
}

fn mcp(gateway: &Gateway, path: &str) -> String {
    format!("{}{path}", gateway.mcp.as_deref().expect("MCP is on"))
}

async fn post(gateway: &Gateway, path: &str, key: &str, body: &Value) -> reqwest::Response {
    gateway
        .client
        .post(mcp(gateway, path))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn legacy_messages_posted_to_another_replica_reach_the_session_for_its_key_only() {
    let root = tempfile::tempdir().unwrap();
    let (_redis, a, b) = replicas(root.path()).await;
    let opened = a
        .client
        .get(mcp(&a, "/sse"))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    let mut events = opened.bytes_stream().eventsource();
    let mut next = async || {
        tokio::time::timeout(DEADLINE, events.next())
            .await
            .expect("an event within the deadline")
            .expect("the session stream goes on")
            .expect("a well-formed event")
    };
    let endpoint = next().await;
    assert_eq!(endpoint.event, "endpoint");
    let path = endpoint.data;

    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2024-11-05", "capabilities": {},
        "clientInfo": {"name": "replica-test", "version": "1"}}});
    assert_eq!(post(&b, &path, ALICE, &initialize).await.status(), 202);
    let answer: Value = serde_json::from_str(&next().await.data).unwrap();
    assert_eq!(answer["id"], 1, "{answer}");
    assert!(answer["result"]["serverInfo"].is_object(), "{answer}");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(&b, &path, ALICE, &initialized).await.status(), 202);

    // Another key is told the session does not exist, as on the replica holding it.
    let intruder = json!({"jsonrpc": "2.0", "id": 99, "method": "ping"});
    assert_eq!(post(&b, &path, BOB, &intruder).await.status(), 404);
    assert_eq!(post(&a, &path, BOB, &intruder).await.status(), 404);
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    assert_eq!(post(&b, &path, ALICE, &list).await.status(), 202);
    let tools: Value = serde_json::from_str(&next().await.data).unwrap();
    assert_eq!(
        tools["id"], 2,
        "only the owner's message is answered: {tools}"
    );
    assert_eq!(tools["result"]["tools"].as_array().unwrap().len(), 13);

    // A session no replica holds is unknown everywhere; a bad body is refused.
    let unknown = format!("/messages?sessionId={}", uuid_like(&path));
    assert_eq!(post(&b, &unknown, ALICE, &list).await.status(), 404);
    let bad = b
        .client
        .post(mcp(&b, &path))
        .bearer_auth(ALICE)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // The session ends with its stream, so the stop does not wait on it.
    drop(events);
    a.stop(Signal::SIGTERM).await;
    b.stop(Signal::SIGTERM).await;
}

/// The same replica prefix with another session part.
fn uuid_like(path: &str) -> String {
    let id = path.split("sessionId=").nth(1).unwrap();
    let (replica, _) = id.split_once('.').expect("the id names its replica");
    format!("{replica}.00000000000000000000000000000000")
}

#[tokio::test]
async fn streamable_http_without_sessions_works_on_any_replica() {
    let root = tempfile::tempdir().unwrap();
    let (_redis, a, b) = replicas(root.path()).await;
    // The 2026-07-28 revision: every request says who it is, no session.
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
    "params": {"name": "list_available_agents", "arguments": {}, "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }}});
    for replica in [&a, &b, &a] {
        let r = replica
            .client
            .post(mcp(replica, "/mcp"))
            .bearer_auth(ALICE)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "list_available_agents")
            .json(&call)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("CodeReviewer_Agent"), "{body}");
    }

    // A session opened on one replica is not known to the other: hence stickiness.
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "replica-test", "version": "1"}}});
    let opened = post(&a, "/mcp", ALICE, &initialize).await;
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let elsewhere = b
        .client
        .post(mcp(&b, "/mcp"))
        .bearer_auth(ALICE)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
    a.stop(Signal::SIGTERM).await;
    b.stop(Signal::SIGTERM).await;
}
