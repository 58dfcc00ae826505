//! Jobs: background executions with an event log that streams to any number
//! of subscribers and replays from any event id.
//!
//! - `model`: ids, states, records.
//! - `event`: the typed events (`JobEvent`) and their wire form.
//! - `store`: the `JobStore` trait (records, event logs, conversations, idempotency).
//! - `memory`: the in-memory store (also the live half of the durable ones).
//! - `sqlite`: the durable single-node store (one file, WAL, batched writes).
//! - `redis`: the store shared by replicas (Streams, leases, cancel requests).
//! - `approval`: pending approvals of destructive tool calls.
//! - `payload`: finding the command in a request payload.
//! - `slash`: the slash-command grammar of direct mode.
//! - `context`: what an executor gets (emit events, run tools) and the `Agent` trait.
//! - `task`: one job's background task (run slot, execution, its end).
//! - `error`: why submit, cancel or an approval answer was refused.
//! - `manager`: admission, limits, idempotency, ownership, cancel, waiting;
//!   `manager/recovery`: jobs left by a restart or a dead replica, remote cancels.

pub mod approval;
pub mod context;
pub mod error;
pub mod event;
pub mod manager;
pub mod memory;
pub mod model;
pub mod payload;
pub mod redis;
pub mod slash;
pub mod sqlite;
pub mod store;
pub mod task;

pub use context::{Agent, JobContext, JobFailure};
pub use error::{ApprovalError, CancelError, SubmitError};
pub use event::JobEvent;
pub use manager::{JobManager, Submitted};
pub use model::{JobId, JobRecord, JobState};
pub use payload::PayloadError;
pub use store::{Delivery, JobStore, StoreError};

/// Locks a std mutex of this module. Every critical section here is a plain
/// field or map update that a panic cannot leave half-written, so a poisoned
/// lock still guards consistent data and is used as is.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
