//! Test helpers of the REST suite over the shared harness (`tests/common/app.rs`):
//! requests, SSE streams (always under a deadline), the double's argv log and /proc.

#![allow(dead_code)]

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde_json::Value;

pub use crate::app::*;
use conductor_gateway::config::Settings;

/// A gateway under test.
pub type TestApp = Gateway;

/// Starts the gateway with default test settings.
pub async fn spawn_app() -> TestApp {
    gateway().start().await
}

/// Starts the gateway after `tweak` adjusts the test settings.
pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    gateway().settings(tweak).start().await
}

/// One SSE message as a client sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sse {
    pub id: String,
    pub event_field: String,
    pub data: Value,
}

impl Sse {
    pub fn name(&self) -> &str {
        self.data["event"].as_str().unwrap_or("")
    }
}

impl Gateway {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.post(path, body).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Calls a tool through the REST API.
    pub async fn tool(&self, name: &str, args: Value) -> (u16, Value) {
        self.post_json(&format!("/api/v1/tools/{name}"), args).await
    }

    /// Starts a job and returns its id.
    pub async fn start_job(&self, payload: Value) -> String {
        let (status, body) = self.post_json("/api/v1/stream-execute", payload).await;
        assert_eq!(status, 200, "{body}");
        body["job_id"].as_str().expect("job_id").to_string()
    }

    /// Opens a job's stream (optionally resuming after `last_event_id`).
    pub async fn open_stream(&self, job_id: &str, last_event_id: Option<u64>) -> reqwest::Response {
        let mut req = self
            .client
            .get(self.url(&format!("/api/v1/stream/{job_id}")));
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        req.send().await.expect("stream")
    }

    /// Reads a whole stream to its end (the server closes after end_of_stream).
    pub async fn read_stream(&self, job_id: &str, last_event_id: Option<u64>) -> Vec<Sse> {
        let response = self.open_stream(job_id, last_event_id).await;
        assert_eq!(response.status(), 200);
        collect_events(response, usize::MAX).await
    }

    /// Reads events until one named `name` arrives; returns all read so far.
    pub async fn wait_for_event(&self, job_id: &str, name: &str) -> Vec<Sse> {
        let response = self.open_stream(job_id, None).await;
        let mut events = response.bytes_stream().eventsource();
        let mut seen = Vec::new();
        tokio::time::timeout(DEADLINE, async {
            while let Some(Ok(e)) = events.next().await {
                let sse = to_sse(e);
                let done = sse.name() == name;
                seen.push(sse);
                if done {
                    return;
                }
            }
            panic!("stream ended before {name}: {seen:?}");
        })
        .await
        .unwrap_or_else(|_| panic!("no {name} event within the deadline"));
        seen
    }

    /// The argv of every CLI double run so far (program name excluded).
    pub fn invocations(&self) -> Vec<Vec<String>> {
        invocations(&self.log)
    }

    /// Every pid the double logged (its own and its children's).
    pub fn logged_pids(&self) -> Vec<i32> {
        read_log(&self.log)
            .into_iter()
            .flat_map(|v| [v.get("pid").cloned(), v.get("child_pid").cloned()])
            .flatten()
            .filter_map(|p| p.as_i64())
            .map(|p| p as i32)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// Waits until the double has logged a child pid (hang mode).
    pub async fn wait_for_child_pid(&self) -> (i32, i32) {
        tokio::time::timeout(DEADLINE, async {
            loop {
                let found = read_log(&self.log).into_iter().find_map(|v| {
                    Some((
                        v.get("pid")?.as_i64()? as i32,
                        v.get("child_pid")?.as_i64()? as i32,
                    ))
                });
                if let Some(pids) = found {
                    return pids;
                }
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the double logs its child pid")
    }
}

pub async fn collect_events(response: reqwest::Response, max: usize) -> Vec<Sse> {
    let mut events = response.bytes_stream().eventsource();
    let mut out = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        while out.len() < max {
            match events.next().await {
                Some(Ok(e)) => out.push(to_sse(e)),
                Some(Err(e)) => panic!("SSE error: {e}"),
                None => break,
            }
        }
    })
    .await
    .expect("the stream ends within the deadline");
    out
}

fn to_sse(e: eventsource_stream::Event) -> Sse {
    Sse {
        id: e.id,
        event_field: e.event,
        data: serde_json::from_str(&e.data).expect("data is JSON"),
    }
}

/// The argv of every run the CLI double logged to `path` (program name excluded).
pub fn invocations(path: &std::path::Path) -> Vec<Vec<String>> {
    read_log(path)
        .into_iter()
        .filter_map(|v| v.get("argv").cloned())
        .map(|argv| serde_json::from_value(argv).expect("argv is a list of strings"))
        .collect()
}

/// The CLI double's log: one JSON object per line.
pub fn read_log(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// A process is gone when /proc has no entry or only a zombie remains.
pub fn process_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.trim_start().starts_with('Z'))
            .unwrap_or(true),
    }
}

/// Waits (bounded) until every pid is gone; kills happen asynchronously to the reaping.
pub async fn assert_all_gone(pids: &[i32]) {
    let gone = tokio::time::timeout(DEADLINE, async {
        while !pids.iter().all(|p| process_gone(*p)) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let alive: Vec<_> = pids.iter().filter(|p| !process_gone(**p)).collect();
    assert!(
        gone.is_ok() && alive.is_empty(),
        "processes still alive: {alive:?}"
    );
}
