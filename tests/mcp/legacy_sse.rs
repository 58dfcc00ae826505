//! The legacy HTTP+SSE transport (`GET /sse`, `POST /messages`) with a small
//! hand-written client, as the old service's clients use it.

use std::pin::Pin;

use eventsource_stream::{Event, Eventsource};
use futures::{Stream, StreamExt};
use serde_json::{Value, json};

use crate::helpers::*;

type Events = Pin<Box<dyn Stream<Item = Result<Event, String>> + Send>>;

/// One legacy session: the event stream and the endpoint it announced.
struct SseClient {
    http: reqwest::Client,
    events: Events,
    endpoint: String,
    /// Notifications read while waiting for responses.
    notifications: Vec<Value>,
}

impl SseClient {
    async fn connect(app: &TestApp) -> Self {
        // No overall timeout on this client: the stream lives as long as the session.
        let http = reqwest::Client::new();
        let response = within(
            "GET /sse",
            http.get(app.mcp_url("/sse"))
                .header("accept", "text/event-stream")
                .send(),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        let mut events: Events = Box::pin(
            response
                .bytes_stream()
                .eventsource()
                .map(|e| e.map_err(|e| e.to_string())),
        );
        let first = within("the endpoint event", events.next())
            .await
            .expect("an event")
            .expect("a well-formed event");
        assert_eq!(first.event, "endpoint");
        assert!(
            first.data.starts_with("/messages?sessionId="),
            "{}",
            first.data
        );
        SseClient {
            http,
            events,
            endpoint: app.mcp_url(&first.data),
            notifications: Vec::new(),
        }
    }

    async fn post(&self, message: &Value) -> reqwest::StatusCode {
        within(
            "POST /messages",
            self.http.post(&self.endpoint).json(message).send(),
        )
        .await
        .unwrap()
        .status()
    }

    /// The next `event: message`, as JSON.
    async fn next_message(&mut self) -> Value {
        loop {
            let event = within("an SSE message", self.events.next())
                .await
                .expect("the stream is open")
                .expect("a well-formed event");
            if event.event == "message" {
                return serde_json::from_str(&event.data).expect("JSON-RPC in the data");
            }
        }
    }

    /// Sends a request and waits for its response, keeping notifications seen on the way.
    async fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        let status = self
            .post(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        assert_eq!(status, 202, "{method}");
        loop {
            let message = self.next_message().await;
            if message["id"] == id {
                return message;
            }
            self.notifications.push(message);
        }
    }

    async fn initialize(&mut self) -> Value {
        let init = self
            .request(
                1,
                "initialize",
                json!({"protocolVersion": "2024-11-05", "capabilities": {},
                       "clientInfo": {"name": "legacy-test", "version": "1"}}),
            )
            .await;
        assert_eq!(
            self.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
                .await,
            202
        );
        init
    }
}

#[tokio::test]
async fn legacy_sse_initializes_lists_and_calls_with_progress() {
    let app = spawn_with(|s| {
        double_mode(s, "drip", 100);
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_DRIP_LINES".into(), "2".into());
    })
    .await;
    let mut client = SseClient::connect(&app).await;
    let init = client.initialize().await;
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05");
    assert_eq!(init["result"]["serverInfo"]["name"], "ConductorAdvancedMCP");
    assert!(init["result"]["instructions"].as_str().is_some());

    let list = client.request(2, "tools/list", json!({})).await;
    let tools = list["result"]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 13);
    assert!(tools.iter().all(|t| t["inputSchema"]["type"] == "object"
        && t["outputSchema"]["type"] == "object"
        && t["description"].as_str().is_some_and(|d| !d.is_empty())));

    let call = client
        .request(
            3,
            "tools/call",
            json!({"name": "get_agent_info", "arguments": {"agent_id": "CodeReviewer_Agent"},
                   "_meta": {"progressToken": "legacy-1"}}),
        )
        .await;
    let result = &call["result"];
    assert_eq!(result["isError"], false, "{call}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("CodeReviewer_Agent")
    );
    assert_eq!(result["structuredContent"]["status"], "success");
    let progress: Vec<&Value> = client
        .notifications
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .collect();
    assert!(
        progress
            .iter()
            .any(|p| p["params"]["progressToken"] == "legacy-1"
                && p["params"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("linha 1"))),
        "a progress notification for the first line: {:?}",
        client.notifications
    );
    assert_eq!(
        app.argvs(),
        vec![vec!["--info".to_string(), "CodeReviewer_Agent".to_string()]]
    );

    let bad = client
        .request(
            4,
            "tools/call",
            json!({"name": "get_agent_info", "arguments": {}}),
        )
        .await;
    assert_eq!(bad["result"]["isError"], true);
    assert!(
        bad["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("agent_id")
    );
}

#[tokio::test]
async fn legacy_sse_runs_every_tool() {
    let app = spawn_app().await;
    let mut client = SseClient::connect(&app).await;
    client.initialize().await;
    let list = client.request(2, "tools/list", json!({})).await;
    let tools: Vec<rmcp::model::Tool> =
        serde_json::from_value(list["result"]["tools"].clone()).expect("MCP tools");
    let mut id = 100;
    every_tool(&app.log, &tools, async |name, arguments| {
        id += 1;
        let response = client
            .request(
                id,
                "tools/call",
                json!({"name": name, "arguments": arguments}),
            )
            .await;
        serde_json::from_value(response["result"].clone()).expect("a CallToolResult")
    })
    .await;
}

#[tokio::test]
async fn legacy_sse_cancel_and_dropped_stream_kill_process_trees() {
    let app = spawn_with(|s| double_mode(s, "hang", 0)).await;
    let mut client = SseClient::connect(&app).await;
    client.initialize().await;

    // notifications/cancelled stops the call.
    let call = json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call",
                      "params": {"name": "validate_conductor_system", "arguments": {}}});
    assert_eq!(client.post(&call).await, 202);
    let first = pids(&app.hung(1).await);
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                        "params": {"requestId": 10, "reason": "test"}});
    assert_eq!(client.post(&cancel).await, 202);
    all_gone(&first).await;

    // Dropping the stream ends the session and its running call.
    let call = json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call",
                      "params": {"name": "list_available_agents", "arguments": {}}});
    assert_eq!(client.post(&call).await, 202);
    let hung = app.hung(2).await;
    let second = pids(&hung[1..]);
    let endpoint = client.endpoint.clone();
    drop(client);
    all_gone(&second).await;

    // The session went with its stream (its Drop removed it before cancelling the call).
    let response = within(
        "POST to the closed session",
        app.client.post(&endpoint).json(&call).send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn legacy_messages_need_a_known_session_and_json() {
    let app = spawn_app().await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let unknown = within(
        "POST",
        app.client
            .post(app.mcp_url("/messages?sessionId=nope"))
            .json(&ping)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(unknown.status(), 404);
    let missing = within(
        "POST",
        app.client.post(app.mcp_url("/messages")).json(&ping).send(),
    )
    .await
    .unwrap();
    assert_eq!(missing.status(), 400);
    let client = SseClient::connect(&app).await;
    let garbage = within(
        "POST",
        client.http.post(&client.endpoint).body("not json").send(),
    )
    .await
    .unwrap();
    assert_eq!(garbage.status(), 400);
}
