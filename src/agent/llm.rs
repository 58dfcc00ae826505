//! The Chat Completions client: one streamed request per model round, retried
//! on 429, 5xx and connection errors, and its `data:` stream read chunk by chunk.
//!
//! reqwest plus eventsource-stream rather than async-openai: the latter refuses
//! chunks without `created`/`model`, which some OpenAI-compatible servers omit.

use std::pin::Pin;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures::{Stream, StreamExt};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{StatusCode, Url};

use super::chunks::Chunk;
use super::error::LlmError;
use super::retry::{Attempt, RetryPolicy, retry_after};
use crate::config::{LlmSettings, Secret};

/// A configured OpenAI-compatible endpoint.
pub struct LlmClient {
    http: reqwest::Client,
    url: Url,
    /// `url` without its query, for messages (a gateway may carry a key there).
    shown_url: String,
    key: Secret,
    timeout: Duration,
    retry: RetryPolicy,
}

impl LlmClient {
    pub fn new(settings: &LlmSettings, key: Secret) -> Result<Self, LlmError> {
        let url = completions_url(&settings.base_url)?;
        let mut shown = url.clone();
        shown.set_query(None);
        // reqwest is built without a default crypto provider; installing ring
        // twice (tests build many clients) is the expected "already set" error.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("conductor-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::Settings(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            shown_url: shown.to_string(),
            url,
            key,
            timeout: Duration::from_secs(settings.request_timeout_secs.max(1)),
            retry: RetryPolicy {
                max_retries: settings.max_retries,
                max_wait: Duration::from_secs(settings.retry_max_secs),
                base: Duration::from_millis(500),
                cap: Duration::from_secs(20),
            },
        })
    }

    /// Sends a request body and returns its event stream once the server has
    /// accepted it; failures before that are retried as the policy allows.
    pub async fn open(&self, body: Bytes) -> Result<ChatStream, LlmError> {
        let response = self
            .retry
            .run(|| self.attempt(body.clone()))
            .await
            .map_err(|gave_up| match gave_up.attempts {
                1 => gave_up.error,
                attempts => LlmError::GaveUp {
                    error: Box::new(gave_up.error),
                    attempts,
                },
            })?;
        Ok(ChatStream::new(response, self.timeout.as_secs()))
    }

    async fn attempt(&self, body: Bytes) -> Result<reqwest::Response, Attempt<LlmError>> {
        let mut request = self
            .http
            .post(self.url.clone())
            .timeout(self.timeout)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "text/event-stream")
            .body(body);
        // Local servers (Ollama, vLLM) often take no key; an empty one sends none.
        if !self.key.expose().is_empty() {
            request = request.bearer_auth(self.key.expose());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) if e.is_builder() => return Err(Attempt::Fatal(self.transport_error(e))),
            Err(e) => {
                crate::metrics::llm_retry();
                return Err(Attempt::Retry {
                    error: self.transport_error(e),
                    retry_after: None,
                });
            }
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let wait = retry_after(response.headers(), SystemTime::now());
        let message = provider_message(response.text().await.unwrap_or_default());
        let error = LlmError::Status {
            status: status.as_u16(),
            message,
        };
        if retryable(status) {
            crate::metrics::llm_retry();
            Err(Attempt::Retry {
                error,
                retry_after: wait,
            })
        } else {
            Err(Attempt::Fatal(error))
        }
    }

    fn transport_error(&self, e: reqwest::Error) -> LlmError {
        if e.is_timeout() {
            return LlmError::Timeout(self.timeout.as_secs());
        }
        LlmError::Unreachable {
            url: self.shown_url.clone(),
            reason: error_chain(&e.without_url()),
        }
    }
}

/// 408, 409 (OpenAI's lock timeouts), 429 and 5xx may pass; other 4xx will not.
fn retryable(status: StatusCode) -> bool {
    status.is_server_error()
        || matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT
        )
}

/// `<base_url>/chat/completions`, keeping any query (Azure's `api-version`).
fn completions_url(base: &str) -> Result<Url, LlmError> {
    let mut url = Url::parse(base.trim())
        .map_err(|e| LlmError::Settings(format!("llm.base_url '{base}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(LlmError::Settings(format!(
            "llm.base_url '{base}' must be an http or https URL"
        )));
    }
    if !url.path().ends_with("/chat/completions") {
        let path = format!("{}/chat/completions", url.path().trim_end_matches('/'));
        url.set_path(&path);
    }
    Ok(url)
}

