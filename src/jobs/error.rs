//! Why a job operation was refused: submit, cancel, an approval answer.

use super::approval::AnswerError;
use super::model::JobRecord;
use super::store::StoreError;
use crate::auth::MissingScope;

/// Why a job was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("too many jobs: {running} running and {queued} queued; try again shortly")]
    TooMany { running: usize, queued: usize },
    #[error("the gateway is shutting down and accepts no new jobs")]
    ShuttingDown,
    #[error("the job store is full (jobs.store_max_bytes); try again when running jobs finish")]
    Full,
    #[error(
        "this Idempotency-Key was used with a different payload; use a new key for a new request"
    )]
    KeyReused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a cancel did not apply.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("job {0} not found or expired")]
    NotFound(String),
    #[error("job already finished ({})", .0.state.as_str())]
    Finished(Box<JobRecord>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an approval answer was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("job {0} not found or expired")]
    NotFound(String),
    #[error(transparent)]
    NotPending(#[from] AnswerError),
    #[error(transparent)]
    Forbidden(#[from] MissingScope),
    #[error(transparent)]
    Store(#[from] StoreError),
}
