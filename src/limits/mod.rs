//! Per-client limits, shared by both listeners: request rate (governor) and
//! open streams (SSE subscriptions, legacy MCP sessions).
//!
//! The client is the API key's principal, or the client address when the
//! gateway runs open (or the request carries no valid key).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::Principal;
use crate::config::LimitSettings;

/// Who a request counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    Principal(Arc<str>),
    Addr(IpAddr),
    Unknown,
}

impl ClientKey {
    /// The key's principal; the client address for the anonymous one.
    pub fn of(principal: Option<&Principal>, addr: Option<IpAddr>) -> Self {
        match (principal, addr) {
            (Some(p), _) if !p.is_anonymous() => ClientKey::Principal(p.name.clone()),
            (_, Some(addr)) => ClientKey::Addr(addr),
            _ => ClientKey::Unknown,
        }
    }
}

/// Too many open streams for one client (or in total).
#[derive(Debug, Clone, thiserror::Error)]
#[error("too many open {what} for this client (limit {limit})")]
pub struct TooManyStreams {
    pub what: &'static str,
    pub limit: usize,
}

/// Rate and stream limits shared by all requests.
pub struct Limiter {
    rate: Option<DefaultKeyedRateLimiter<ClientKey>>,
    max_streams: usize,
    streams: Arc<Mutex<HashMap<ClientKey, usize>>>,
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

    /// Ok, or the whole seconds to wait.
    pub fn check(&self, client: &ClientKey) -> Result<(), u64> {
        let Some(rate) = &self.rate else {
            return Ok(());
        };
        rate.check_key(client).map_err(|not_until| {
            // The limiter's own clock: building a new one calibrates it (CPUID), which is slow.
            let wait = not_until.wait_time_from(rate.clock().now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
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
    pub fn open_stream(&self, client: ClientKey) -> Result<StreamGuard, TooManyStreams> {
        let mut streams = lock(&self.streams);
        let open = streams.entry(client.clone()).or_insert(0);
        if *open >= self.max_streams {
            return Err(TooManyStreams {
                what: "streams",
                limit: self.max_streams,
            });
        }
        *open += 1;
        Ok(StreamGuard {
            streams: self.streams.clone(),
            client,
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An open stream; dropping it frees the place.
pub struct StreamGuard {
    streams: Arc<Mutex<HashMap<ClientKey, usize>>>,
    client: ClientKey,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let mut streams = lock(&self.streams);
        if let Some(open) = streams.get_mut(&self.client) {
            *open -= 1;
            if *open == 0 {
                streams.remove(&self.client);
            }
        }
    }
}
