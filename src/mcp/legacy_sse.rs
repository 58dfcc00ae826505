//! The legacy MCP "HTTP+SSE" transport (protocol 2024-11-05), which the old
//! service's clients speak and rmcp no longer ships.
//!
//! `GET /sse` opens a session: its first event is `event: endpoint` with
//! `data: /messages?sessionId=<id>`, then every server message follows as
//! `event: message`. The client posts its JSON-RPC messages to that endpoint
//! (`202 Accepted`; answers come over the stream). The same `ConductorMcp`
//! handler runs over a pair of channels. The stream's lifetime is the
//! session's: when the response is dropped (the client went away), the
//! session is removed and its running calls are cancelled.
//!
//! With a store shared by replicas, a session id starts with the name of the
//! replica holding it (`<replica>.<random>`), and a message posted to
//! another replica is relayed to that one through the store.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::handler::{ConductorMcp, McpContext};
use super::sessions::Sessions;
use crate::auth::Principal;
use crate::jobs::JobStore;
use crate::jobs::store::Relayed;

/// Messages a session buffers from the client before `POST` waits.
const INBOX: usize = 64;
/// Messages buffered towards the SSE stream before the handler waits.
const OUTBOX: usize = 64;
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The open legacy sessions: id to the channel feeding that session's handler.
#[derive(Clone)]
pub struct LegacySessions {
    ctx: McpContext,
    tracker: TaskTracker,
    inboxes: Arc<Mutex<HashMap<String, Inbox>>>,
    caps: Arc<Sessions>,
    store: Arc<dyn JobStore>,
}

/// A session's channel and the key that opened it.
struct Inbox {
    sender: mpsc::Sender<ClientJsonRpcMessage>,
    /// Only the key that opened a session may post into it (key names are
    /// unique, so the name is the key).
    owner: Arc<str>,
}

impl LegacySessions {
    pub fn new(
        ctx: McpContext,
        tracker: TaskTracker,
        caps: Arc<Sessions>,
        store: Arc<dyn JobStore>,
    ) -> Self {
        let sessions = Self {
            ctx,
            tracker,
            inboxes: Arc::new(Mutex::new(HashMap::new())),
            caps,
            store,
        };
        if let Some(mut relayed) = sessions.store.relayed() {
            let local = sessions.clone();
            tokio::spawn(async move {
                while let Some(m) = relayed.recv().await {
                    let Some(inbox) = local.inbox(&m.session, &m.owner) else {
                        continue;
                    };
                    if let Ok(message) = serde_json::from_str::<ClientJsonRpcMessage>(&m.body) {
                        let _ = inbox.send(message).await;
                    }
                }
            });
        }
        sessions
    }

    /// A new session id: the replica's name first when replicas share the store.
    fn new_id(&self) -> String {
        let random = uuid::Uuid::new_v4().simple().to_string();
        match self.store.replica() {
            Some(replica) => format!("{replica}.{random}"),
            None => random,
        }
    }

    /// Whether the id names a session of another replica.
    fn elsewhere(&self, id: &str) -> bool {
        match (id.split_once('.'), self.store.replica()) {
            (Some((replica, _)), Some(me)) => replica != me,
            _ => false,
        }
    }

    /// Relays a message for a session another replica holds; whether one took it.
    async fn relay(&self, id: &str, owner: &str, body: &[u8]) -> bool {
        let Some((replica, _)) = id.split_once('.') else {
            return false;
        };
        let message = Relayed {
            session: id.to_string(),
            owner: owner.to_string(),
            body: String::from_utf8_lossy(body).into_owned(),
        };
        match self.store.relay(replica, &message).await {
            Ok(taken) => taken,
            Err(e) => {
                tracing::warn!(error = %e, "relaying a legacy MCP message failed");
                false
            }
        }
    }

    fn inbox(&self, id: &str, caller: &str) -> Option<mpsc::Sender<ClientJsonRpcMessage>> {
        let inboxes = self.inboxes.lock().ok()?;
        let inbox = inboxes.get(id)?;
        // Another key posting to this session is answered as if it did not exist.
        (&*inbox.owner == caller).then(|| inbox.sender.clone())
    }
}

/// Ends a session when the SSE response carrying it is dropped.
struct SessionEnd {
    id: String,
    sessions: LegacySessions,
    gone: CancellationToken,
}

