//! A small stand-in gateway for what the real one cannot be made to do on cue: a stream that
//! drops mid-job, and approval requests. One job, whose events the test scripts; the stream
//! honours `Last-Event-ID` (or, on request, ignores it), and every connection's header and
//! every approval answer are recorded for the test to check.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::stream::{self, Stream};
use serde_json::{Value, json};
use tokio::sync::watch;

pub const JOB: &str = "job_standin";
pub const CALL: &str = "call_1";

/// How the stand-in behaves.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// The first stream connection is closed after this many events.
    pub cut_first_after: Option<usize>,
    /// Every connection after the first answers 503 (the stream never comes back).
    pub down_after_first: bool,
    /// Reconnections replay from the start, whatever `Last-Event-ID` says.
    pub ignore_last_event_id: bool,
}

#[derive(Default)]
struct Log {
    events: Vec<String>,
    state: String,
    /// `Last-Event-ID` of each stream connection, in order.
    connections: Vec<Option<String>>,
    /// `(call_id, body)` of each approval answer.
    answers: Vec<(String, Value)>,
    cancels: usize,
}

#[derive(Clone)]
struct Shared {
    log: Arc<Mutex<Log>>,
    /// The number of events so far; streams wait on it.
    count: watch::Sender<usize>,
    behaviour: Behaviour,
}

pub struct StandIn {
    pub base: String,
    shared: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl StandIn {
    pub async fn start(behaviour: Behaviour) -> StandIn {
        let shared = Shared {
            log: Arc::new(Mutex::new(Log {
                state: "running".into(),
                ..Log::default()
            })),
            count: watch::channel(0).0,
            behaviour,
        };
        let app = Router::new()
            .route("/api/v1/stream-execute", post(start))
            .route("/api/v1/stream/{job_id}", get(stream_job))
            .route("/api/v1/jobs", get(list))
            .route("/api/v1/jobs/{job_id}", get(job))
            .route("/api/v1/jobs/{job_id}/cancel", post(cancel))
            .route("/api/v1/jobs/{job_id}/approvals/{call_id}", post(approve))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn {
            base,
            shared,
            server,
        }
    }

    /// Appends an event to the job's log.
    pub fn push(&self, name: &str, data: Value) {
        push(&self.shared, name, data);
    }

    /// Sets the state `GET /api/v1/jobs/{id}` reports.
    pub fn set_state(&self, state: &str) {
        lock(&self.shared).state = state.into();
    }

    /// Ends the job: `end_of_stream` with `state`.
    pub fn finish(&self, state: &str) {
        finish(&self.shared, state);
    }

    /// Resolves the pending approval as if someone else (a web console) had answered.
    pub fn resolve_elsewhere(&self, approve: bool) {
        resolve(&self.shared, approve, "web");
    }

    pub fn connections(&self) -> Vec<Option<String>> {
        lock(&self.shared).connections.clone()
    }

    pub fn answers(&self) -> Vec<(String, Value)> {
        lock(&self.shared).answers.clone()
    }

    /// The script of an approval: started, then waiting for an answer about `backup_agents`.
    pub fn script_approval(&self) {
        self.push(
            "job_started",
            json!({"message": "Job started: back up", "kind": "text"}),
        );
        self.set_state("awaiting_approval");
        self.push(
            "status_update",
            json!({"state": "awaiting_approval", "message": "waiting for approval"}),
        );
        self.push(
            "approval_required",
            json!({"call_id": CALL, "tool": "backup_agents",
                   "arguments": {"backup_path": "/srv/backups/today"}, "timeout_secs": 300}),
        );
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Log> {
    shared.log.lock().expect("the stand-in's lock")
}

fn push(shared: &Shared, name: &str, data: Value) {
    let count = {
        let mut log = lock(shared);
        let body = json!({"event": name, "data": data, "timestamp": 1.0e9, "job_id": JOB});
        log.events.push(body.to_string());
        log.events.len()
    };
    shared.count.send_replace(count);
}

fn finish(shared: &Shared, state: &str) {
    lock(shared).state = state.into();
    push(
        shared,
        "end_of_stream",
        json!({"state": state, "message": "stream ended"}),
    );
}

/// After an answer: `approval_resolved`, then success (approved) or failure (denied).
fn resolve(shared: &Shared, approve: bool, by: &str) {
    push(
        shared,
        "approval_resolved",
        json!({"call_id": CALL, "approved": approve, "by": by}),
    );
    if approve {
        push(
            shared,
            "on_tool_start",
            json!({"tool": "backup_agents", "input": {}}),
        );
        push(
            shared,
            "on_tool_end",
            json!({"tool": "backup_agents", "status": "success"}),
        );
        push(shared, "result", json!({"result": "backed up 5 agents"}));
        finish(shared, "succeeded");
    } else {
        push(
            shared,
            "error",
            json!({"error": "backup_agents was not approved", "state": "failed"}),
        );
        finish(shared, "failed");
    }
}

async fn start() -> Json<Value> {
    Json(json!({"job_id": JOB, "status": "started", "stream_url": format!("/api/v1/stream/{JOB}")}))
}

async fn job(State(shared): State<Shared>, Path(job_id): Path<String>) -> Json<Value> {
    let state = lock(&shared).state.clone();
    Json(json!({"job_id": job_id, "state": state}))
}

/// Two jobs as a gateway with owners lists them: one finished, one still running.
async fn list() -> Json<Value> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    Json(json!({
        "jobs": [
            {"job_id": JOB, "state": "running", "owner": "alice", "command": "back up the agents",
             "created_at": now - 5.0, "started_at": now - 5.0, "finished_at": null},
            {"job_id": "job_old", "state": "succeeded", "owner": "bob", "command": "/list",
             "created_at": now - 90.0, "started_at": now - 90.0, "finished_at": now - 88.5},
        ],
        "total": 7, "limit": 2, "offset": 0,
    }))
}

async fn cancel(State(shared): State<Shared>) -> Json<Value> {
    lock(&shared).cancels += 1;
    Json(json!({"job_id": JOB, "state": "cancelled"}))
}

async fn approve(
    State(shared): State<Shared>,
    Path((_job, call_id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    lock(&shared).answers.push((call_id, body.clone()));
    resolve(&shared, body["approve"].as_bool().unwrap_or(false), "cli");
    Json(json!({"ok": true}))
}

async fn stream_job(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let first = {
        let mut log = lock(&shared);
        log.connections.push(last.clone());
        log.connections.len() == 1
    };
    if !first && shared.behaviour.down_after_first {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"detail": "down"})),
        )
            .into_response();
    }
    let start = match (&last, shared.behaviour.ignore_last_event_id) {
        (Some(id), false) => id.parse::<usize>().unwrap_or(0),
        _ => 0,
    };
    let cut = if first {
        shared.behaviour.cut_first_after
    } else {
        None
    };
    Sse::new(events(shared, start, cut)).into_response()
}

