//! The REST face of the catalogue: list tools, call one.

use axum::extract::State;
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::body::JsonBody;
use super::error::ApiError;
use super::operation::{Operation, component, path_param};
use super::route::ResolvedTool;
use crate::auth::{Principal, Scope};
use crate::conductor::toolbox::EnvKey;
use crate::tools::{self, Outcome, ToolDef};

/// `GET /api/v1/tools`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToolList {
    pub tools: Vec<ToolDescription>,
}

/// A tool as the REST API and the web console describe it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToolDescription {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The tool's arguments as a JSON Schema (2020-12) object.
    pub input_schema: Map<String, Value>,
    pub annotations: ToolAnnotations,
    /// The scope a key needs to call the tool.
    pub scope: Scope,
}

/// MCP tool annotations.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    pub read_only_hint: bool,
    pub destructive_hint: bool,
    pub idempotent_hint: bool,
    pub open_world_hint: bool,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CallStatus {
    Success,
    Error,
}

/// The result of `POST /api/v1/tools/{name}`. A CLI failure is a result
/// (`status: "error"`, `outcome` says how), not an HTTP error.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToolCallResult {
    pub tool: &'static str,
    pub status: CallStatus,
    pub is_error: bool,
    /// How the CLI run ended; `null` for tools answered without the CLI.
    pub outcome: Option<Outcome>,
    /// Why it failed, in words; `null` on success.
    pub error: Option<String>,
    /// The text MCP clients of the old service read: the CLI's stdout or a `❌` line
    /// (plain tools), or the JSON text of `{"status", "stdout", "stderr", "returncode", ...}`.
    pub text: String,
    /// The text a person wants: an agent's answer, the CLI's output, or a message.
    pub readable: String,
    /// The structured result: the run (command, stdout, stderr, return code, …) or the local answer's object.
    pub result: Value,
}

/// A tool as the REST API and the web console describe it.
pub fn describe(tool: &ToolDef) -> ToolDescription {
    ToolDescription {
        name: tool.name,
        title: tool.title,
        description: tool.description,
        input_schema: (*tool.input_schema).clone(),
        annotations: ToolAnnotations {
            read_only_hint: tool.hints.read_only,
            destructive_hint: tool.hints.destructive,
            idempotent_hint: tool.hints.idempotent,
            open_world_hint: false,
        },
        scope: tool.scope,
    }
}

/// `GET /api/v1/tools`: the tools the caller's key may call.
pub async fn list(Extension(principal): Extension<Principal>) -> Json<ToolList> {
    Json(ToolList {
        tools: tools::all()
            .iter()
            .filter(|t| principal.scopes.allows(t.scope))
            .map(describe)
            .collect(),
    })
}

/// `POST /api/v1/tools/{name}`: runs the tool the guard resolved (and
/// checked the scope of); CLI failures are results, not HTTP errors.
pub async fn call(
    State(state): State<crate::state::AppState>,
    Extension(ResolvedTool(tool)): Extension<ResolvedTool>,
    Extension(principal): Extension<Principal>,
    JsonBody(args): JsonBody,
) -> Result<Json<ToolCallResult>, ApiError> {
    let env = EnvKey::principal(&principal.name);
    let granted = state
        .conductor
        .prepare(principal.scopes, tool.name, args, &env)?;
    let cancel = state.shutdown.cancel_all.child_token();
    let result = state.conductor.execute(granted, &env, None, cancel).await?;
    Ok(Json(ToolCallResult {
        tool: result.tool,
        status: if result.is_error {
            CallStatus::Error
        } else {
            CallStatus::Success
        },
        is_error: result.is_error,
        outcome: result.outcome,
        error: result.error,
        text: result.text,
        readable: result.readable,
        result: result.structured,
    }))
}

pub fn doc_list() -> Operation {
    Operation::new("list_tools", "tools", "List tools")
        .describe("The catalogue: each tool's name, description, input schema, MCP annotations and the scope it needs. With API keys configured, only the tools the caller's key may call are listed.")
        .ok::<ToolList>("The tools the caller may call.")
}

pub fn doc_call() -> Operation {
    let names: Vec<&str> = tools::all().iter().map(|t| t.name).collect();
    Operation::new("call_tool", "tools", "Call a tool")
        .describe("Runs one tool with the body as its arguments (an empty body reads as `{}`). CLI failures are results (`status: \"error\"`, `outcome`), not HTTP errors. The tool is resolved from the decoded path (names are exact; an unknown name is 404 before anything else) and the key needs that tool's scope (`read`, `run` or `admin`; `x-required-scope` is `per-tool` here). Each tool also has its own operation with its argument schema and scope.")
        .param(path_param("name", "A tool of the catalogue.", json!({"type": "string", "enum": names})))
        .body_schema(json!({"type": "object", "description": "The tool's arguments: see the tool's own operation."}), json!({}), false)
        .ok::<ToolCallResult>("The tool ran (or refused in words: see `status`).")
        .error(404, "Unknown tool.")
        .error(413, "The body, or an input text (`conductor.max_input_bytes`), is too large.")
        .error(422, "The body is not JSON, or the arguments do not match the tool's schema (`field` names the argument).")
        .error(503, "The CLI runner is busy (`conductor.max_queue` callers already waiting); `Retry-After` is set.")
        .with_scope_note("per-tool")
}

/// `POST /api/v1/tools/<name>` for one catalogue tool.
pub fn doc_tool(tool: &ToolDef) -> Operation {
    let required = tool
        .input_schema
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| !r.is_empty());
    let hints = tool.hints;
    let description = format!(
        "{}\n\nNeeds the `{}` scope. Read-only: {}; destructive: {}; idempotent: {}. MCP exposes the same tool as `{}` with the same input schema.",
        tool.description,
        tool.scope.as_str(),
        hints.read_only,
        hints.destructive,
        hints.idempotent,
        tool.name,
    );
    let mut op = Operation::new(&format!("tool_{}", tool.name), "tools", tool.title)
        .describe(&description)
        .body_schema(
            component(&super::operation::arguments_component(tool.name)),
            tool.example_arguments(),
            required,
        )
        .ok::<ToolCallResult>("The tool ran (or refused in words: see `status`).")
        .error(
            422,
            "The body is not JSON, or the arguments do not match the schema (`field` names the argument).",
        )
        .error(503, "The CLI runner is busy; `Retry-After` is set.");
    if tool.takes_input {
        op = op.error(
            413,
            "The body, or the input text (`conductor.max_input_bytes`), is too large.",
        );
    }
    op
}
