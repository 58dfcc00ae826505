//! The REST face of the catalogue: list tools, call one.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::body::JsonBody;
use super::error::ApiError;
use crate::auth::Principal;
use crate::conductor::toolbox::EnvKey;
use crate::state::AppState;
use crate::tools::ToolDef;

/// A tool as the REST API and the web console describe it.
pub fn describe(tool: &ToolDef) -> Value {
    json!({
        "name": tool.name,
        "title": tool.title,
        "description": tool.description,
        "input_schema": *tool.input_schema,
        "annotations": {
            "readOnlyHint": tool.hints.read_only,
            "destructiveHint": tool.hints.destructive,
            "idempotentHint": tool.hints.idempotent,
            "openWorldHint": false,
        },
        "scope": tool.scope,
    })
}

/// `GET /api/v1/tools`: the tools the caller's key may call.
pub async fn list(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
) -> Json<Value> {
    let principal = principal.map(|p| p.0).unwrap_or_else(Principal::anonymous);
    let tools: Vec<Value> = state
        .conductor
        .tools()
        .iter()
        .filter(|t| principal.scopes.allows(t.scope))
        .map(describe)
        .collect();
    Json(json!({ "tools": tools }))
}

/// `POST /api/v1/tools/{name}`: runs the tool; CLI failures are results, not HTTP errors.
pub async fn call(
    State(state): State<AppState>,
    Path(name): Path<String>,
    principal: Option<Extension<Principal>>,
    JsonBody(args): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let principal = principal.map(|p| p.0).unwrap_or_else(Principal::anonymous);
    let env = EnvKey::principal(&principal.name);
    let (tool, action) = state.conductor.prepare(&name, args, &env)?;
    let cancel = state.cancel_all.child_token();
    let result = state
        .conductor
        .execute(tool, action, &env, None, cancel)
        .await?;
    Ok(Json(json!({
        "tool": result.tool,
        "status": if result.is_error { "error" } else { "success" },
        "is_error": result.is_error,
        "outcome": result.outcome,
        "error": result.error,
        "text": result.text,
        "readable": result.readable,
        "result": result.structured,
    })))
}
