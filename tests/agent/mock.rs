//! A scripted OpenAI-compatible Chat Completions server: each request takes
//! the next reply of its script, and every request is recorded.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::Notify;

/// What the mock answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A 200 event stream with these `data:` payloads.
    Sse(Vec<String>),
    /// A 200 event stream with this exact body.
    Raw(String),
    /// An error status with an OpenAI-style error body.
    Status {
        code: u16,
        retry_after: Option<&'static str>,
        message: &'static str,
    },
    /// A 200 stream that sends a token, then one more every few milliseconds,
    /// forever; the mock notices when the client drops it.
    Slow,
}

/// A tool call to script: id, function name, argument fragments.
pub struct Call(pub &'static str, pub &'static str, pub Vec<&'static str>);

fn content_chunk(text: &str) -> String {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk",
           "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]})
    .to_string()
}

fn tail(finish: &str, prompt_tokens: u64) -> Vec<String> {
    vec![
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}).to_string(),
        json!({"choices": [], "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 5, "total_tokens": prompt_tokens + 5}}).to_string(),
        "[DONE]".to_string(),
    ]
}

impl Reply {
    /// An answer streamed in these pieces.
    pub fn text(pieces: &[&str]) -> Reply {
        let mut data = vec![
            json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
                .to_string(),
        ];
        data.extend(pieces.iter().map(|p| content_chunk(p)));
        data.extend(tail("stop", 11));
        Reply::Sse(data)
    }

    /// Tool calls, each call's arguments streamed fragment by fragment.
    pub fn calls(calls: Vec<Call>) -> Reply {
        let mut data = Vec::new();
        for (index, Call(id, name, fragments)) in calls.into_iter().enumerate() {
            data.push(
                json!({"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [
                    {"index": index, "id": id, "type": "function",
                     "function": {"name": name, "arguments": ""}}]}}]})
                .to_string(),
            );
            for fragment in fragments {
                data.push(
                    json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                        {"index": index, "function": {"arguments": fragment}}]}}]})
                    .to_string(),
                );
            }
        }
        data.extend(tail("tool_calls", 20));
        Reply::Sse(data)
    }

    /// One tool call with its arguments in one piece.
    pub fn call(id: &'static str, name: &'static str, arguments: &'static str) -> Reply {
        Reply::calls(vec![Call(id, name, vec![arguments])])
    }
}

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The client's address: one per connection.
    pub peer: SocketAddr,
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct MockState {
    script: Mutex<VecDeque<Reply>>,
    /// Answers every request once the script is used up.
    repeat: Mutex<Option<Reply>>,
    requests: Mutex<Vec<Recorded>>,
    dropped: Notify,
}

/// A running mock; it stops with the test's runtime.
pub struct Mock {
    /// The base URL to configure as `llm.base_url`.
    pub base_url: String,
    state: Arc<MockState>,
}

impl Mock {
    pub async fn start(script: Vec<Reply>) -> Mock {
        let state = Arc::new(MockState::default());
        *state.script.lock().unwrap() = script.into();
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Mock {
            base_url: format!("http://{addr}/v1"),
            state,
        }
    }

    /// After the script, answer every request with `reply`.
    pub fn then_always(self, reply: Reply) -> Mock {
        *self.state.repeat.lock().unwrap() = Some(reply);
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Waits until a slow stream has been dropped by its client.
    pub async fn dropped(&self) {
        self.state.dropped.notified().await
    }
}

async fn complete(
    State(state): State<Arc<MockState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    state.requests.lock().unwrap().push(Recorded {
        peer,
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body,
    });
    let next = state.script.lock().unwrap().pop_front();
    let reply = next.or_else(|| state.repeat.lock().unwrap().clone());
    let Some(reply) = reply else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": {"message": "mock script exhausted"}})),
        )
            .into_response();
    };
    match reply {
        Reply::Sse(data) => {
            let text: String = data.iter().map(|d| format!("data: {d}\n\n")).collect();
            sse(Body::from(text))
        }
        Reply::Raw(text) => sse(Body::from(text)),
        Reply::Status {
            code,
            retry_after,
            message,
        } => {
            let mut response = (
                StatusCode::from_u16(code).unwrap(),
                axum::Json(json!({"error": {"message": message, "type": "mock"}})),
            )
                .into_response();
            if let Some(value) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", value.parse().unwrap());
            }
            response
        }
        Reply::Slow => sse(Body::from_stream(slow_stream(state.clone()))),
    }
}

fn sse(body: Body) -> Response {
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(body)
        .unwrap()
}

/// Signals the mock when the stream is dropped, i.e. the client went away.
struct DropSignal(Arc<MockState>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        self.0.dropped.notify_one();
    }
}

fn slow_stream(
    state: Arc<MockState>,
) -> impl futures::Stream<Item = Result<String, Infallible>> + Send {
    // The periodic writes are what lets the server see a closed connection
    // (a write to it fails), not a timing assumption of the test.
    let ticker = tokio::time::interval(Duration::from_millis(20));
    futures::stream::unfold(
        (DropSignal(state), ticker, true),
        |(guard, mut ticker, first)| async move {
            ticker.tick().await;
            let piece = if first { "thinking" } else { "." };
            Some((
                Ok(format!("data: {}\n\n", content_chunk(piece))),
                (guard, ticker, false),
            ))
        },
    )
}
