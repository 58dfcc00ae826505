//! `ConductorMcp`: the one MCP `ServerHandler`, written by hand over the tool
//! catalogue (rather than rmcp's `#[tool_router]`) so that MCP, the REST tool
//! endpoints and the LLM agent all read the same 13 definitions.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, InitializeRequestParams,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities,
    ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tokio_util::sync::CancellationToken;

use super::call::{self, CallSignals};
use super::progress::Progress;
use super::tools;
use crate::auth::{Principal, Scopes};
use crate::conductor::toolbox::EnvKey;
use crate::conductor::{Conductor, ToolError};
use crate::config::Settings;
use crate::state::AppState;

/// The server name MCP clients of the old service know.
pub const SERVER_NAME: &str = "ConductorAdvancedMCP";

/// What the model is told about this server at `initialize`.
pub const INSTRUCTIONS: &str = "\
This server runs the conductor agent CLI of one project. Agents are named assistants (code \
review, documentation, commit messages, ...) that answer a message through an AI provider.

How to use the tools:
- list_available_agents first: it names every agent_id. get_agent_info shows one agent in detail.
- execute_agent_stateless sends one self-contained message to an agent (no history).
- execute_agent_contextual continues a conversation: the agent sees its earlier turns and the \
turn is saved (clear_history starts afresh). start_interactive_session begins such a \
conversation; later turns go through execute_agent_contextual. clear_agent_history empties it.
- validate_conductor_system and get_system_config inspect the project's configuration.
- install_agent_templates lists templates (no argument) or installs one.
- backup_agents, restore_agents and migrate_storage administer agent storage: restore_agents and \
migrate_storage overwrite data, so confirm with the user first.
- set_environment sets the environment/project passed to later agent runs.

Agent runs can take minutes. Send a progressToken to receive the CLI's output lines as progress \
notifications; cancel a call with notifications/cancelled (its processes are killed). A failed \
run is a result with isError true and the reason in its text; execution tools answer the JSON \
text of {status, stdout, stderr, returncode, command}, and every result also carries \
structuredContent.";

/// What a handler needs from the application; built from `AppState`, or
/// directly by the stdio entry point, which has no HTTP state.
#[derive(Clone)]
pub struct McpContext {
    pub settings: Arc<Settings>,
    pub conductor: Arc<Conductor>,
    /// Fires when the gateway's shutdown grace period is over.
    pub cancel_all: CancellationToken,
}

impl McpContext {
    pub fn from_state(state: &AppState) -> Self {
        Self {
            settings: state.settings.clone(),
            conductor: state.conductor.clone(),
            cancel_all: state.shutdown.cancel_all.clone(),
        }
    }

    fn progress_interval(&self) -> Duration {
        Duration::from_millis(self.settings.mcp.progress_interval_ms)
    }
}

/// The handler of one MCP connection (one Streamable HTTP session, one legacy
/// SSE stream, or the stdio pipe).
#[derive(Clone)]
pub struct ConductorMcp {
    ctx: McpContext,
    /// Fires when this connection's transport is gone (the legacy SSE stream
    /// was dropped, stdin closed): its running calls are cancelled at once
    /// instead of after rmcp's drain timeout.
    transport_gone: CancellationToken,
    /// Who opened the connection (legacy SSE); Streamable HTTP requests carry
    /// their own, and stdio is the local user with every scope.
    principal: Option<Principal>,
    session: Arc<Session>,
}

/// What one connection remembers: who it belongs to and its id, under which
/// its `set_environment` is kept until the connection ends.
struct Session {
    id: String,
    owner: OnceLock<String>,
    conductor: Arc<Conductor>,
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.get() {
            self.conductor
                .forget_environment(&EnvKey::session(owner, &self.id));
        }
    }
}

impl ConductorMcp {
    pub fn new(ctx: McpContext, transport_gone: CancellationToken) -> Self {
        let session = Arc::new(Session {
            id: uuid::Uuid::new_v4().simple().to_string(),
            owner: OnceLock::new(),
            conductor: ctx.conductor.clone(),
        });
        Self {
            ctx,
            transport_gone,
            principal: None,
            session,
        }
    }

    /// The principal of a connection-bound transport.
    pub fn with_principal(mut self, principal: Option<Principal>) -> Self {
        self.principal = principal;
        self
    }

