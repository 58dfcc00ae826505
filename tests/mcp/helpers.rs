//! Test harness for the MCP tests: `spawn_with` starts the gateway on port 0
//! against the CLI double in a fresh demo workspace; helpers connect the rmcp
//! client, read the double's invocation log and check /proc. Every wait has a
//! deadline.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use conductor_gateway::config::Settings;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, JsonObject, ProgressNotificationParam, Tool,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::Value;
use tokio::sync::mpsc;

pub use crate::app::*;

/// A gateway under test, with its MCP listener.
pub type TestApp = Gateway;

impl Gateway {
    /// Connects the rmcp client over Streamable HTTP (protocol with `initialize`, sessions).
    pub async fn client(&self) -> (Client, mpsc::UnboundedReceiver<ProgressNotificationParam>) {
        let (handler, progress) = TestClient::new();
        let transport = StreamableHttpClientTransport::from_uri(self.mcp_url("/mcp"));
        let client = within("initialize", handler.serve(transport))
            .await
            .expect("the client initializes");
        (client, progress)
    }

    /// Invocations the double logged so far (lines with `argv`).
    pub fn invocations(&self) -> Vec<Value> {
        log_entries(&self.log)
            .into_iter()
            .filter(|e| e.get("argv").is_some())
            .collect()
    }

    /// The argv of every invocation so far.
    pub fn argvs(&self) -> Vec<Vec<String>> {
        self.invocations()
            .iter()
            .map(|e| {
                e["argv"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect()
            })
            .collect()
    }

    /// Waits until `n` hanging doubles reported themselves; their (pid, child_pid).
    pub async fn hung(&self, n: usize) -> Vec<(i32, i32)> {
        let log = self.log.clone();
        eventually(&format!("{n} hanging doubles"), move || {
            let hung: Vec<(i32, i32)> = log_entries(&log)
                .iter()
                .filter_map(|e| {
                    Some((
                        e.get("pid")?.as_i64()? as i32,
                        e.get("child_pid")?.as_i64()? as i32,
                    ))
                })
                .collect();
            (hung.len() >= n).then_some(hung)
        })
        .await
    }
}

/// The double's misbehaviour mode for every run of this app.
pub fn double_mode(settings: &mut Settings, mode: &str, delay_ms: u64) {
    let env = &mut settings.conductor.env;
    env.insert("CONDUCTOR_DOUBLE_MODE".into(), mode.into());
    env.insert("CONDUCTOR_DOUBLE_DELAY_MS".into(), delay_ms.to_string());
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Starts the gateway (with MCP) after `tweak` adjusts the test settings.
pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    gateway()
        .mcp()
        .settings(|s| {
            s.server.shutdown_grace_secs = 2;
            s.mcp.progress_interval_ms = 50;
            tweak(s);
        })
        .start()
        .await
}

/// The rmcp client's handler: forwards progress notifications to the test.
pub struct TestClient {
    progress: mpsc::UnboundedSender<ProgressNotificationParam>,
}

pub type Client = RunningService<RoleClient, TestClient>;

impl TestClient {
    pub fn new() -> (Self, mpsc::UnboundedReceiver<ProgressNotificationParam>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { progress: tx }, rx)
    }
}

impl ClientHandler for TestClient {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let _ = self.progress.send(params);
    }
}

/// `future` under the test deadline, with a message naming what was awaited.
pub async fn within<F: std::future::Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(DEADLINE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Polls `check` until it yields a value; for state outside the process
/// (files the double writes, /proc) that has no event to await.
pub async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    within(what, async {
        loop {
            if let Some(value) = check() {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

pub fn log_entries(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Whether `pid` is a live process; zombies (state `Z`) count as gone.
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name, which may hold spaces.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z"),
        Err(_) => false,
    }
}

/// Waits until every pid is gone.
pub async fn all_gone(pids: &[i32]) {
    let pids = pids.to_vec();
    eventually(&format!("processes {pids:?} to die"), || {
        pids.iter().all(|p| !alive(*p)).then_some(())
    })
    .await
}

/// The pids of `hung` (each double and its SIGTERM-proof child).
pub fn pids(hung: &[(i32, i32)]) -> Vec<i32> {
    hung.iter().flat_map(|(p, c)| [*p, *c]).collect()
}

pub fn args(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        other => panic!("arguments must be an object, not {other}"),
    }
}

/// Calls a tool over rmcp, under the deadline.
pub async fn call(client: &Client, name: &str, arguments: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(name.to_string()).with_arguments(args(arguments));
    within(&format!("tools/call {name}"), client.call_tool(params))
        .await
        .unwrap_or_else(|e| panic!("tools/call {name} failed: {e}"))
}

/// The text of a result's first (only) content block.
pub fn text(result: &CallToolResult) -> String {
    assert_eq!(result.content.len(), 1, "one text block: {result:?}");
    result.content[0]
        .as_text()
        .map(|t| t.text.clone())
        .expect("text content")
}

/// `structuredContent` exists, matches `isError`, and only uses properties the output schema names.
pub fn assert_conforms(tool: &Tool, result: &CallToolResult) {
    let structured = result
        .structured_content
        .as_ref()
        .unwrap_or_else(|| panic!("{}: no structuredContent", tool.name));
    let schema = tool.output_schema.as_ref().expect("output schema");
    let properties = schema["properties"].as_object().unwrap();
    let object = structured
        .as_object()
        .expect("structured content is an object");
    for key in object.keys() {
        assert!(
            properties.contains_key(key),
            "{}: `{key}` is not in the output schema",
            tool.name
        );
    }
    let is_error = result.is_error == Some(true);
    assert_eq!(
        object["status"],
        if is_error { "error" } else { "success" },
        "{}: status vs isError in {structured}",
        tool.name
    );
}

/// A JSON-RPC `initialize` request for `version`.
pub fn initialize_request(version: &str) -> Value {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "1.0.0"}
        }
    })
}

/// A raw Streamable HTTP POST to `/mcp` (Accept and Content-Type as the spec asks).
pub fn post_mcp(app: &TestApp, session: Option<&str>, body: &Value) -> reqwest::RequestBuilder {
    let mut request = app
        .client
        .post(app.mcp_url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(body);
    if let Some(id) = session {
        request = request.header("mcp-session-id", id);
    }
    request
}

/// The JSON-RPC messages of an SSE (or JSON) response body, read to its end.
pub async fn messages(response: reqwest::Response) -> Vec<Value> {
    let is_json = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let body = within("the response body", response.text())
        .await
        .expect("body");
    if is_json {
        return vec![serde_json::from_str(&body).expect("a JSON body")];
    }
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str(d.trim()).ok())
        .collect()
}

/// Initializes a raw session at `version`; its id and the initialize result.
pub async fn raw_session(app: &TestApp, version: &str) -> (String, Value) {
    let response = within(
        "initialize",
        post_mcp(app, None, &initialize_request(version)).send(),
    )
    .await
    .expect("initialize");
    assert_eq!(response.status(), 200);
    let session = response
        .headers()
        .get("mcp-session-id")
        .expect("a session id")
        .to_str()
        .unwrap()
        .to_string();
    let result = messages(response)
        .await
        .into_iter()
        .find(|m| m["id"] == 1)
        .expect("the initialize response");
    let initialized = serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let ack = within(
        "initialized",
        post_mcp(app, Some(&session), &initialized)
            .header("mcp-protocol-version", version)
            .send(),
    )
    .await
    .expect("initialized");
    assert_eq!(ack.status(), 202);
    (session, result)
}

pub use crate::every_tool::every_tool;
