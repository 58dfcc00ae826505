//! Why a model request failed, in words a person can act on.

/// Why a model request failed.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("cannot reach the model API at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the model API did not answer within {0} seconds (llm.request_timeout_secs)")]
    Timeout(u64),
    #[error("the model API answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("the model API reported an error in its stream: {0}")]
    Provider(String),
    #[error("the model's stream was malformed: {0}")]
    Malformed(String),
    #[error("the model's stream ended before the answer was complete{0}")]
    Truncated(String),
    #[error("{error} (gave up after {attempts} attempts)")]
    GaveUp { error: Box<LlmError>, attempts: u32 },
    #[error("invalid LLM settings: {0}")]
    Settings(String),
}
