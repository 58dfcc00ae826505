//! The catalogue as MCP tools, and tool results as MCP results.
//!
//! Input and output schemas, descriptions and hints come from `tools`, where
//! each tool is declared once. Every output schema requires only `status`, so
//! the error envelopes (`{"status": "error", "error": ..}`) of failed
//! validation or a busy runner conform too, and clients that validate
//! `structuredContent` never reject a result of ours.

use std::sync::{Arc, LazyLock};

use rmcp::model::{CallToolResult, ContentBlock, Tool, ToolAnnotations};
use serde_json::{Value, json};

use crate::conductor::{Busy, ToolResult};
use crate::tools::outputs::strip_rust_formats;
use crate::tools::{self, ArgError, TextStyle, ToolDef};

static MCP_TOOLS: LazyLock<Vec<Tool>> = LazyLock::new(|| tools::all().iter().map(to_mcp).collect());

/// The 13 tools as `tools/list` answers them, built once.
pub fn mcp_tools() -> &'static [Tool] {
    &MCP_TOOLS
}

fn to_mcp(def: &ToolDef) -> Tool {
    let mut input = Value::Object((*def.input_schema).clone());
    strip_rust_formats(&mut input);
    let input = match input {
        Value::Object(map) => map,
        _ => Default::default(),
    };
    Tool::new(def.name, def.description, Arc::new(input))
        .with_title(def.title)
        .with_raw_output_schema(def.output_schema.clone())
        .with_annotations(
            ToolAnnotations::with_title(def.title)
                .read_only(def.hints.read_only)
                .destructive(def.hints.destructive)
                .idempotent(def.hints.idempotent)
                // As the REST tool list says: the tools act on this project only.
                .open_world(false),
        )
}

/// A call that did not run, in the tool's text shape: a `❌` line for plain
/// tools, else the contract's object with nothing run (`returncode` -1).
pub fn refusal(tool: Option<&ToolDef>, why: &str, extra: Option<(&str, &str)>) -> CallToolResult {
    let mut structured = json!({
        "status": "error",
        "error": why,
        "stdout": "",
        "stderr": why,
        "returncode": -1,
    });
    if let Some((key, value)) = extra {
        structured[key] = Value::from(value);
    }
    let text = match tool.map(|t| t.text_style) {
        Some(TextStyle::Object) => structured.to_string(),
        _ => format!("❌ {why}"),
    };
    let mut out = CallToolResult::error(vec![ContentBlock::text(text)]);
    out.structured_content = Some(structured);
    out
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
pub fn invalid_arguments(tool: &ToolDef, why: &ArgError) -> CallToolResult {
    let text = format!("invalid arguments: {}: {}", why.field, why.message);
    refusal(Some(tool), &text, Some(("field", &why.field)))
}

/// The caller's API key lacks the tool's scope.
pub fn forbidden(tool: &ToolDef, why: &str) -> CallToolResult {
    refusal(Some(tool), why, None)
}

/// Every CLI slot and queue place is taken.
pub fn busy(tool: &ToolDef, busy: &Busy) -> CallToolResult {
    refusal(Some(tool), &busy.to_string(), None)
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
        let schema = tools::find("execute_agent_stateless")
            .unwrap()
            .output_schema
            .clone();
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
        let tool = tools::find("get_agent_info").unwrap();
        let result = invalid_arguments(tool, &ArgError::new("agent_id", "must not be empty"));
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
