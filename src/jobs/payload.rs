//! Reading the user's command out of a request payload.
//!
//! Three text forms (`textEntries[0].content`, `input`, `command`) in an
//! order that differs by endpoint, as the old service's did, plus
//! `{"tool": "<name>", "arguments": {...}}` for a direct tool call.

use serde_json::{Map, Value};

use super::slash::{self, Slash};

/// Which endpoint's precedence applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    /// `/api/v1/stream-execute`: textEntries, input, command.
    Stream,
    /// `/execute`: input, command, textEntries.
    Execute,
}

/// What a job executes (stored with durable jobs, so a queued job can run
/// after a restart or on another replica).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum JobCommand {
    /// A catalogue tool with arguments.
    Tool { name: String, arguments: Value },
    /// A local answer (help, tool list).
    Slash(Slash),
    /// Natural language, for the agent.
    Text(String),
    /// A slash command that did not parse; the job fails with this message.
    Invalid(String),
}

/// A parsed payload.
#[derive(Debug, Clone)]
pub struct ParsedPayload {
    pub command: JobCommand,
    /// What the user asked, for records and logs.
    pub display: String,
    /// `tool`, `slash` or `text`.
    pub kind: &'static str,
    pub metadata: Value,
}

/// Why a payload has no command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// No command in any form (400, the contract's detail).
    NoCommand,
    /// A field of the wrong shape (422).
    Invalid(String),
    /// A field past its size limit (413).
    TooLarge(String),
}

/// `metadata` is kept with the job and shown with it: it has a size limit.
pub fn check_metadata(payload: &Value, max_bytes: usize) -> Result<(), PayloadError> {
    let Some(metadata) = payload.get("metadata") else {
        return Ok(());
    };
    let size = metadata.to_string().len();
    if size > max_bytes {
        return Err(PayloadError::TooLarge(format!(
            "metadata is {size} bytes; the limit is {max_bytes} (jobs.max_metadata_bytes)"
        )));
    }
    Ok(())
}

/// The JSON Schema of the payloads `parse` accepts, for the API description.
pub fn schema() -> Value {
    let metadata = serde_json::json!({"description": "Kept with the job as sent (e.g. `{\"source\": \"web\"}`); at most `jobs.max_metadata_bytes`."});
    let text = serde_json::json!({"type": "string", "description": "The command text."});
    serde_json::json!({
        "description": "The command, in one of four forms. When several text forms are present, `/api/v1/stream-execute` takes `textEntries[0].content`, then `input`, then `command`; `/execute` takes `input`, then `command`, then `textEntries[0].content`. A `tool` field wins over all of them. Text starting with `/` is a slash command (`/help` lists them).",
        "anyOf": [
            {"type": "object", "title": "textEntries", "required": ["textEntries"], "properties": {
                "textEntries": {"type": "array", "items": {"type": "object", "properties": {
                    "content": text, "type": {"type": "string", "description": "The front end's entry kind (e.g. `text`); not read."}}}},
                "metadata": metadata}},
            {"type": "object", "title": "input", "required": ["input"], "properties": {"input": text, "metadata": metadata}},
            {"type": "object", "title": "command", "required": ["command"], "properties": {"command": text, "metadata": metadata}},
            {"type": "object", "title": "tool", "required": ["tool"], "properties": {
                "tool": {"type": "string", "description": "A catalogue tool; a key needs its scope."},
                "arguments": {"type": "object", "description": "The tool's arguments (see the tool's own operation); default `{}`."},
                "metadata": metadata}},
        ],
    })
}

/// Finds the command in `payload`.
pub fn parse(payload: &Value, precedence: Precedence) -> Result<ParsedPayload, PayloadError> {
    let Some(object) = payload.as_object() else {
        return Err(PayloadError::Invalid(
            "the payload must be a JSON object".into(),
        ));
    };
    let metadata = object
        .get("metadata")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    if let Some(tool) = object.get("tool") {
        let Some(name) = tool.as_str().filter(|s| !s.is_empty()) else {
            return Err(PayloadError::Invalid("tool: must be a tool name".into()));
        };
        let arguments = object
            .get("arguments")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        if !arguments.is_object() {
            return Err(PayloadError::Invalid(
                "arguments: must be a JSON object".into(),
            ));
        }
        return Ok(ParsedPayload {
            display: format!("tool:{name}"),
            command: JobCommand::Tool {
                name: name.to_string(),
                arguments,
            },
            kind: "tool",
            metadata,
        });
    }
    let entries = || {
        object
            .get("textEntries")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|e| e.get("content"))
            .and_then(Value::as_str)
    };
    let field = |name: &str| object.get(name).and_then(Value::as_str);
    let candidates = match precedence {
        Precedence::Stream => [entries(), field("input"), field("command")],
        Precedence::Execute => [field("input"), field("command"), entries()],
    };
    let text = candidates
        .into_iter()
        .flatten()
        .find(|t| !t.trim().is_empty())
        .ok_or(PayloadError::NoCommand)?;
    let (command, kind) = if text.trim_start().starts_with('/') {
        match slash::parse(text) {
            Ok(Slash::Tool { name, arguments }) => (JobCommand::Tool { name, arguments }, "slash"),
            Ok(other) => (JobCommand::Slash(other), "slash"),
            Err(refused) => (JobCommand::Invalid(refused.to_string()), "slash"),
        }
    } else {
        (JobCommand::Text(text.to_string()), "text")
    };
    Ok(ParsedPayload {
        command,
        display: text.to_string(),
        kind,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text_of(payload: Value, p: Precedence) -> String {
        parse(&payload, p).unwrap().display
    }

    #[test]
    fn precedence_differs_by_endpoint() {
        let all = json!({"textEntries": [{"content": "a", "type": "text"}], "input": "b", "command": "c"});
        assert_eq!(text_of(all.clone(), Precedence::Stream), "a");
        assert_eq!(text_of(all, Precedence::Execute), "b");
        assert_eq!(
            text_of(
                json!({"command": "c", "textEntries": [{"content": "a"}]}),
                Precedence::Execute
            ),
            "c"
        );
    }

    #[test]
    fn empty_forms_are_no_command() {
        for p in [
            json!({}),
            json!({"textEntries": []}),
            json!({"input": ""}),
            json!({"input": "  "}),
            json!({"metadata": {}}),
        ] {
            assert_eq!(
                parse(&p, Precedence::Stream).unwrap_err(),
                PayloadError::NoCommand,
                "{p}"
            );
        }
        assert!(matches!(
            parse(&json!([1]), Precedence::Stream),
            Err(PayloadError::Invalid(_))
        ));
    }

    #[test]
    fn tool_form_and_slash_commands() {
        let p = parse(
            &json!({"tool": "get_agent_info", "arguments": {"agent_id": "A"}}),
            Precedence::Stream,
        )
        .unwrap();
        assert_eq!(
            p.command,
            JobCommand::Tool {
                name: "get_agent_info".into(),
                arguments: json!({"agent_id": "A"})
            }
        );
        let p = parse(
            &json!({"input": "/list", "metadata": {"source": "web"}}),
            Precedence::Execute,
        )
        .unwrap();
        assert_eq!(p.kind, "slash");
        assert_eq!(p.metadata, json!({"source": "web"}));
        let p = parse(&json!({"input": "/nope"}), Precedence::Execute).unwrap();
        assert!(matches!(p.command, JobCommand::Invalid(_)));
        let p = parse(
            &json!({"input": "List available agents"}),
            Precedence::Execute,
        )
        .unwrap();
        assert_eq!(p.command, JobCommand::Text("List available agents".into()));
    }
}
