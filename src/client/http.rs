//! Talking to a gateway: one method per request the client makes, and `ClientError`, what can
//! go wrong on the way (the gateway's `{"detail": ...}` kept as its message).

use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode, Url};
use serde_json::{Value, json};

use crate::config::Secret;

/// Why a client command could not do its work. Every variant exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The gateway answered with a non-2xx status; `detail` is its `{"detail": ...}`.
    #[error("the gateway answered {status} {}: {detail}", reason(*.status))]
    Status { status: u16, detail: String },
    #[error("cannot reach the gateway at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("unexpected answer from the gateway: {0}")]
    Protocol(String),
    #[error("{0}")]
    Usage(String),
    #[error(
        "lost the stream of {job_id} after {attempts} attempts ({reason}); \
         follow it again with: conductor-gateway tail {job_id}"
    )]
    StreamLost {
        job_id: String,
        attempts: u32,
        reason: String,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ClientError {
    /// Whether trying again later may help (the stream reconnects on these).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Connect { .. } => true,
            ClientError::Status { status, .. } => {
                *status == 429 || *status == 408 || (500..600).contains(status)
            }
            _ => false,
        }
    }
}

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Silence after which an open stream counts as dead. The gateway sends a keep-alive comment
/// every `jobs.keepalive_secs` (15 s by default), so this only fires on a dead connection.
const STREAM_READ_TIMEOUT: Duration = Duration::from_secs(90);

/// A gateway at one base URL, with an optional API key.
#[derive(Clone)]
pub struct Gateway {
    base: Url,
    key: Option<Secret>,
    http: reqwest::Client,
    stream_http: reqwest::Client,
}