/// The job's events from index `start`, waiting for new ones; ends after `end_of_stream`,
/// or after `cut` events.
fn events(
    shared: Shared,
    start: usize,
    cut: Option<usize>,
) -> impl Stream<Item = Result<Event, std::io::Error>> {
    // A short reconnection delay, sent on its own as the real gateway does.
    let retry = Event::default().retry(std::time::Duration::from_millis(20));
    let hint = stream::once(async move { Ok::<_, std::io::Error>(retry) });
    let rest = stream::unfold(
        (shared, start, 0usize, false),
        move |(shared, next, sent, done)| async move {
            if done {
                return None;
            }
            // The body ends without `end_of_stream`, as when a proxy closes an idle stream.
            // (Failing the body instead would abort the connection before hyper has written
            // the events queued ahead of the failure, so the client would see none of them.)
            if cut.is_some_and(|c| sent >= c) {
                return None;
            }
            let mut count = shared.count.subscribe();
            let _ = count.wait_for(|n| *n > next).await;
            let text = lock(&shared).events[next].clone();
            let end = text.contains("\"end_of_stream\"");
            let event = Event::default().id((next + 1).to_string()).data(text);
            Some((Ok(event), (shared, next + 1, sent + 1, end)))
        },
    );
    futures::StreamExt::chain(hint, rest)
}
