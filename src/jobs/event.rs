//! A job's events, typed: the contract's `event` names and their `data`.
//!
//! `JobEvent` is serde-tagged (`{"event": <name>, "data": {...}}`), and
//! [`SseMessage`] adds `timestamp` and `job_id`: the exact JSON of one SSE
//! `data:` line (`../shared/CONTRACT.md`). Every store keeps that same JSON,
//! so a replay from memory, SQLite or Redis is byte-identical.

use bytes::Bytes;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{JobId, JobState};
use crate::conductor::StreamKind;
use crate::tools::Outcome;

/// One step of a job, as its subscribers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum JobEvent {
    /// Always first.
    JobStarted {
        message: String,
        /// How the command was understood: `tool`, `slash` or `text`.
        kind: String,
    },
    /// The job's state changed (`queued`, `running`, `awaiting_approval`).
    StatusUpdate { state: JobState, message: String },
    /// The agent started on a plain-text command.
    OnChainStart { input: String, model: String },
    /// The agent finished: `status` and `output` and `steps`, or `error`.
    OnChainEnd {
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        steps: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A model request started.
    OnLlmStart {
        step: u32,
        model: String,
        /// Messages sent, the system prompt included.
        messages: usize,
    },
    /// A piece of the model's answer.
    OnLlmNewToken { chunk: String, step: u32 },
    /// A model request ended: its usage, finish reason and tool calls, or its error.
    OnLlmEnd {
        step: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        usage: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        finish_reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tool_calls: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A tool call started; `input` holds its arguments.
    OnToolStart { tool: String, input: Value },
    /// One line of CLI output, live.
    OnToolOutput {
        tool: String,
        stream: StreamKind,
        line: String,
    },
    /// A tool call ended: `status` (`success`/`error`), `outcome` and `output`, or `error`.
    OnToolEnd {
        tool: String,
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<Outcome>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The model wants a destructive tool; a person must approve or deny it
    /// (`POST /api/v1/jobs/{job_id}/approvals/{call_id}`).
    ApprovalRequired {
        call_id: String,
        tool: String,
        arguments: Value,
        /// Seconds until an unanswered request counts as denied.
        timeout_secs: u64,
    },
    /// The answer to an approval request: by whom, or `timeout`.
    ApprovalResolved {
        call_id: String,
        approved: bool,
        by: String,
    },
    /// The final text.
    Result { result: String },
    /// Why the job did not succeed; `state` is `failed`, `cancelled` or `timed_out`.
    Error { error: String, state: JobState },
    /// Events no longer retained.
    Gap {
        first_missing: u64,
        last_missing: u64,
        message: String,
    },
    /// Always last; the server closes the stream after it.
    EndOfStream { state: JobState, message: String },
}

/// The name of the event that always ends a stream.
pub const END_OF_STREAM: &str = "end_of_stream";

impl JobEvent {
    /// The contract's event name.
    pub fn name(&self) -> &'static str {
        match self {
            JobEvent::JobStarted { .. } => "job_started",
            JobEvent::StatusUpdate { .. } => "status_update",
            JobEvent::OnChainStart { .. } => "on_chain_start",
            JobEvent::OnChainEnd { .. } => "on_chain_end",
            JobEvent::OnLlmStart { .. } => "on_llm_start",
            JobEvent::OnLlmNewToken { .. } => "on_llm_new_token",
            JobEvent::OnLlmEnd { .. } => "on_llm_end",
            JobEvent::OnToolStart { .. } => "on_tool_start",
            JobEvent::OnToolOutput { .. } => "on_tool_output",
            JobEvent::OnToolEnd { .. } => "on_tool_end",
            JobEvent::ApprovalRequired { .. } => "approval_required",
            JobEvent::ApprovalResolved { .. } => "approval_resolved",
            JobEvent::Result { .. } => "result",
            JobEvent::Error { .. } => "error",
            JobEvent::Gap { .. } => "gap",
            JobEvent::EndOfStream { .. } => END_OF_STREAM,
        }
    }

    /// Whether this event ends the stream.
    pub fn is_terminal(&self) -> bool {
        matches!(self, JobEvent::EndOfStream { .. })
    }
}

/// The JSON of one SSE `data:` line: `{"event", "data", "timestamp", "job_id"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SseEvent")]
pub struct SseMessage {
    #[serde(flatten)]
    pub event: JobEvent,
    /// Unix time in seconds, with a fraction.
    pub timestamp: f64,
    /// The job's id.
    pub job_id: JobId,
}

impl SseMessage {
    /// The compact JSON (serde_json never writes a newline in it).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// Frames one event's JSON as an SSE message with its id (no `event:` field,
/// so browsers' `EventSource.onmessage` sees it).
pub fn sse_frame(seq: u64, json: &str) -> Bytes {
    let mut frame = String::with_capacity(json.len() + 32);
    frame.push_str("id: ");
    frame.push_str(itoa::Buffer::new().format(seq));
    frame.push_str("\ndata: ");
    frame.push_str(json);
    frame.push_str("\n\n");
    Bytes::from(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_form_is_the_contracts() {
        let message = SseMessage {
            event: JobEvent::JobStarted {
                message: "Job started: /list".into(),
                kind: "slash".into(),
            },
            timestamp: 1732240000.5,
            job_id: JobId::from("job_1"),
        };
        assert_eq!(
            message.to_json(),
            r#"{"event":"job_started","data":{"message":"Job started: /list","kind":"slash"},"timestamp":1732240000.5,"job_id":"job_1"}"#
        );
        let back: SseMessage = serde_json::from_str(&message.to_json()).unwrap();
        assert_eq!(back, message);
        assert_eq!(
            sse_frame(7, "{}"),
            Bytes::from_static(b"id: 7\ndata: {}\n\n")
        );
    }

    #[test]
    fn optional_fields_are_left_out_not_nulled() {
        let end = JobEvent::OnToolEnd {
            tool: "t".into(),
            status: "error".into(),
            outcome: None,
            output: None,
            error: Some("no".into()),
        };
        assert_eq!(
            serde_json::to_value(&end).unwrap(),
            serde_json::json!({"event": "on_tool_end", "data": {"tool": "t", "status": "error", "error": "no"}})
        );
        assert_eq!(end.name(), "on_tool_end");
    }
}
