//! `GET /health` and `OPTIONS /health`: the contract's body plus `checks`.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::state::AppState;

pub async fn health(State(state): State<AppState>) -> Json<Value> {
    let conductor = state.conductor.runner().check();
    let llm_configured = state.settings.llm.api_key.is_some();
    let healthy = conductor.is_ok() && llm_configured;
    let host = &state.settings.server.host;
    let mcp_port = state.mcp_port.unwrap_or(state.settings.server.mcp_port);
    let mut conductor_check = match &conductor {
        Ok(detail) => json!({"ok": true, "detail": detail}),
        Err(detail) => json!({"ok": false, "detail": detail}),
    };
    conductor_check["mode"] = Value::from(state.mode.as_str());
    let llm_check = if llm_configured {
        json!({"ok": true, "configured": true, "model": state.settings.llm.model,
               "detail": "plain-text commands go to the model"})
    } else {
        json!({"ok": false, "configured": false,
               "detail": "no LLM configured (set OPENAI_API_KEY): plain-text commands are refused; slash commands, {\"tool\": ...} payloads and MCP work"})
    };
    Json(json!({
        "status": if healthy { "healthy" } else { "degraded" },
        "service": "conductor_gateway",
        "version": env!("CARGO_PKG_VERSION"),
        "mode": state.mode.as_str(),
        "endpoints": {
            "api": format!("http://{host}:{}/api/v1", state.http_port),
            "mcp": format!("http://{host}:{mcp_port}"),
            "health": format!("http://{host}:{}/health", state.http_port),
        },
        "checks": {
            "conductor": conductor_check,
            "llm": llm_check,
        },
    }))
}
