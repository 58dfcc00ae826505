//! `GET /api/v1/stream/{job_id}`: a job's events as Server-Sent Events.
//!
//! Each message is `id: <seq>` plus one `data:` line holding the contract's
//! JSON object, and no `event:` field (browsers' `onmessage` only sees
//! unnamed messages). Frames are encoded once per event in the store and
//! shared here by reference; events that are ready together go out as one
//! write. Keep-alive comments fill silences; the stream ends after
//! `end_of_stream`.

use std::time::Duration;

use axum::body::Body;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use futures::stream::ReadyChunks;
use serde::Deserialize;
use serde_json::json;
use tokio::time::{Instant, Interval, MissedTickBehavior, interval_at};

use super::error::ApiError;
use super::limits::{StreamGuard, client_key};
use crate::auth::Principal;
use crate::jobs::model::{event_json, now};
use crate::jobs::store::EventStream;
use crate::jobs::{Delivery, StoreError};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    /// For clients that cannot set the `Last-Event-ID` header.
    last_event_id: Option<String>,
}

/// Reads the resume point: the header wins over the query parameter.
pub fn parse_last_event_id(header: Option<&str>, query: Option<&str>) -> Result<u64, String> {
    match header.or(query).map(str::trim) {
        None | Some("") => Ok(0),
        Some(text) => text.parse::<u64>().map_err(|_| {
            format!("Last-Event-ID must be an event id (a non-negative integer), not '{text}'")
        }),
    }
}

pub async fn stream(
    State(state): State<AppState>,
    Path(job_id): Path<String>,
    Query(query): Query<StreamQuery>,
    principal: Option<Extension<Principal>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let client = client_key(principal.as_ref().map(|p| &p.0), peer.map(|c| c.0.0));
    let slot = state.limiter.open_stream(client)?;
    let header_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let after = parse_last_event_id(header_id, query.last_event_id.as_deref())
        .map_err(ApiError::bad_request)?;
    let events = state
        .jobs
        .store()
        .subscribe(&job_id, after)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(id) => {
                ApiError::not_found(format!("Job {id} not found (unknown or expired)"))
            }
            other => other.into(),
        })?;
    let settings = &state.settings.jobs;
    let keepalive = Duration::from_secs(settings.keepalive_secs);
    let mut ticker = interval_at(Instant::now() + keepalive, keepalive);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let body = Frames {
        events: events.ready_chunks(256),
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

struct Frames {
    events: ReadyChunks<EventStream>,
    ticker: Interval,
    job_id: String,
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
                    let data = json!({
                        "first_missing": first,
                        "last_missing": last,
                        "message": format!("events {first} to {last} are no longer retained"),
                    });
                    let json = event_json(&self.job_id, "gap", &data, now());
                    // The gap carries the id of its last missing event, so a reconnect resumes after it.
                    out.extend_from_slice(format!("id: {last}\ndata: {json}\n\n").as_bytes());
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
