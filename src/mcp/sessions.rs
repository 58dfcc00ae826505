//! Bounded MCP sessions: a cap in total and per client (API key, or address
//! when open) over Streamable HTTP and legacy SSE together, and idle
//! Streamable HTTP sessions closed (rmcp keeps a closed session's handle in
//! its map otherwise, so memory would grow with every `initialize`).
//!
//! A place is reserved before a request that may open a session runs, so a
//! burst of concurrent `initialize` calls cannot overshoot the cap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;

use crate::auth::Principal;
use crate::http::client::ClientAddr;
use crate::limits::ClientKey;

/// Past a cap.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct TooManySessions(String);

struct Session {
    client: ClientKey,
    used: Instant,
    /// Streamable HTTP (closed when idle) rather than legacy SSE (closed with its stream).
    streamable: bool,
}

/// The open sessions of the MCP listener.
pub struct Sessions {
    max_total: usize,
    max_per_client: usize,
    idle: Duration,
    open: Mutex<HashMap<String, Session>>,
    streamable: Arc<LocalSessionManager>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A reserved place; dropping it unused frees it.
pub struct Reservation {
    sessions: Arc<Sessions>,
    key: Option<String>,
}

impl Reservation {
    /// The place now holds session `id`.
    pub fn confirm(mut self, id: &str, streamable: bool) {
        if let Some(key) = self.key.take() {
            let mut open = lock(&self.sessions.open);
            if let Some(mut session) = open.remove(&key) {
                session.streamable = streamable;
                session.used = Instant::now();
                open.insert(id.to_string(), session);
            }
            let count = open.len();
            drop(open);
            crate::metrics::mcp_sessions_set(count as f64);
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.sessions.open).remove(&key);
        }
    }
}

impl Sessions {
    pub fn new(
        settings: &crate::config::McpSettings,
        streamable: Arc<LocalSessionManager>,
    ) -> Arc<Self> {
        Arc::new(Self {
            max_total: settings.max_sessions,
            max_per_client: settings.max_sessions_per_client,
            idle: Duration::from_secs(settings.session_idle_secs),
            open: Mutex::default(),
            streamable,
        })
    }

    /// Reserves a place for `client`, or says which cap is reached.
    pub fn reserve(self: &Arc<Self>, client: ClientKey) -> Result<Reservation, TooManySessions> {
        let mut open = lock(&self.open);
        if open.len() >= self.max_total {
            return Err(TooManySessions(format!(
                "the MCP listener holds its maximum of {} sessions (mcp.max_sessions); close one or try again later",
                self.max_total
            )));
        }
        let mine = open.values().filter(|s| s.client == client).count();
        if mine >= self.max_per_client {
            return Err(TooManySessions(format!(
                "this client holds its maximum of {} MCP sessions (mcp.max_sessions_per_client); close one first",
                self.max_per_client
            )));
        }
        let key = format!("reserved-{}", uuid::Uuid::new_v4().simple());
        open.insert(
            key.clone(),
            Session {
                client,
                used: Instant::now(),
                streamable: false,
            },
        );
        Ok(Reservation {
            sessions: self.clone(),
            key: Some(key),
        })
    }

    pub fn touch(&self, id: &str) {
        if let Some(session) = lock(&self.open).get_mut(id) {
            session.used = Instant::now();
        }
    }

    pub fn remove(&self, id: &str) {
        let count = {
            let mut open = lock(&self.open);
            open.remove(id);
            open.len()
        };
        crate::metrics::mcp_sessions_set(count as f64);
    }

    pub fn count(&self) -> usize {
        lock(&self.open).len()
    }

    /// Closes Streamable HTTP sessions idle past the limit (called periodically).
    pub async fn sweep(&self) {
        let idle: Vec<String> = {
            let mut open = lock(&self.open);
            let ids: Vec<String> = open
                .iter()
                .filter(|(_, s)| s.streamable && s.used.elapsed() >= self.idle)
                .map(|(id, _)| id.clone())
                .collect();
            for id in &ids {
                open.remove(id);
            }
            ids
        };
        for id in idle {
            let id: rmcp::transport::streamable_http_server::SessionId = id.into();
            if let Err(e) = self.streamable.close_session(&id).await {
                tracing::debug!(error = %e, "closing an idle MCP session");
            }
        }
        crate::metrics::mcp_sessions_set(self.count() as f64);
    }
}

/// The client a request counts against.
pub fn client_of(req: &Request) -> ClientKey {
    ClientKey::of(
        req.extensions().get::<Principal>(),
        req.extensions().get::<ClientAddr>().map(|c| c.0),
    )
}

/// 429 in the JSON-RPC shape MCP clients show.
pub fn refused(why: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32000, "message": why},
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from_static("5"),
    );
    response
}

/// Middleware on `/mcp`: a request without a session id may open one, so it
/// needs a place; a request with one keeps it alive; a DELETE ends it.
pub async fn streamable(
    State(sessions): State<Arc<Sessions>>,
    req: Request,
    next: Next,
) -> Response {
    let session = req
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match session {
        Some(id) => {
            let delete = req.method() == Method::DELETE;
            sessions.touch(&id);
            let response = next.run(req).await;
            if delete && response.status().is_success() {
                sessions.remove(&id);
            }
            response
        }
        None if req.method() == Method::POST => {
            let reservation = match sessions.reserve(client_of(&req)) {
                Ok(r) => r,
                Err(why) => return refused(&why.to_string()),
            };
            let response = next.run(req).await;
            if let Some(id) = response
                .headers()
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
            {
                reservation.confirm(id, true);
            }
            response
        }
        None => next.run(req).await,
    }
}
