//! The job store interface: job records, their event logs, conversations and
//! idempotency keys.
//!
//! Handlers and the manager see only this trait. A backend assigns sequence
//! ids, replays from an id, follows live, expires finished jobs, and keeps
//! the per-principal state (conversations, idempotency keys) that several
//! replicas must share.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use serde_json::Value;

use super::event::JobEvent;
use super::model::{JobId, JobRecord, JobState};
use super::payload::JobCommand;

/// One event of a job's log, encoded once and shared by every subscriber.
#[derive(Debug)]
pub struct StoredEvent {
    pub seq: u64,
    /// The complete SSE message: `id: <seq>\ndata: <json>\n\n`.
    pub frame: Bytes,
    pub terminal: bool,
}

impl StoredEvent {
    /// The event's JSON, as in the frame's `data:` line.
    pub fn data(&self) -> &str {
        let frame = std::str::from_utf8(&self.frame).unwrap_or_default();
        frame
            .split_once("\ndata: ")
            .map(|(_, rest)| rest.trim_end_matches('\n'))
            .unwrap_or_default()
    }
}

/// What a subscriber receives.
#[derive(Debug, Clone)]
pub enum Delivery {
    Event(Arc<StoredEvent>),
    /// Events `first..=last` are no longer retained.
    Gap {
        first: u64,
        last: u64,
    },
}

/// A subscription: replay, then live events; it ends after the terminal event.
pub type EventStream = BoxStream<'static, Delivery>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("job {0} not found or expired")]
    NotFound(String),
    #[error("job store unavailable: {0}")]
    Unavailable(String),
}

/// What a job runs and with which rights: kept with durable jobs so that a
/// queued job runs after a restart, or on another replica, as submitted.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JobSpec {
    pub command: JobCommand,
    /// The submitting key's scopes (`Scopes::bits`).
    pub scopes: u8,
}

/// Jobs an earlier life of the store left unfinished.
#[derive(Debug, Clone, Default)]
pub struct Recovered {
    /// Running when the process died: (job, the instance that ran it).
    pub interrupted: Vec<(JobRecord, Option<String>)>,
    /// Accepted but not started: they still run.
    pub queued: Vec<(JobRecord, JobSpec)>,
}

/// A change to a job's record.
#[derive(Debug, Clone)]
pub enum JobUpdate {
    /// `running` or `awaiting_approval`.
    State(JobState),
    /// Running, on the gateway instance named (its processes carry the name).
    Started { runner: String },
    Finished {
        state: JobState,
        result: Option<String>,
        error: Option<String>,
    },
}

/// Filter and page of `list`.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    pub state: Option<JobState>,
    /// Only this principal's jobs; `None` for all (admins).
    pub owner: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

/// Whose conversation: `metadata.conversation_id` within one principal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConversationKey {
    pub owner: String,
    pub id: String,
}

/// What an `Idempotency-Key` maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: it now names this job.
    New,
    /// The key names an earlier job, created from a payload with this fingerprint.
    Existing { job_id: JobId, fingerprint: String },
}

