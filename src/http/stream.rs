//! `GET /api/v1/stream/{job_id}`: a job's events as Server-Sent Events.
//!
//! Each message is `id: <seq>` plus one `data:` line holding the contract's
//! JSON object, and no `event:` field (browsers' `onmessage` only sees
//! unnamed messages). Frames are encoded once per event in the store and
//! shared here by reference; events that are ready together go out as one
//! write. Keep-alive comments fill silences; the stream ends after
//! `end_of_stream`.

use std::time::Duration;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use futures::stream::ReadyChunks;
use serde::Deserialize;
use serde_json::json;
use tokio::time::{Instant, Interval, MissedTickBehavior, interval_at};

use super::client::ClientAddr;
use super::error::{ApiError, BadEventId};
use super::operation::{Operation, header_param, path_param, query_param, schema};
use crate::auth::Principal;
use crate::jobs::event::{JobEvent, SseMessage, sse_frame};
use crate::jobs::model::now;
use crate::jobs::store::EventStream;
use crate::jobs::{Delivery, JobId, StoreError};
use crate::limits::{ClientKey, StreamGuard};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    /// For clients that cannot set the `Last-Event-ID` header.
    last_event_id: Option<String>,
}

/// Reads the resume point: the header wins over the query parameter.
pub fn parse_last_event_id(header: Option<&str>, query: Option<&str>) -> Result<u64, BadEventId> {
    match header.or(query).map(str::trim) {
        None | Some("") => Ok(0),
        Some(text) => text
            .parse::<u64>()
            .map_err(|_| BadEventId(text.to_string())),
    }
}

pub async fn stream(
    State(state): State<AppState>,
    Path(job_id): Path<String>,
    Query(query): Query<StreamQuery>,
    Extension(principal): Extension<Principal>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let header_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let after = parse_last_event_id(header_id, query.last_event_id.as_deref())?;
    let job_id = JobId::from(job_id);
    // Another key's job does not exist, for this caller.
    let not_found = || ApiError::from(StoreError::NotFound(job_id.to_string()));
    state
        .jobs
        .get_for(&job_id, &principal)
        .await?
        .ok_or_else(not_found)?;
    let key = ClientKey::of(Some(&principal), client.map(|c| c.0.0));
    let slot = state.limiter.open_stream(key)?;
    let events = state.jobs.store().subscribe(&job_id, after).await?;
    let settings = &state.settings.jobs;
    let keepalive = Duration::from_secs(settings.keepalive_secs);
    let mut ticker = interval_at(Instant::now() + keepalive, keepalive);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let body = Frames {
        events: events.ready_chunks(16),
        ticker,
        job_id,
        preamble: Some(Bytes::from(format!("retry: {}\n\n", settings.retry_ms))),
        done: false,
        _subscriber: Subscriber::new(slot),
    };
    let mut response = Response::new(Body::from_stream(futures::stream::unfold(
        body,
        Frames::next,
    )));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

pub fn doc() -> Operation {
    let id_schema = json!({"type": "string", "pattern": "^\\s*[0-9]*\\s*$"});
    Operation::new("stream", "jobs", "Stream a job's events")
        .describe("Server-Sent Events. Each message is `id: <sequence>` plus one `data:` line holding an `SseEvent`, without an `event:` field (so `EventSource.onmessage` sees every message). `job_started` is always first and `end_of_stream` always last; the server closes the stream after it. Comment lines are keep-alives. Resume with `Last-Event-ID` (or `?last_event_id=`): replay starts after that event; events no longer retained are announced by one `gap` event; resuming at or past the end of a finished job delivers its `end_of_stream` again. Browsers' `EventSource` cannot set headers, so this route also accepts the key as `?access_token=` (see the security notes).")
        .param(path_param("job_id", "The job's id, `job_<uuid4>`.", json!({"type": "string"})))
        .param(header_param("Last-Event-ID", "Resume after this event id.", id_schema.clone()))
        .param(query_param("last_event_id", "Resume after this event id (for clients that cannot set the header; the header wins).", id_schema))
        .event_stream(
            "The event stream; it ends after `end_of_stream`.",
            "retry: 2000\n\nid: 1\ndata: {\"event\":\"job_started\",\"data\":{\"message\":\"Job started: /list\",\"kind\":\"slash\"},\"timestamp\":1732240000.123,\"job_id\":\"job_5f0c…\"}\n\n: keep-alive\n\nid: 9\ndata: {\"event\":\"end_of_stream\",\"data\":{\"state\":\"succeeded\",\"message\":\"stream complete\"},\"timestamp\":1732240001.456,\"job_id\":\"job_5f0c…\"}\n\n",
            schema::<SseMessage>,
            json!({"Cache-Control": {"schema": {"type": "string", "const": "no-cache"}}}),
        )
        .error(400, "`Last-Event-ID` is not a non-negative integer.")
        .error(404, "Unknown job, another key's job, or its retention (`jobs.retention_secs`) has passed.")
        .error(429, "Rate limit, or too many open streams for this key or address (`limits.max_streams_per_client`).")
        .error(503, "The job store is unavailable.")
}

struct Frames {
    events: ReadyChunks<EventStream>,
    ticker: Interval,
    job_id: JobId,
    preamble: Option<Bytes>,
    done: bool,
    _subscriber: Subscriber,
}

/// One open stream: counted in the metrics and against the client's cap until dropped.
struct Subscriber {
    _slot: StreamGuard,
}

impl Subscriber {
    fn new(slot: StreamGuard) -> Self {
        crate::metrics::sse_subscribers(1.0);
        Self { _slot: slot }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        crate::metrics::sse_subscribers(-1.0);
    }
}

impl Frames {
    async fn next(mut self) -> Option<(Result<Bytes, std::convert::Infallible>, Self)> {
        if let Some(preamble) = self.preamble.take() {
            return Some((Ok(preamble), self));
        }
        if self.done {
            return None;
        }
        tokio::select! {
            batch = self.events.next() => {
                let batch = match batch {
                    Some(batch) => batch,
                    None => return None,
                };
                self.ticker.reset();
                let bytes = self.encode(batch);
                Some((Ok(bytes), self))
            }
            _ = self.ticker.tick() => Some((Ok(Bytes::from_static(b": keep-alive\n\n")), self)),
        }
    }

    fn encode(&mut self, batch: Vec<Delivery>) -> Bytes {
        if let [Delivery::Event(event)] = batch.as_slice() {
            self.done |= event.terminal;
            return event.frame.clone();
        }
        let mut out = BytesMut::new();
        for delivery in batch {
            match delivery {
                Delivery::Event(event) => {
                    self.done |= event.terminal;
                    out.extend_from_slice(&event.frame);
                }
                Delivery::Gap { first, last } => {
                    let json = SseMessage {
                        event: JobEvent::Gap {
                            first_missing: first,
                            last_missing: last,
                            message: format!("events {first} to {last} are no longer retained"),
                        },
                        timestamp: now(),
                        job_id: self.job_id.clone(),
                    }
                    .to_json();
                    // The gap carries the id of its last missing event, so a reconnect resumes after it.
                    out.extend_from_slice(&sse_frame(last, &json));
                }
            }
        }
        out.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::parse_last_event_id;

    #[test]
    fn last_event_id_forms() {
        assert_eq!(parse_last_event_id(None, None), Ok(0));
        assert_eq!(parse_last_event_id(Some("7"), Some("3")), Ok(7));
        assert_eq!(parse_last_event_id(None, Some(" 3 ")), Ok(3));
        assert!(parse_last_event_id(Some("x"), None).is_err());
        assert!(parse_last_event_id(Some("-1"), None).is_err());
    }
}