    /// The caller of this request: the key of the HTTP request (Streamable
    /// HTTP), else the connection's, else the anonymous principal with every
    /// scope (stdio, or a gateway without keys). A connection belongs to the
    /// first principal that used it; another key gets an error, whatever
    /// session id it learned.
    fn caller(&self, context: &RequestContext<RoleServer>) -> Result<Principal, McpError> {
        let principal = context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Principal>())
            .or(self.principal.as_ref())
            .cloned()
            .unwrap_or_else(Principal::anonymous);
        let owner = self
            .session
            .owner
            .get_or_init(|| principal.name.to_string());
        if **owner != *principal.name {
            return Err(McpError::invalid_request(
                "this MCP session belongs to another API key",
                None,
            ));
        }
        Ok(principal)
    }

    fn env_key(&self, principal: &Principal) -> EnvKey {
        EnvKey::session(&principal.name, &self.session.id)
    }
}

/// The server's identity and capabilities, the same on every transport.
pub fn server_info() -> ServerConfig {
    ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
        .with_server_info(
            Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"))
                .with_title("Conductor gateway")
                .with_description("The conductor agent CLI's 13 tools"),
        )
        .with_instructions(INSTRUCTIONS)
        // The newest revision that still has an `initialize` handshake; rmcp
        // answers an older client with the version it asked for when known.
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
}

impl ServerHandler for ConductorMcp {
    fn get_info(&self) -> ServerConfig {
        server_info()
    }

    /// The connection belongs to the key that initializes it.
    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, McpError> {
        self.caller(&context)?;
        context.peer.set_peer_info(request.clone());
        self.negotiate_initialize(&request)
    }

    // The list is built once; answering never touches the runner, so it never
    // waits for a running call.
    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let scopes = self.caller(&context)?.scopes;
        if scopes == Scopes::ALL {
            return Ok(ListToolsResult::with_all_items(tools::mcp_tools().to_vec()));
        }
        // A key sees only the tools it may call.
        let allowed = tools::mcp_tools()
            .iter()
            .filter(|t| crate::tools::find(&t.name).is_some_and(|d| scopes.allows(d.scope)))
            .cloned()
            .collect();
        Ok(ListToolsResult::with_all_items(allowed))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools::mcp_tools().iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let principal = self.caller(&context)?;
        // An unknown tool is a request the server cannot route: the spec's -32602.
        let Some(tool) = crate::tools::find(&request.name) else {
            return Err(McpError::invalid_params(
                format!(
                    "unknown tool '{}'; tools/list names the available tools",
                    request.name
                ),
                None,
            ));
        };
        let args = request
            .arguments
            .map(serde_json::Value::Object)
            .unwrap_or(serde_json::Value::Null);
        let env = self.env_key(&principal);
        // The scope is the resolved tool's, checked before its arguments are read.
        let granted = match self
            .ctx
            .conductor
            .prepare(principal.scopes, tool.name, args, &env)
        {
            Ok(granted) => granted,
            Err(ToolError::Forbidden(why)) => {
                crate::metrics::mcp_call(tool.name, "forbidden");
                return Ok(tools::forbidden(tool, &why).into());
            }
            // Bad arguments are a tool error the model can read and correct.
            Err(ToolError::InvalidArguments(why)) => {
                return Ok(tools::invalid_arguments(tool, &why).into());
            }
            Err(ToolError::Busy(busy)) => return Ok(tools::busy(tool, &busy).into()),
            Err(ToolError::UnknownTool(name)) => {
                return Err(McpError::invalid_params(
                    format!("unknown tool '{name}'"),
                    None,
                ));
            }
        };
        let progress = context
            .meta
            .get_progress_token()
            .map(|token| Progress::new(token, context.peer.clone(), self.ctx.progress_interval()));
        let signals = CallSignals {
            request_cancelled: context.ct.clone(),
            transport_gone: self.transport_gone.clone(),
            client_gone: super::call::client_gone(&context.extensions),
            shutdown: self.ctx.cancel_all.clone(),
        };
        tracing::info!(tool = tool.name, "mcp tool call");
        let conductor = &self.ctx.conductor;
        let result = call::drive(
            |sink, cancel| conductor.execute(granted, &env, sink, cancel),
            &signals,
            progress.map(|p| move |lines| super::progress::forward(lines, p)),
        )
        .await;
        let outcome = match &result {
            Ok(r) => {
                r.outcome
                    .map(|o| o.as_str())
                    .unwrap_or(if r.is_error { "error" } else { "ok" })
            }
            Err(_) => "busy",
        };
        crate::metrics::mcp_call(tool.name, outcome);
        Ok(match result {
            Ok(result) => tools::tool_result(result),
            Err(busy) => tools::busy(tool, &busy),
        }
        .into())
    }
}
