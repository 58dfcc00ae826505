//! `GET /health` and `OPTIONS /health`: the contract's body plus `checks`.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use schemars::JsonSchema;
use serde::Serialize;

use super::operation::Operation;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// The CLI is usable and an LLM is configured.
    Healthy,
    /// A check failed; `checks` says which.
    Degraded,
}

/// `/health`: the contract's fields plus `checks`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Health")]
pub struct HealthBody {
    pub status: HealthStatus,
    /// Always `conductor_gateway`.
    #[schemars(extend("const" = "conductor_gateway"))]
    pub service: &'static str,
    /// The gateway's version (semver).
    pub version: &'static str,
    /// What backs the gateway: `cli` (a configured conductor CLI) or `demo` (the built-in demo engine).
    #[schemars(extend("enum" = ["cli", "demo"]))]
    pub mode: &'static str,
    pub endpoints: HealthEndpoints,
    pub checks: HealthChecks,
}

/// Where the surfaces are, as absolute URLs built from `server.host` and the ports.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthEndpoints {
    /// The REST API's base URL (`…/api/v1`).
    pub api: String,
    /// The MCP listener's base URL.
    pub mcp: String,
    /// This endpoint's URL.
    pub health: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthChecks {
    pub conductor: ConductorCheck,
    pub llm: LlmCheck,
    pub store: StoreCheck,
}

/// Does the job store answer?
#[derive(Debug, Serialize, JsonSchema)]
pub struct StoreCheck {
    pub ok: bool,
    /// `memory`, `sqlite` or `redis`.
    pub backend: &'static str,
    pub detail: String,
}

/// Is the conductor CLI usable?
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConductorCheck {
    pub ok: bool,
    /// What was found, or why it is unusable.
    pub detail: String,
    /// `cli` or `demo`.
    pub mode: &'static str,
}

/// Is an LLM configured (plain-text commands need one)?
#[derive(Debug, Serialize, JsonSchema)]
pub struct LlmCheck {
    pub ok: bool,
    pub configured: bool,
    /// The model name, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub detail: &'static str,
}

/// How long a `/health` body is served again before it is made anew.
const FRESH: Duration = Duration::from_secs(1);

pub async fn health(State(state): State<AppState>) -> Response {
    let fresh = state
        .health_body
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .filter(|(at, _)| at.elapsed() < FRESH)
        .map(|(_, body)| body.clone());
    let body = match fresh {
        Some(body) => body,
        None => {
            let store = state.jobs.store();
            let store = StoreCheck {
                ok: true,
                backend: store.backend(),
                detail: String::new(),
            }
            .checked(store.ping().await);
            let body = Bytes::from(serde_json::to_vec(&body(&state, store)).unwrap_or_default());
            *state.health_body.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((Instant::now(), body.clone()));
            body
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

impl StoreCheck {
    fn checked(mut self, ping: Result<(), crate::jobs::StoreError>) -> Self {
        match ping {
            Ok(()) => self.detail = "answering".into(),
            Err(e) => {
                self.ok = false;
                self.detail = e.to_string();
            }
        }
        self
    }
}

fn body(state: &AppState, store: StoreCheck) -> HealthBody {
    let conductor = state.conductor.runner().check();
    let llm_configured = state.settings.llm.api_key.is_some();
    let healthy = conductor.is_ok() && llm_configured && store.ok;
    let host = &state.settings.server.host;
    let mcp_port = state.mcp_port.unwrap_or(state.settings.server.mcp_port);
    let mode = state.mode.as_str();
    let (ok, detail) = match conductor {
        Ok(detail) => (true, detail),
        Err(why) => (false, why.to_string()),
    };
    let llm = if llm_configured {
        LlmCheck {
            ok: true,
            configured: true,
            model: Some(state.settings.llm.model.clone()),
            detail: "plain-text commands go to the model",
        }
    } else {
        LlmCheck {
            ok: false,
            configured: false,
            model: None,
            detail: "no LLM configured (set OPENAI_API_KEY): plain-text commands are refused; slash commands, {\"tool\": ...} payloads and MCP work",
        }
    };
    HealthBody {
        status: if healthy {
            HealthStatus::Healthy
        } else {
            HealthStatus::Degraded
        },
        service: "conductor_gateway",
        version: env!("CARGO_PKG_VERSION"),
        mode,
        endpoints: HealthEndpoints {
            api: format!("http://{host}:{}/api/v1", state.http_port),
            mcp: format!("http://{host}:{mcp_port}"),
            health: format!("http://{host}:{}/health", state.http_port),
        },
        checks: HealthChecks {
            conductor: ConductorCheck { ok, detail, mode },
            llm,
            store,
        },
    }
}

pub fn doc() -> Operation {
    Operation::new("health", "service", "Health")
        .describe("Liveness and readiness: the contract's fields plus `checks` (is the conductor CLI usable, is an LLM configured). Always open; never rate limited; exempt from the `Host` check so probes work.")
        .ok::<HealthBody>("The gateway answers; `status` is `degraded` when a check fails.")
}

pub fn doc_options() -> Operation {
    Operation::new("health_options", "service", "Health (OPTIONS)")
        .describe("The old service answered `OPTIONS /health` with the health body; a CORS preflight (with `Access-Control-Request-Method`) is answered as a preflight instead.")
        .ok::<HealthBody>("The health body.")
}
