//! Starting the real gateway against the mock model and a shell-script CLI,
//! and talking to it like a client: HTTP for commands, SSE for events.

use conductor_gateway::config::Settings;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde_json::{Value, json};

use super::mock::Mock;
pub use crate::app::*;

/// A fake conductor CLI that echoes its arguments.
pub fn echo_cli() -> Vec<String> {
    shell_cli(r#"echo "ran $*""#)
}

/// A CLI double written as a shell script; its arguments are `$@`.
pub fn shell_cli(script: &str) -> Vec<String> {
    ["/bin/sh", "-c", script, "sh"].map(String::from).to_vec()
}

/// A gateway under test.
pub type TestApp = Gateway;

/// The gateway on a free port, with the LLM pointed at `mock` (none: no LLM).
pub async fn spawn_app(mock: Option<&Mock>, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let mut builder = gateway().cli(echo_cli());
    if let Some(mock) = mock {
        builder = builder.llm(&mock.base_url);
    }
    builder.settings(configure).start().await
}

impl Gateway {
    /// Starts a job for plain text and returns its id.
    pub async fn start(&self, text: &str) -> String {
        self.start_payload(json!({ "textEntries": [{ "content": text, "type": "text" }] }))
            .await
    }

    pub async fn start_payload(&self, payload: Value) -> String {
        let response = tokio::time::timeout(
            DEADLINE,
            self.client
                .post(format!("{}/api/v1/stream-execute", self.base))
                .json(&payload)
                .send(),
        )
        .await
        .expect("stream-execute answers in time")
        .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["job_id"].as_str().unwrap().to_string()
    }

    /// The job's SSE stream, event by event.
    pub async fn subscribe(&self, job_id: &str) -> Events {
        let response = tokio::time::timeout(
            DEADLINE,
            self.client
                .get(format!("{}/api/v1/stream/{job_id}", self.base))
                .send(),
        )
        .await
        .expect("the stream opens in time")
        .unwrap();
        assert_eq!(response.status(), 200);
        Events {
            inner: Box::pin(response.bytes_stream().eventsource()),
        }
    }

    /// Runs plain text as a job and returns all its events.
    pub async fn run(&self, text: &str) -> Vec<Value> {
        let id = self.start(text).await;
        self.subscribe(&id).await.rest().await
    }

    pub async fn execute(&self, payload: Value) -> (u16, Value) {
        let response = tokio::time::timeout(
            DEADLINE,
            self.client
                .post(format!("{}/execute", self.base))
                .json(&payload)
                .send(),
        )
        .await
        .expect("/execute answers in time")
        .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn cancel(&self, job_id: &str) -> (u16, Value) {
        let response = tokio::time::timeout(
            DEADLINE,
            self.client
                .post(format!("{}/api/v1/jobs/{job_id}/cancel", self.base))
                .send(),
        )
        .await
        .expect("cancel answers in time")
        .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

type Inner = std::pin::Pin<
    Box<
        dyn futures::Stream<
                Item = Result<
                    eventsource_stream::Event,
                    eventsource_stream::EventStreamError<reqwest::Error>,
                >,
            > + Send,
    >,
>;

/// A job's event stream.
pub struct Events {
    inner: Inner,
}

impl Events {
    /// The next event (`None` when the server closed the stream).
    pub async fn next(&mut self) -> Option<Value> {
        let event = tokio::time::timeout(DEADLINE, self.inner.next())
            .await
            .expect("an event arrives in time")?
            .expect("a well-formed SSE event");
        assert!(
            event.event == "message",
            "the contract forbids the SSE event field, got {}",
            event.event
        );
        Some(serde_json::from_str(&event.data).expect("event data is JSON"))
    }

    /// Events up to and including the first one called `name`.
    pub async fn until(&mut self, name: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        while let Some(event) = self.next().await {
            let done = event["event"] == name;
            seen.push(event);
            if done {
                return seen;
            }
        }
        panic!("the stream ended before {name}: {seen:#?}");
    }

    /// Everything up to `end_of_stream`, which must be the last event.
    pub async fn rest(&mut self) -> Vec<Value> {
        let events = self.until("end_of_stream").await;
        assert!(self.next().await.is_none(), "nothing after end_of_stream");
        events
    }
}

/// The events' names, in order.
pub fn names(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

/// The events called `name`.
pub fn named<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == name).collect()
}

/// The job's result text; panics with the events if it failed.
pub fn result(events: &[Value]) -> &str {
    match named(events, "result").first() {
        Some(e) => e["data"]["result"].as_str().unwrap(),
        None => panic!("no result: {events:#?}"),
    }
}

/// The job's error text; panics with the events if it succeeded.
pub fn error(events: &[Value]) -> &str {
    match named(events, "error").first() {
        Some(e) => e["data"]["error"].as_str().unwrap(),
        None => panic!("no error: {events:#?}"),
    }
}