/// The provider's own words: `error.message` of a JSON body, else the body, short.
fn provider_message(body: String) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            let e = v.get("error")?;
            e.get("message")
                .and_then(|m| m.as_str())
                .or_else(|| e.as_str())
                .map(str::to_string)
        });
    let text = from_json.unwrap_or(body);
    let text = text.trim();
    if text.is_empty() {
        return "no message".into();
    }
    match text.char_indices().nth(500) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// How long the rest of a stream after `[DONE]` is read before it is dropped.
const DRAIN_LIMIT: Duration = Duration::from_millis(500);

type Events = Pin<
    Box<
        dyn Stream<Item = Result<eventsource_stream::Event, EventStreamError<reqwest::Error>>>
            + Send,
    >,
>;

/// The chunks of one streamed response. Dropping it closes the connection,
/// which is how a cancelled job stops the model.
pub struct ChatStream {
    events: Events,
    timeout_secs: u64,
    done: bool,
    finish_seen: bool,
}

impl ChatStream {
    fn new(response: reqwest::Response, timeout_secs: u64) -> Self {
        Self {
            events: Box::pin(response.bytes_stream().eventsource()),
            timeout_secs,
            done: false,
            finish_seen: false,
        }
    }

    /// Tells the stream the turn has a finish reason, so an end without
    /// `[DONE]` (some servers skip it) is complete rather than truncated.
    pub fn mark_finished(&mut self) {
        self.finish_seen = true;
    }

    /// The next chunk; `None` at the end of a complete stream.
    pub async fn next(&mut self) -> Result<Option<Chunk>, LlmError> {
        if self.done {
            return Ok(None);
        }
        loop {
            let event = match self.events.next().await {
                None if self.finish_seen => {
                    self.done = true;
                    return Ok(None);
                }
                None => return Err(LlmError::Truncated(String::new())),
                Some(Err(EventStreamError::Transport(e))) if e.is_timeout() => {
                    return Err(LlmError::Timeout(self.timeout_secs));
                }
                Some(Err(EventStreamError::Transport(e))) => {
                    return Err(LlmError::Truncated(format!(
                        ": {}",
                        error_chain(&e.without_url())
                    )));
                }
                Some(Err(e)) => return Err(LlmError::Malformed(e.to_string())),
                Some(Ok(event)) => event,
            };
            let data = event.data.trim();
            if data.is_empty() {
                continue;
            }
            if data == "[DONE]" {
                self.done = true;
                // Reading the body to its end hands the connection back to the
                // pool, so the next round skips a new TCP and TLS handshake. A
                // server that keeps the stream open after [DONE] is not waited for.
                let drain = async { while let Some(Ok(_)) = self.events.next().await {} };
                let _ = tokio::time::timeout(DRAIN_LIMIT, drain).await;
                return Ok(None);
            }
            let chunk: Chunk = serde_json::from_str(data).map_err(|e| {
                let shown: String = data.chars().take(120).collect();
                LlmError::Malformed(format!("{e} in chunk '{shown}'"))
            })?;
            if let Some(message) = chunk.error_message() {
                return Err(LlmError::Provider(message));
            }
            return Ok(Some(chunk));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_url_is_appended_once_and_keeps_the_query() {
        let u = |s| completions_url(s).unwrap().to_string();
        assert_eq!(
            u("https://api.openai.com/v1"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            u("http://127.0.0.1:1/v1/"),
            "http://127.0.0.1:1/v1/chat/completions"
        );
        assert_eq!(
            u("http://h/v1/chat/completions"),
            "http://h/v1/chat/completions"
        );
        assert_eq!(
            u("https://x.azure.com/openai/deployments/d?api-version=2024-10-21"),
            "https://x.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21"
        );
        assert!(completions_url("not a url").is_err());
        assert!(completions_url("ftp://h/v1").is_err());
    }

    #[test]
    fn provider_messages_are_read_from_error_bodies() {
        assert_eq!(
            provider_message(r#"{"error":{"message":"Incorrect API key","type":"x"}}"#.into()),
            "Incorrect API key"
        );
        assert_eq!(provider_message(r#"{"error":"nope"}"#.into()), "nope");
        assert_eq!(provider_message("Bad Gateway\n".into()), "Bad Gateway");
        assert_eq!(provider_message(String::new()), "no message");
        assert_eq!(provider_message("x".repeat(600)).chars().count(), 501);
    }

    #[test]
    fn which_statuses_are_retried() {
        for s in [429, 500, 502, 503, 504, 408, 409] {
            assert!(retryable(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!retryable(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }
}
