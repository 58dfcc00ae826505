//! The tools' typed outputs, and the output schemas derived from them.
//!
//! A CLI tool's output is the run (`RunResult`); the tools answered by the
//! gateway itself have their own structs. Object-style tools (the contract's
//! "JSON text of {status, stdout, stderr, returncode}") wrap a local answer in
//! [`Envelope`] so that text holds the same four fields as a CLI run's.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{TextStyle, schema_of};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The CLI did what was asked.
    Ok,
    /// The CLI reported a failure in its output (it still exited 0).
    CliError,
    /// The CLI exited with a non-zero code.
    NonzeroExit,
    /// The gateway's deadline passed; the process group was killed.
    Timeout,
    /// The run was cancelled; the process group was killed.
    Cancelled,
    /// Output exceeded the cap; the process group was killed.
    OutputLimit,
    /// The process could not be started.
    SpawnFailed,
    /// No CLI at the configured path.
    NotFound,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::CliError => "cli_error",
            Outcome::NonzeroExit => "nonzero_exit",
            Outcome::Timeout => "timeout",
            Outcome::Cancelled => "cancelled",
            Outcome::OutputLimit => "output_limit",
            Outcome::SpawnFailed => "spawn_failed",
            Outcome::NotFound => "not_found",
        }
    }
}

impl crate::metrics::Label for Outcome {
    fn label(&self) -> &'static str {
        self.as_str()
    }
}

/// The structured result of a CLI run.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunResult {
    /// `success` when the outcome is `ok`, else `error`.
    pub status: &'static str,
    pub outcome: Outcome,
    pub stdout: String,
    pub stderr: String,
    /// Exit code; 124 on timeout, -1 when the process was killed or never started.
    pub returncode: i32,
    pub duration_ms: u64,
    pub truncated: bool,
    pub timed_out: bool,
    /// The argument vector that ran.
    pub command: Vec<String>,
    /// Why the run failed, in words, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RunResult {
    pub fn ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }

    /// A run that never got going (no CLI, cancelled while waiting, …).
    pub fn failed(command: Vec<String>, outcome: Outcome, error: String, duration_ms: u64) -> Self {
        Self {
            status: "error",
            outcome,
            stdout: String::new(),
            stderr: String::new(),
            returncode: -1,
            duration_ms,
            truncated: false,
            timed_out: false,
            command,
            error: Some(error),
        }
    }
}

/// A local answer in the contract's result object.
#[derive(Debug, Clone, Serialize)]
pub struct Envelope<T> {
    /// `success` or `error`.
    pub status: &'static str,
    /// What a person reads: the answer's message.
    pub stdout: String,
    /// Why it failed, when it did.
    pub stderr: String,
    /// 0 on success, 1 on failure: nothing ran, so no process exit code.
    pub returncode: i32,
    #[serde(flatten)]
    pub output: T,
}

/// `set_environment`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EnvironmentSet {
    /// The environment your later agent runs get.
    pub environment: Option<String>,
    /// The project your later agent runs get.
    pub project: Option<String>,
    pub message: String,
}

/// `get_system_config`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SystemConfigRead {
    /// The config.yaml that was read.
    pub path: String,
    /// config.yaml, parsed.
    pub config: Value,
    /// config.yaml as text.
    pub raw: String,
}

/// `clear_agent_history`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HistoryCleared {
    pub agent_id: String,
    /// History turns removed.
    pub cleared_entries: usize,
    pub message: String,
}

/// `start_interactive_session` without `initial_input`: nothing ran.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SessionReady {
    pub agent_id: String,
    /// What to do next.
    pub message: String,
}

/// `start_interactive_session`: the first turn's run, or a ready session.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum SessionStart {
    Ran(RunResult),
    Ready(SessionReady),
}

/// The schema of a tool's structured result: `T`'s properties (of every
/// branch, for a union), the error envelope, and for object-style tools the
/// contract's four fields. Only `status` is required, so the error envelopes
/// (`{"status": "error", "error": ...}`) conform too.
pub fn output_schema<T: JsonSchema>(style: TextStyle) -> Arc<Map<String, Value>> {
    let schema = schema_of::<T>();
    let mut properties = envelope(style);
    let branches: Vec<&Map<String, Value>> = match schema.get("anyOf") {
        Some(Value::Array(options)) => options.iter().filter_map(Value::as_object).collect(),
        _ => vec![&schema],
    };
    for branch in branches {
        if let Some(Value::Object(props)) = branch.get("properties") {
            for (name, prop) in props {
                if name != "status" {
                    let mut prop = prop.clone();
                    strip_rust_formats(&mut prop);
                    properties.insert(name.clone(), prop);
                }
            }
        }
    }
    let mut out = Map::new();
    out.insert("type".into(), Value::from("object"));
    out.insert("properties".into(), Value::Object(properties));
    out.insert("required".into(), json!(["status"]));
    Arc::new(out)
}

/// Properties every structured result may carry.
fn envelope(style: TextStyle) -> Map<String, Value> {
    let mut p = props(json!({
        "status": {
            "type": "string",
            "enum": ["success", "error"],
            "description": "`success` when the call did what was asked, else `error`."
        },
        "error": {
            "type": "string",
            "description": "Why the call failed, in words."
        },
        "field": {
            "type": "string",
            "description": "The argument at fault, when the arguments were invalid."
        }
    }));
    if style == TextStyle::Object {
        p.extend(props(json!({
            "stdout": {"type": "string", "description": "The CLI's output, or the answer's message."},
            "stderr": {"type": "string", "description": "The CLI's error output, or why the call failed."},
            "returncode": {"type": "integer", "description": "The CLI's exit code (124 on timeout, -1 when nothing ran); 0 or 1 for answers without the CLI."}
        })));
    }
    p
}

fn props(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Drops schemars' Rust integer formats (`uint64`, `int32`, ...): they are not
/// JSON Schema formats, and validating clients (Ajv) warn about each one.
pub fn strip_rust_formats(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let rust_format = map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("int") || f.starts_with("uint"));
            if rust_format {
                map.remove("format");
            }
            map.values_mut().for_each(strip_rust_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_rust_formats),
        _ => {}
    }
}