impl Drop for SessionEnd {
    fn drop(&mut self) {
        if let Ok(mut inboxes) = self.sessions.inboxes.lock() {
            inboxes.remove(&self.id);
        }
        self.sessions.caps.remove(&self.id);
        self.gone.cancel();
        // Outside a runtime (the process is ending) there is nobody to relay to anyway.
        if self.sessions.store.replica().is_some()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let (store, id) = (self.sessions.store.clone(), self.id.clone());
            runtime.spawn(async move { store.hold_session(&id, None).await });
        }
        // The id is a bearer of the session: not for INFO logs.
        tracing::debug!(session = %self.id, "legacy SSE session closed");
    }
}

/// `GET /sse`: opens a session (within the session caps) and streams its messages.
pub async fn open(
    State(sessions): State<LegacySessions>,
    axum::Extension(principal): axum::Extension<Principal>,
    request: axum::extract::Request,
) -> Response {
    let reservation = match sessions.caps.reserve(super::sessions::client_of(&request)) {
        Ok(r) => r,
        Err(why) => return super::sessions::refused(&why.to_string()),
    };
    let id = sessions.new_id();
    reservation.confirm(&id, false);
    let (inbox_tx, inbox_rx) = mpsc::channel::<ClientJsonRpcMessage>(INBOX);
    let (outbox_tx, outbox_rx) = futures::channel::mpsc::channel::<ServerJsonRpcMessage>(OUTBOX);
    if let Ok(mut inboxes) = sessions.inboxes.lock() {
        inboxes.insert(
            id.clone(),
            Inbox {
                sender: inbox_tx,
                owner: principal.name.clone(),
            },
        );
    }
    if sessions.store.replica().is_some()
        && let Err(e) = sessions
            .store
            .hold_session(&id, Some(&principal.name))
            .await
    {
        // Messages posted to this replica still reach it.
        tracing::warn!(error = %e, "the session could not be shared with other replicas");
    }
    let principal = Some(principal);
    // Also fires when the shutdown grace is over, which ends the stream.
    let gone = sessions.ctx.cancel_all.child_token();
    let handler = ConductorMcp::new(sessions.ctx.clone(), gone.clone()).with_principal(principal);
    let transport = (outbox_tx, ReceiverStream::new(inbox_rx));
    let serve_gone = gone.clone();
    let session_id = id.clone();
    sessions.tracker.spawn(async move {
        match rmcp::service::serve_server_with_ct(handler, transport, serve_gone).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(e) => tracing::info!(session = %session_id, error = %e, "legacy SSE session ended before initialize"),
        }
    });
    tracing::debug!(session = %id, "legacy SSE session opened");

    let endpoint = Event::default()
        .event("endpoint")
        .data(format!("/messages?sessionId={id}"));
    let end = SessionEnd { id, sessions, gone };
    let messages = outbox_rx.map(move |message| {
        // The guard lives as long as the stream: dropping the response drops it.
        let _session = &end;
        Ok(
            match Event::default().event("message").json_data(&message) {
                Ok(event) => event,
                Err(e) => {
                    tracing::error!(error = %e, "a server message could not be serialized");
                    Event::default().comment("unserializable message dropped")
                }
            },
        )
    });
    let stream =
        futures::stream::once(async move { Ok::<_, Infallible>(endpoint) }).chain(messages);
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct SessionQuery {
    #[serde(rename = "sessionId", alias = "session_id")]
    session_id: Option<String>,
}

/// `POST /messages?sessionId=<id>`: one JSON-RPC message for a session.
pub async fn message(
    State(sessions): State<LegacySessions>,
    Query(query): Query<SessionQuery>,
    axum::Extension(principal): axum::Extension<Principal>,
    body: Bytes,
) -> Response {
    let Some(id) = query.session_id else {
        return (StatusCode::BAD_REQUEST, "sessionId is required").into_response();
    };
    let parse = || serde_json::from_slice::<ClientJsonRpcMessage>(&body);
    let refuse = |e: serde_json::Error| {
        (
            StatusCode::BAD_REQUEST,
            format!("Could not parse message: {e}"),
        )
            .into_response()
    };
    let Some(inbox) = sessions.inbox(&id, &principal.name) else {
        // Held by another replica (which checks the key), or by none.
        if sessions.elsewhere(&id) {
            if let Err(e) = parse() {
                return refuse(e);
            }
            if sessions.relay(&id, &principal.name, &body).await {
                return (StatusCode::ACCEPTED, "Accepted").into_response();
            }
        }
        return (StatusCode::NOT_FOUND, "Could not find session").into_response();
    };
    let message = match parse() {
        Ok(m) => m,
        Err(e) => return refuse(e),
    };
    match inbox.send(message).await {
        Ok(()) => (StatusCode::ACCEPTED, "Accepted").into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "Could not find session").into_response(),
    }
}
