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