#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    /// `memory`, `sqlite` or `redis`.
    fn backend(&self) -> &'static str;
    async fn insert(&self, job: JobRecord, spec: &JobSpec) -> Result<(), StoreError>;
    async fn update(&self, job_id: &JobId, update: JobUpdate) -> Result<JobRecord, StoreError>;
    async fn get(&self, job_id: &JobId) -> Result<Option<JobRecord>, StoreError>;
    /// Newest first; the total count of matching jobs beside the page.
    async fn list(&self, query: JobQuery) -> Result<(Vec<JobRecord>, usize), StoreError>;
    /// Appends an event and returns its sequence number (1, 2, …).
    /// `end_of_stream` closes the log.
    async fn append(&self, job_id: &JobId, event: JobEvent) -> Result<u64, StoreError>;
    /// Events with a sequence number above `after`, then live ones. Past the
    /// end of a closed log, the terminal event again, so a late resume still ends.
    async fn subscribe(&self, job_id: &JobId, after: u64) -> Result<EventStream, StoreError>;
    /// Bounded conversation memory.
    async fn conversation(&self, key: &ConversationKey) -> Result<Vec<Value>, StoreError>;
    async fn save_conversation(
        &self,
        key: &ConversationKey,
        messages: Vec<Value>,
    ) -> Result<(), StoreError>;
    /// Maps `(owner, key)` to `job_id` for `window`, unless it already maps to a job.
    async fn claim_idempotency(
        &self,
        owner: &str,
        key: &str,
        fingerprint: &str,
        job_id: &JobId,
        window: Duration,
    ) -> Result<Claim, StoreError>;
    /// Forgets a claim whose job was never created (refused at admission).
    async fn release_idempotency(&self, owner: &str, key: &str) -> Result<(), StoreError>;
    /// Whether the store's byte budget leaves room for another job.
    fn has_room(&self) -> bool {
        true
    }
    /// What an earlier life of a durable store left unfinished; nothing in memory.
    async fn recover(&self) -> Result<Recovered, StoreError> {
        Ok(Recovered::default())
    }
    /// Ok when the backend answers; why not otherwise (`/health`).
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Drops what is past its retention (called periodically).
    async fn expire(&self) {}
    /// Shared by replicas: how long a replica's hold on its jobs lasts, so
    /// that others look for orphans that often; `None` for a single process.
    fn lease(&self) -> Option<Duration> {
        None
    }
    /// The unfinished jobs of replicas that died, each taken by one replica.
    async fn adopt_orphans(&self) -> Result<Recovered, StoreError> {
        Ok(Recovered::default())
    }
    /// Asks whichever replica runs the job to cancel it.
    async fn request_cancel(&self, _job_id: &JobId) -> Result<(), StoreError> {
        Ok(())
    }
    /// Cancel requests from other replicas (taken once, by the job manager).
    fn cancel_requests(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<JobId>> {
        None
    }
    /// Hands a queued job to whichever replica has a free run slot first (a
    /// shared store); it was inserted and its first event appended.
    async fn share(&self, _job_id: &JobId) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(
            "this store has no shared queue".into(),
        ))
    }
    /// Claims a queued job no replica has taken, so that nobody runs it
    /// (to cancel it); whether this replica got it.
    async fn claim_queued(&self, _job_id: &JobId) -> Result<bool, StoreError> {
        Ok(false)
    }
    /// Jobs handed to the shared queue and not yet taken.
    async fn shared_queue_len(&self) -> Result<usize, StoreError> {
        Ok(0)
    }
    /// Takes the next shared job with one of `slots` (this replica's run
    /// slots), waiting at most `wait`; `None` when none came or no slot was
    /// free by then (the job stays queued for any replica).
    async fn take_shared(
        &self,
        _wait: Duration,
        _slots: &Arc<tokio::sync::Semaphore>,
    ) -> Result<Option<(JobRecord, JobSpec, tokio::sync::OwnedSemaphorePermit)>, StoreError> {
        Ok(None)
    }
    /// This replica's name among those sharing the store; `None` for a single process.
    fn replica(&self) -> Option<&str> {
        None
    }
    /// Records that this replica holds a legacy MCP session for `owner`
    /// (`None`: it ended), so other replicas relay its messages here.
    async fn hold_session(&self, _session: &str, _owner: Option<&str>) -> Result<(), StoreError> {
        Ok(())
    }
    /// Hands a legacy MCP message to the replica named; whether that replica
    /// holds the session for the message's owner and is listening.
    async fn relay(&self, _replica: &str, _message: &Relayed) -> Result<bool, StoreError> {
        Ok(false)
    }
    /// Legacy MCP messages other replicas relayed to this one (taken once).
    fn relayed(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<Relayed>> {
        None
    }
}

/// A legacy MCP `POST /messages` that reached a replica other than the one
/// holding its session.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Relayed {
    pub session: String,
    /// The key that posted it: the session's owner must be the same.
    pub owner: String,
    /// The JSON-RPC message, as posted.
    pub body: String,
}
