//! Jobs: background executions with an event log that streams to any number
//! of subscribers and replays from any event id.
//!
//! - `model`: states, records, the event wire form.
//! - `store`: the `JobStore` trait (records, event logs, conversations).
//! - `memory`: the embedded in-memory store (the default).
//! - `payload`: finding the command in a request payload.
//! - `slash`: the slash-command grammar of direct mode.
//! - `context`: what an executor gets (emit events, run tools) and the `Agent` trait.
//! - `manager`: admission, limits, idempotency, running, cancel, waiting.

pub mod context;
pub mod manager;
pub mod memory;
pub mod model;
pub mod payload;
pub mod slash;
pub mod store;

pub use context::{Agent, JobContext, JobFailure};
pub use manager::{CancelError, JobManager, SubmitError, Submitted};
pub use model::{JobRecord, JobState};
pub use store::{Delivery, JobStore, StoreError};

/// Locks a std mutex of this module. Every critical section here is a plain
/// field or map update that a panic cannot leave half-written, so a poisoned
/// lock still guards consistent data and is used as is.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