impl Gateway {
    pub fn new(url: &str, key: Option<Secret>) -> Result<Self, ClientError> {
        let base = Url::parse(url)
            .map_err(|e| ClientError::Usage(format!("--url {url} is not a URL ({e})")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ClientError::Usage(format!(
                "--url {url} must be an http:// or https:// URL"
            )));
        }
        // reqwest is built without a default TLS provider (the gateway picks ring).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let build = |read_timeout: Option<Duration>| {
            let mut builder = reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .user_agent(concat!(
                    "conductor-gateway-client/",
                    env!("CARGO_PKG_VERSION")
                ));
            if let Some(timeout) = read_timeout {
                builder = builder.read_timeout(timeout);
            }
            builder
                .build()
                .map_err(|e| ClientError::Usage(format!("cannot build an HTTP client: {e}")))
        };
        Ok(Self {
            http: build(None)?,
            stream_http: build(Some(STREAM_READ_TIMEOUT))?,
            base,
            key,
        })
    }

    /// The base URL as given (for messages).
    pub fn base(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The URL of `segments` under the base URL, each segment percent-encoded.
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    fn authorized(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.key {
            Some(key) => request.bearer_auth(key.expose()),
            None => request,
        }
    }

    /// Sends a request; a non-2xx answer becomes `ClientError::Status` with the gateway's detail.
    async fn send(&self, request: RequestBuilder) -> Result<Response, ClientError> {
        let response = self
            .authorized(request)
            .send()
            .await
            .map_err(|e| self.connect_error(&e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(status_error(response).await)
    }

    async fn send_json(&self, request: RequestBuilder) -> Result<Value, ClientError> {
        let response = self.send(request).await?;
        response.json().await.map_err(|e| {
            ClientError::Protocol(format!("the body is not JSON ({})", root_cause(&e)))
        })
    }

    fn connect_error(&self, e: &reqwest::Error) -> ClientError {
        ClientError::Connect {
            url: self.base().to_string(),
            reason: root_cause(e),
        }
    }

    /// `POST /api/v1/stream-execute`: starts a job, answers its id.
    pub async fn start_job(&self, command: &str) -> Result<String, ClientError> {
        let body = json!({
            "textEntries": [{"content": command, "type": "text"}],
            "metadata": {"source": "cli"},
        });
        let request = self
            .http
            .post(self.endpoint(&["api", "v1", "stream-execute"]))
            .json(&body);
        let answer = self.send_json(request).await?;
        answer["job_id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ClientError::Protocol(format!("no job_id in {answer}")))
    }

    /// `GET /api/v1/stream/{job_id}`, resuming after `last_event_id`.
    pub async fn open_stream(
        &self,
        job_id: &str,
        last_event_id: Option<u64>,
    ) -> Result<Response, ClientError> {
        let mut request = self
            .stream_http
            .get(self.endpoint(&["api", "v1", "stream", job_id]))
            .header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        self.send(request).await
    }

    /// `GET /api/v1/jobs/{job_id}`.
    pub async fn job(&self, job_id: &str) -> Result<Value, ClientError> {
        let request = self.http.get(self.endpoint(&["api", "v1", "jobs", job_id]));
        self.send_json(request).await
    }

    /// `POST /api/v1/jobs/{job_id}/cancel`: answers once the job has stopped.
    pub async fn cancel(&self, job_id: &str) -> Result<Value, ClientError> {
        let request = self
            .http
            .post(self.endpoint(&["api", "v1", "jobs", job_id, "cancel"]));
        self.send_json(request).await
    }

    /// `POST /api/v1/jobs/{job_id}/approvals/{call_id}` with `{"approve": ...}`.
    pub async fn answer_approval(
        &self,
        job_id: &str,
        call_id: &str,
        approve: bool,
    ) -> Result<(), ClientError> {
        let request = self
            .http
            .post(self.endpoint(&["api", "v1", "jobs", job_id, "approvals", call_id]))
            .json(&json!({ "approve": approve }));
        self.send(request).await.map(drop)
    }

    /// `GET /api/v1/jobs?state=&limit=`.
    pub async fn jobs(&self, state: Option<&str>, limit: usize) -> Result<Value, ClientError> {
        let mut url = self.endpoint(&["api", "v1", "jobs"]);
        {
            let mut query = url.query_pairs_mut();
            if let Some(state) = state {
                query.append_pair("state", state);
            }
            query.append_pair("limit", &limit.to_string());
        }
        self.send_json(self.http.get(url)).await
    }

    /// `GET /api/v1/tools`.
    pub async fn tools(&self) -> Result<Value, ClientError> {
        let request = self.http.get(self.endpoint(&["api", "v1", "tools"]));
        self.send_json(request).await
    }

    /// `POST /api/v1/tools/{name}`.
    pub async fn call_tool(&self, name: &str, arguments: &Value) -> Result<Value, ClientError> {
        let request = self
            .http
            .post(self.endpoint(&["api", "v1", "tools", name]))
            .json(arguments);
        self.send_json(request).await
    }
}

/// Turns a non-2xx answer into an error carrying the gateway's `detail` (or what it sent).
async fn status_error(response: Response) -> ClientError {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    ClientError::Status {
        status: status.as_u16(),
        detail: detail_of(status, &text),
    }
}

/// A status code's reason phrase (`Not Found`), empty when it has none.
fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// The `detail` of an error body, else the body's start, else the status's reason.
pub fn detail_of(status: StatusCode, body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<Value>(body) {
        match &value["detail"] {
            Value::String(detail) => return detail.clone(),
            Value::Null => {}
            other => return other.to_string(),
        }
    }
    let text = body.trim();
    if text.is_empty() {
        return status.canonical_reason().unwrap_or("error").to_string();
    }
    let mut short: String = text.chars().take(200).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// The innermost cause of an error: "Connection refused (os error 111)" rather than
/// "error sending request for url (...)".
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_come_from_the_contract_body() {
        let s = StatusCode::UNAUTHORIZED;
        assert_eq!(
            detail_of(s, r#"{"detail": "an API key is required"}"#),
            "an API key is required"
        );
        assert_eq!(detail_of(s, r#"{"detail": {"x": 1}}"#), r#"{"x":1}"#);
        assert_eq!(detail_of(s, "plain words"), "plain words");
        assert_eq!(detail_of(s, ""), "Unauthorized");
    }

    #[test]
    fn endpoints_encode_segments_and_keep_a_base_path() {
        let g = Gateway::new("http://h:1/prefix/", None).unwrap();
        assert_eq!(
            g.endpoint(&["api", "v1", "stream", "job x/y"]).as_str(),
            "http://h:1/prefix/api/v1/stream/job%20x%2Fy"
        );
        let g = Gateway::new("http://h:1", None).unwrap();
        assert_eq!(
            g.endpoint(&["api", "v1", "tools"]).as_str(),
            "http://h:1/api/v1/tools"
        );
        assert!(Gateway::new("ftp://h", None).is_err());
        assert!(Gateway::new("not a url", None).is_err());
    }

    #[test]
    fn transient_errors_are_retried() {
        let status = |status| ClientError::Status {
            status,
            detail: String::new(),
        };
        assert!(status(503).is_transient());
        assert!(status(429).is_transient());
        assert!(!status(404).is_transient());
        assert!(!status(401).is_transient());
    }
}
