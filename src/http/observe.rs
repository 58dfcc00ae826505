//! Request ids, request metrics and the access log; and `GET /metrics`.
//!
//! The request path is hot: ids come from a counter behind a random prefix
//! (no system call per request), metric handles are registered once per
//! route, and the per-request span is at DEBUG level, so at the default
//! level none of it allocates. Server errors are logged with their request
//! id by `error::json_errors`; every request is logged only with
//! `server.access_log`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::Instrument;

use super::openapi::Operation;
use super::routes::RouteId;
use crate::metrics::HttpMetrics;

/// Request ids: 32 hex digits, a per-process random half and a counter.
#[derive(Clone)]
pub struct RequestIds {
    prefix: u64,
    next: Arc<AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        let random = uuid::Uuid::new_v4().as_u64_pair().0;
        Self {
            prefix: random,
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut text = [0u8; 32];
        hex(self.prefix, &mut text[..16]);
        hex(n, &mut text[16..]);
        let value = std::str::from_utf8(&text).ok()?;
        HeaderValue::from_str(value).ok().map(RequestId::new)
    }
}

fn hex(mut n: u64, out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n & 0xf) as usize];
        n >>= 4;
    }
}

/// What the observing middleware needs.
pub struct Observer {
    pub metrics: HttpMetrics,
    pub access_log: bool,
}

/// Counts every request by method, route and status, with its latency.
pub async fn observe(State(observer): State<Arc<Observer>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path_for_log = observer.access_log.then(|| req.uri().path().to_string());
    let request_id = req.headers().get("x-request-id").cloned();
    let span = tracing::debug_span!(
        "http",
        method = %method,
        path = %req.uri().path(),
        request_id = request_id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("-"),
    );
    let response = next.run(req).instrument(span).await;
    let route = response.extensions().get::<RouteId>().map(|r| r.0);
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    observer
        .metrics
        .record(route, method.as_str(), status, elapsed);
    if let Some(path) = path_for_log {
        tracing::info!(
            method = %method,
            path = %path,
            status,
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            request_id = request_id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("-"),
            "request"
        );
    }
    response
}

/// Prometheus text format.
pub async fn metrics() -> Response {
    let mut response = crate::metrics::render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

pub fn doc() -> Operation {
    Operation::new("metrics", "service", "Prometheus metrics")
        .describe("Prometheus text exposition; every name starts with `conductor_gateway_` and every label is a bounded enum or a route template. Open unless `auth.protect_metrics` is set.")
        .raw(200, "Metrics in the Prometheus text format 0.0.4.", "text/plain", serde_json::json!({"type": "string"}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_hex() {
        let mut ids = RequestIds::default();
        let req = axum::http::Request::new(());
        let a = ids.make_request_id(&req).unwrap();
        let b = ids.make_request_id(&req).unwrap();
        let a = a.header_value().to_str().unwrap().to_string();
        let b = b.header_value().to_str().unwrap().to_string();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(&a[..16], &b[..16], "one process, one prefix");
    }
}
