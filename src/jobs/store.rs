//! The job store interface: job records and their event logs.
//!
//! Handlers and the manager see only this trait, so a shared backend (Redis
//! Streams, for several replicas) can replace the in-memory one: it assigns
//! sequence ids, replays from an id, follows live, and expires finished jobs.

use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use serde_json::Value;

use super::model::{JobRecord, JobState, StoredEvent};

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

/// A change to a job's record.
#[derive(Debug, Clone)]
pub enum JobUpdate {
    Started,
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
    pub limit: usize,
    pub offset: usize,
}

#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    async fn insert(&self, job: JobRecord) -> Result<(), StoreError>;
    async fn update(&self, job_id: &str, update: JobUpdate) -> Result<JobRecord, StoreError>;
    async fn get(&self, job_id: &str) -> Result<Option<JobRecord>, StoreError>;
    /// Newest first; the total count of matching jobs beside the page.
    async fn list(&self, query: JobQuery) -> Result<(Vec<JobRecord>, usize), StoreError>;
    /// Appends an event and returns its sequence number (1, 2, …).
    /// `end_of_stream` closes the log.
    async fn append(&self, job_id: &str, event: &str, data: Value) -> Result<u64, StoreError>;
    /// Events with a sequence number above `after`, then live ones.
    async fn subscribe(&self, job_id: &str, after: u64) -> Result<EventStream, StoreError>;
    /// Bounded conversation memory (`metadata.conversation_id`).
    async fn conversation(&self, id: &str) -> Result<Vec<Value>, StoreError>;
    async fn save_conversation(&self, id: &str, messages: Vec<Value>) -> Result<(), StoreError>;
}
