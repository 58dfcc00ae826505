//! Per-client limits: request rate (governor) and open SSE streams.
//!
//! The client is the API key's principal, or the peer address when the
//! gateway runs open.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;
use crate::auth::Principal;
use crate::config::LimitSettings;
use crate::state::AppState;

/// Rate and stream limits shared by all requests.
pub struct Limiter {
    rate: Option<DefaultKeyedRateLimiter<String>>,
    max_streams: usize,
    streams: Arc<Mutex<HashMap<String, usize>>>,
}

impl Limiter {
    pub fn new(settings: &LimitSettings) -> Self {
        let rate = NonZeroU32::new(settings.requests_per_second).map(|per_second| {
            let burst = NonZeroU32::new(settings.burst.max(settings.requests_per_second))
                .unwrap_or(per_second);
            RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))
        });
        Self {
            rate,
            max_streams: settings.max_streams_per_client,
            streams: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Ok, or the seconds to wait.
    fn check(&self, client: &str) -> Result<(), u64> {
        let Some(rate) = &self.rate else {
            return Ok(());
        };
        rate.check_key(&client.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets idle clients (called periodically).
    pub fn sweep(&self) {
        if let Some(rate) = &self.rate {
            rate.retain_recent();
            rate.shrink_to_fit();
        }
    }

    /// Counts an open stream for `client`, released when the guard drops.
    pub fn open_stream(&self, client: String) -> Result<StreamGuard, ApiError> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let open = streams.entry(client.clone()).or_insert(0);
        if *open >= self.max_streams {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many open streams for this client (limit {})",
                    self.max_streams
                ),
            )
            .retry_after(5));
        }
        *open += 1;
        Ok(StreamGuard {
            streams: self.streams.clone(),
            client,
        })
    }
}

/// An open SSE stream; dropping it frees the place.
pub struct StreamGuard {
    streams: Arc<Mutex<HashMap<String, usize>>>,
    client: String,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = streams.get_mut(&self.client) {
            *open -= 1;
            if *open == 0 {
                streams.remove(&self.client);
            }
        }
    }
}

/// Who a request counts against: the key, or the peer address when open.
pub fn client_key(principal: Option<&Principal>, peer: Option<SocketAddr>) -> String {
    match principal {
        Some(p) if p.name != "anonymous" => format!("key:{}", p.name),
        _ => peer
            .map(|addr| format!("ip:{}", addr.ip()))
            .unwrap_or_else(|| "ip:unknown".into()),
    }
}

/// 429 with `Retry-After` once a client exceeds its rate.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    // Health probes and the console's own static files are never limited.
    if path == "/health" || path == "/" || path == "/ui" || path.starts_with("/ui/") {
        return next.run(req).await;
    }
    let ext = req.extensions();
    let client = client_key(
        ext.get::<Principal>(),
        ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0),
    );
    match state.limiter.check(&client) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            crate::metrics::rate_limited();
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate limit exceeded; slow down",
            )
            .retry_after(wait.max(1))
            .into_response()
        }
    }
}
