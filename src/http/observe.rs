//! Request ids and what the front middleware counts and logs with; and
//! `GET /metrics`.
//!
//! The request path is hot: ids come from a counter behind a random prefix
//! (no system call per request) and metric handles are registered once per
//! route. Server errors are logged with their request id by
//! `error::json_errors`; every request is logged only with `server.access_log`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::operation::Operation;
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

impl RequestIds {
    /// A fresh id as a header value.
    pub fn make(&self) -> HeaderValue {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut text = [0u8; 32];
        hex(self.prefix, &mut text[..16]);
        hex(n, &mut text[16..]);
        // Hex digits are always a valid header value.
        HeaderValue::from_bytes(&text).unwrap_or_else(|_| HeaderValue::from_static("-"))
    }
}

fn hex(mut n: u64, out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n & 0xf) as usize];
        n >>= 4;
    }
}

/// What the front middleware counts requests with.
pub struct Observer {
    pub metrics: HttpMetrics,
    pub access_log: bool,
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
        let ids = RequestIds::default();
        let a = ids.make().to_str().unwrap().to_string();
        let b = ids.make().to_str().unwrap().to_string();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(&a[..16], &b[..16], "one process, one prefix");
    }
}
