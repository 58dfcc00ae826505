//! The catalogue as MCP tools, and tool results as MCP results.
//!
//! Input schemas, descriptions and hints come from `conductor::catalogue`; the
//! output schemas describe the `structured` values `Conductor::execute`
//! produces. Every schema requires only `status`, so the error envelopes
//! (`{"status": "error", "error": ..}`) of failed validation or a busy runner
//! conform too, and clients that validate `structuredContent` never reject a
//! result of ours.

use std::sync::{Arc, LazyLock};

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

use crate::conductor::catalogue::{self, ToolDef, schema_of};
use crate::conductor::{ArgError, Busy, RunResult, ToolResult};

static MCP_TOOLS: LazyLock<Vec<Tool>> =
    LazyLock::new(|| catalogue::tools().iter().map(to_mcp).collect());

/// The 13 tools as `tools/list` answers them, built once.
pub fn mcp_tools() -> &'static [Tool] {
    &MCP_TOOLS
}

fn to_mcp(def: &ToolDef) -> Tool {
    let mut input = Value::Object((*def.input_schema).clone());
    strip_rust_formats(&mut input);
    Tool::new(def.name, def.description, Arc::new(props(input)))
        .with_title(def.title)
        .with_raw_output_schema(output_schema(def.name))
        .with_annotations(
            ToolAnnotations::with_title(def.title)
                .read_only(def.hints.read_only)
                .destructive(def.hints.destructive)
                .idempotent(def.hints.idempotent)
                // As the REST tool list says: the tools act on this project only.
                .open_world(false),
        )
}

/// Properties every structured result may carry.
fn envelope() -> Map<String, Value> {
    props(json!({
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
    }))
}

/// The properties of a CLI run (`RunResult`), from its derived schema.
fn run_properties() -> Map<String, Value> {
    let schema = schema_of::<RunResult>();
    let mut properties = match schema.get("properties") {
        Some(Value::Object(p)) => p.clone(),
        _ => Map::new(),
    };
    // `status` is a `&'static str` in Rust; say which two values it takes.
    properties.remove("status");
    for property in properties.values_mut() {
        strip_rust_formats(property);
    }
    properties
}

/// Drops schemars' Rust integer formats (`uint64`, `int32`, ...): they are not
/// JSON Schema formats, and validating clients (Ajv) warn about each one.
fn strip_rust_formats(schema: &mut Value) {
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

fn object_schema(properties: Map<String, Value>) -> Arc<JsonObject> {
    let mut all = envelope();
    all.extend(properties);
    Arc::new(props(json!({
        "type": "object",
        "properties": all,
        "required": ["status"],
    })))
}

/// The map of a JSON object literal.
fn props(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The output schema of tool `name`: what its `structuredContent` holds.
pub fn output_schema(name: &str) -> Arc<JsonObject> {
    match name {
        "set_environment" => object_schema(props(json!({
            "environment": {"type": ["string", "null"], "description": "The environment later agent runs get."},
            "project": {"type": ["string", "null"], "description": "The project later agent runs get."},
            "message": {"type": "string"}
        }))),
        "get_system_config" => object_schema(props(json!({
            "path": {"type": "string", "description": "The config.yaml that was read."},
            "config": {"description": "config.yaml, parsed."},
            "raw": {"type": "string", "description": "config.yaml as text."}
        }))),
        "clear_agent_history" => object_schema(props(json!({
            "agent_id": {"type": "string"},
            "cleared_entries": {"type": "integer", "minimum": 0, "description": "History turns removed."},
            "message": {"type": "string"}
        }))),
        // Without initial_input nothing runs and the session is only described.
        "start_interactive_session" => {
            let mut p = run_properties();
            p.extend(props(json!({
                "agent_id": {"type": "string"},
                "message": {"type": "string", "description": "What to do next, when nothing was run."}
            })));
            object_schema(p)
        }
        _ => object_schema(run_properties()),
    }
}

/// A finished call: the contract's text, the structure beside it.
pub fn tool_result(result: ToolResult) -> CallToolResult {
    let content = vec![ContentBlock::text(result.text)];
    let mut out = if result.is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    out.structured_content = Some(result.structured);
    out
}

/// Arguments that failed validation: a tool error naming the field, so the model can fix it.
pub fn invalid_arguments(why: &ArgError) -> CallToolResult {
    let text = format!("invalid arguments: {}: {}", why.field, why.message);
    let mut out = CallToolResult::error(vec![ContentBlock::text(text.clone())]);
    out.structured_content = Some(json!({
        "status": "error",
        "error": text,
        "field": why.field,
    }));
    out
}

/// The caller's API key lacks the tool's scope.
pub fn forbidden(why: String) -> CallToolResult {
    let mut out = CallToolResult::error(vec![ContentBlock::text(why.clone())]);
    out.structured_content = Some(json!({"status": "error", "error": why}));
    out
}

/// Every CLI slot and queue place is taken.
pub fn busy(busy: &Busy) -> CallToolResult {
    let text = busy.to_string();
    let mut out = CallToolResult::error(vec![ContentBlock::text(text.clone())]);
    out.structured_content = Some(json!({"status": "error", "error": text}));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_tools_with_schemas_annotations_and_output_schemas() {
        let tools = mcp_tools();
        assert_eq!(tools.len(), 13);
        for tool in tools {
            assert!(tool.description.as_deref().is_some_and(|d| !d.is_empty()));
            assert_eq!(tool.input_schema["type"], "object");
            let output = tool.output_schema.as_ref().expect("output schema");
            assert_eq!(output["type"], "object");
            assert_eq!(output["required"], json!(["status"]));
            assert!(tool.annotations.is_some());
            let input = serde_json::to_string(&*tool.input_schema).unwrap();
            assert!(!input.contains("uint64"), "{input}");
        }
    }

    #[test]
    fn run_tools_describe_every_run_result_field() {
        let schema = output_schema("execute_agent_stateless");
        let properties = schema["properties"].as_object().unwrap();
        for key in [
            "status",
            "outcome",
            "stdout",
            "stderr",
            "returncode",
            "duration_ms",
            "truncated",
            "timed_out",
            "command",
            "error",
        ] {
            assert!(properties.contains_key(key), "missing {key}");
        }
        assert_eq!(properties["status"]["enum"], json!(["success", "error"]));
        assert!(!serde_json::to_string(&*schema).unwrap().contains("uint64"));
    }

    #[test]
    fn invalid_arguments_name_the_field() {
        let result = invalid_arguments(&ArgError::new("agent_id", "must not be empty"));
        assert_eq!(result.is_error, Some(true));
        let structured = result.structured_content.unwrap();
        assert_eq!(structured["field"], "agent_id");
        assert!(
            structured["error"]
                .as_str()
                .unwrap()
                .contains("agent_id: must not be empty")
        );
    }
}
