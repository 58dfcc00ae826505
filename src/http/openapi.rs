//! `GET /openapi.json` (OpenAPI 3.1, generated from the code) and `GET /docs`
//! (a page that renders it with nothing fetched from another host).
//!
//! Why schemars and not utoipa: the tool schemas already come from schemars 1
//! (`conductor::catalogue`), which emits JSON Schema 2020-12, the dialect of
//! OpenAPI 3.1. A second schema system would describe the same types twice
//! and could drift. Here the document's body schemas are schemars schemas of
//! the real types where handlers serialize one (`JobRecord`, `JobState`,
//! `Outcome`, `Scope`, the tools' parameter structs) and of small shape
//! structs below where handlers build JSON by hand; `tests/api/openapi.rs`
//! checks live responses against those shapes, and that every `.route(...)`
//! in `src/http` appears in [`operations`].
//!
//! Who needs which key is not restated here: each operation's security and
//! `x-required-scope` come from [`super::auth::is_open`] and
//! [`super::auth::route_scope`], the functions that enforce them.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use super::auth::{QUERY_TOKEN_PREFIX, is_open, route_scope};
use crate::auth::Scope;
use crate::state::AppState;
use crate::tools::{self as catalogue, ToolDef};

/// `/openapi.json` and `/docs`, merged into the API router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs_page))
}

async fn openapi_json(State(state): State<AppState>) -> Response {
    let doc = document(&Options {
        protect_metrics: state.settings.auth.protect_metrics,
    });
    let mut response = axum::Json(doc).into_response();
    // The document changes only with the binary and its configuration.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The docs page: one HTML document with its style and script inlined, all
/// committed in `src/http/docs/`, so it renders with no network beyond this
/// gateway (no CDN at run time, no download at build time).
pub fn docs_html() -> String {
    include_str!("docs/index.html")
        .replace("/*DOCS_CSS*/", include_str!("docs/docs.css"))
        .replace("/*DOCS_JS*/", include_str!("docs/docs.js"))
}

async fn docs_page() -> Response {
    let mut response = Html(docs_html()).into_response();
    let h = response.headers_mut();
    // The page may talk to this origin only; it loads nothing else.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// What of the configuration shows in the document.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `auth.protect_metrics`: whether `/metrics` needs a key.
    pub protect_metrics: bool,
}

/// One documented operation: a route of the router and a method.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The path as the router spells it (`{param}` templates).
    pub path: String,
    id: String,
    tag: &'static str,
    summary: String,
    description: String,
    params: Vec<Value>,
    body: Option<Value>,
    responses: BTreeMap<u16, Value>,
    /// Whether the request body is JSON (so 400/413/422 of the body extractor apply).
    json_body: bool,
    /// Stands in for the scope when `route_scope` cannot derive it from the
    /// path (the generic tool route: read, run or admin depending on the tool).
    scope_note: Option<&'static str>,
}

impl Operation {
    fn new(method: Method, path: &str, id: &str, tag: &'static str, summary: &str) -> Self {
        Self {
            method,
            path: path.to_string(),
            id: id.to_string(),
            tag,
            summary: summary.to_string(),
            description: String::new(),
            params: Vec::new(),
            body: None,
            responses: BTreeMap::new(),
            json_body: false,
            scope_note: None,
        }
    }

    fn describe(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }

    fn param(mut self, param: Value) -> Self {
        self.params.push(param);
        self
    }

    /// A JSON request body; `required` is false where an empty body reads as `{}`.
    fn json(mut self, schema: Value, example: Value, required: bool) -> Self {
        self.body = Some(json!({
            "required": required,
            "content": {"application/json": {"schema": schema, "example": example}},
        }));
        self.json_body = true;
        self
    }

    fn ok(self, description: &str, schema: Value) -> Self {
        self.respond(
            200,
            json!({
                "description": description,
                "content": {"application/json": {"schema": schema}},
            }),
        )
    }

    fn respond(mut self, status: u16, response: Value) -> Self {
        self.responses.insert(status, response);
        self
    }

    /// An error response in the `{"detail": ...}` shape.
    fn error(self, status: u16, description: &str) -> Self {
        self.respond(
            status,
            json!({
                "description": description,
                "content": {"application/json": {"schema": component("Error")}},
            }),
        )
    }
}

fn component(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn header_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "header", "required": false, "description": description, "schema": schema})
}

fn idempotency_header() -> Value {
    header_param(
        "Idempotency-Key",
        "Same key within `jobs.idempotency_window_secs`: the same job is returned (response header `Idempotent-Replayed: true`) instead of a new one.",
        json!({"type": "string", "minLength": 1, "maxLength": 256}),
    )
}

/// Every REST operation of the router, in the document's order. The generic
/// `POST /api/v1/tools/{name}` is here; its per-tool instances are added by
/// [`document`] from the catalogue.
pub fn operations() -> Vec<Operation> {
    let job_id = || {
        path_param(
            "job_id",
            "The job's id, `job_<uuid4>`.",
            json!({"type": "string"}),
        )
    };
    let payload_errors = |op: Operation| {
        op.error(
            400,
            "No command in the payload (`{\"detail\": \"No command found in payload\"}`), or a malformed `Idempotency-Key`.",
        )
        .error(
            403,
            "The key lacks the scope, or the payload names a tool (by `tool` or a slash command) whose scope the key lacks.",
        )
        .error(
            422,
            "The body is not JSON, or a field has the wrong shape (`tool`, `arguments`).",
        )
        .error(
            429,
            "Rate limit, or too many jobs queued (`jobs.max_queued`); `Retry-After` says when to retry.",
        )
        .error(
            503,
            "The gateway is shutting down or the job store is unavailable; `Retry-After` is set.",
        )
    };
    vec![
        Operation::new(Method::GET, "/health", "health", "service", "Health")
            .describe("Liveness and readiness: the contract's fields plus `checks` (is the conductor CLI usable, is an LLM configured). Always open; never rate limited.")
            .ok("The gateway answers; `status` is `degraded` when a check fails.", component("Health")),
        Operation::new(Method::OPTIONS, "/health", "health_options", "service", "Health (OPTIONS)")
            .describe("The old service answered `OPTIONS /health` with the health body; a CORS preflight (with `Access-Control-Request-Method`) is answered as a preflight instead.")
            .ok("The health body.", component("Health")),
        Operation::new(Method::GET, "/api/v1/tools", "list_tools", "tools", "List tools")
            .describe("The catalogue: each tool's name, description, input schema, MCP annotations and the scope it needs. With API keys configured, only the tools the caller's key may call are listed.")
            .ok("The tools the caller may call.", component("ToolList")),
        Operation::new(Method::POST, "/api/v1/tools/{name}", "call_tool", "tools", "Call a tool")
            .describe("Runs one tool with the body as its arguments (an empty body reads as `{}`). CLI failures are results (`status: \"error\"`, `outcome`), not HTTP errors. The key needs the tool's scope (`read`, `run` or `admin`; `x-required-scope` is `per-tool` here). Each tool also has its own operation with its argument schema and scope.")
            .param(path_param("name", "A tool of the catalogue.", json!({"type": "string", "enum": catalogue::all().iter().map(|t| t.name).collect::<Vec<_>>()})))
            .json(json!({"type": "object", "description": "The tool's arguments: see the tool's own operation."}), json!({}), false)
            .ok("The tool ran (or refused in words: see `status`).", component("ToolCallResult"))
            .error(404, "Unknown tool.")
            .error(413, "The body, or an input text (`conductor.max_input_bytes`), is too large.")
            .error(422, "The body is not JSON, or the arguments do not match the tool's schema (`field` names the argument).")
            .error(503, "The CLI runner is busy (`conductor.max_queue` callers already waiting); `Retry-After` is set."),
        payload_errors(
            Operation::new(Method::POST, "/execute", "execute", "jobs", "Run a command and wait")
                .describe("Runs the command as a job and answers when it ends. The command is read from `input`, then `command`, then `textEntries[0].content`; or the body is `{\"tool\", \"arguments\"}`. Text starting with `/` is a slash command (no LLM); other text goes to the LLM agent.")
                .param(idempotency_header())
                .json(component("JobPayload"), json!({"input": "/list"}), true)
                .ok("The job succeeded.", component("ExecuteResult")),
        )
        .error(500, "The job failed, timed out or was cancelled (`detail` says why; `job_id` and `state` are included).")
        .error(504, "The job is still running after `jobs.execute_wait_secs`; it goes on (`job_id` and `stream_url` are included)."),
        payload_errors(
            Operation::new(Method::POST, "/api/v1/stream-execute", "stream_execute", "jobs", "Start a job")
                .describe("Starts the command as a background job and answers at once; follow it at `stream_url`. The command is read from `textEntries[0].content`, then `input`, then `command`; or the body is `{\"tool\", \"arguments\"}`.")
                .param(idempotency_header())
                .json(component("JobPayload"), json!({"textEntries": [{"content": "/list", "type": "text"}], "metadata": {"source": "web"}}), true)
                .ok("The job was accepted.", component("JobStarted")),
        ),
        Operation::new(Method::GET, "/api/v1/stream/{job_id}", "stream", "jobs", "Stream a job's events")
            .describe("Server-Sent Events. Each message is `id: <sequence>` plus one `data:` line holding an `SseEvent`, without an `event:` field (so `EventSource.onmessage` sees every message). `job_started` is always first and `end_of_stream` always last; the server closes the stream after it. Comment lines are keep-alives. Resume with `Last-Event-ID` (or `?last_event_id=`): replay starts after that event; events no longer retained are announced by one `gap` event. Browsers' `EventSource` cannot set headers, so this route also accepts the key as `?access_token=` (see the security notes).")
            .param(job_id())
            .param(header_param("Last-Event-ID", "Resume after this event id.", json!({"type": "string", "pattern": "^\\s*[0-9]*\\s*$"})))
            .param(query_param("last_event_id", "Resume after this event id (for clients that cannot set the header; the header wins).", json!({"type": "string", "pattern": "^\\s*[0-9]*\\s*$"})))
            .respond(200, json!({
                "description": "The event stream; it ends after `end_of_stream`.",
                "headers": {"Cache-Control": {"schema": {"type": "string", "const": "no-cache"}}},
                "content": {"text/event-stream": {
                    "schema": {"type": "string", "description": "SSE messages; each `data:` line is the JSON of one `SseEvent` (see `x-event-schema`)."},
                    "x-event-schema": component("SseEvent"),
                    "example": "retry: 2000\n\nid: 1\ndata: {\"event\":\"job_started\",\"data\":{\"message\":\"Job started: /list\",\"kind\":\"slash\"},\"timestamp\":1732240000.123,\"job_id\":\"job_5f0c…\"}\n\n: keep-alive\n\nid: 9\ndata: {\"event\":\"end_of_stream\",\"data\":{\"state\":\"succeeded\",\"message\":\"stream complete\"},\"timestamp\":1732240001.456,\"job_id\":\"job_5f0c…\"}\n\n",
                }},
            }))
            .error(400, "`Last-Event-ID` is not a non-negative integer.")
            .error(404, "Unknown job, or its retention (`jobs.retention_secs`) has passed.")
            .error(429, "Rate limit, or too many open streams for this key or address (`limits.max_streams_per_client`).")
            .error(503, "The job store is unavailable."),
        Operation::new(Method::GET, "/api/v1/jobs", "list_jobs", "jobs", "List jobs")
            .describe("Jobs newest first, optionally of one state.")
            .param(query_param("state", "Only jobs in this state.", component("JobState")))
            .param(query_param("limit", "At most this many (clamped to 1..500).", json!({"type": "integer", "minimum": 0, "default": 50})))
            .param(query_param("offset", "Skip this many.", json!({"type": "integer", "minimum": 0, "default": 0})))
            .ok("A page of jobs.", component("JobList"))
            .error(422, "Unknown `state`, or a non-numeric `limit`/`offset`.")
            .error(503, "The job store is unavailable."),
        Operation::new(Method::GET, "/api/v1/jobs/{job_id}", "get_job", "jobs", "Read a job")
            .param(job_id())
            .ok("The job.", component("Job"))
            .error(404, "Unknown job, or its retention has passed.")
            .error(503, "The job store is unavailable."),
        Operation::new(Method::POST, "/api/v1/jobs/{job_id}/cancel", "cancel_job", "jobs", "Cancel a job")
            .describe("Stops a queued or running job (its CLI process groups are killed). Cancelling a cancelled job answers it again.")
            .param(job_id())
            .ok("The job, now `cancelled`.", component("Job"))
            .error(404, "Unknown job.")
            .error(409, "The job already finished otherwise (`state` and `job_id` are included).")
            .error(503, "The job store is unavailable."),
        Operation::new(Method::GET, "/metrics", "metrics", "service", "Prometheus metrics")
            .describe("Prometheus text exposition; every name starts with `conductor_gateway_` and every label is a bounded enum or a route template. Open unless `auth.protect_metrics` is set.")
            .respond(200, json!({
                "description": "Metrics in the Prometheus text format 0.0.4.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            })),
        Operation::new(Method::GET, "/openapi.json", "openapi", "service", "This document")
            .describe("OpenAPI 3.1, generated from the code. Always open.")
            .respond(200, json!({
                "description": "The OpenAPI document.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            })),
        Operation::new(Method::GET, "/docs", "docs", "service", "API documentation page")
            .describe("Renders this document in a browser. Self-contained: it loads nothing from any other host. Always open.")
            .respond(200, json!({
                "description": "An HTML page.",
                "content": {"text/html": {"schema": {"type": "string"}}},
            })),
    ]
}

/// `POST /api/v1/tools/<name>` for one catalogue tool.
fn tool_operation(tool: &ToolDef) -> Operation {
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
    let mut op = Operation::new(
        Method::POST,
        &format!("/api/v1/tools/{}", tool.name),
        &format!("tool_{}", tool.name),
        "tools",
        tool.title,
    )
    .describe(&description)
    .json(
        component(&arguments_component(tool.name)),
        tool.example_arguments(),
        required,
    )
    .ok(
        "The tool ran (or refused in words: see `status`).",
        component("ToolCallResult"),
    )
    .error(
        422,
        "The body is not JSON, or the arguments do not match the schema (`field` names the argument).",
    )
    .error(
        503,
        "The CLI runner is busy; `Retry-After` is set.",
    );
    if tool.takes_input {
        op = op.error(
            413,
            "The body, or the input text (`conductor.max_input_bytes`), is too large.",
        );
    }
    op
}

/// `execute_agent_stateless` → `ExecuteAgentStatelessArguments`.
pub fn arguments_component(tool: &str) -> String {
    let mut out = String::new();
    for part in tool.split('_') {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out.push_str("Arguments");
    out
}

/// The whole document.
pub fn document(options: &Options) -> Value {
    let mut ops = operations();
    // The concrete tool paths go right after the generic one, so readers find them together.
    let at = ops
        .iter()
        .position(|op| op.path == "/api/v1/tools/{name}")
        .map(|i| i + 1)
        .unwrap_or(ops.len());
    let tool_ops: Vec<Operation> = catalogue::all().iter().map(tool_operation).collect();
    ops.splice(at..at, tool_ops);
    if let Some(op) = ops.iter_mut().find(|op| op.path == "/api/v1/tools/{name}") {
        op.scope_note = Some("per-tool");
    }

    let mut paths = Map::new();
    for op in &ops {
        let item = paths
            .entry(op.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        item[op.method.as_str().to_lowercase()] = render(op, options);
    }

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "conductor-gateway",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "REST and Server-Sent Events in front of the conductor agent CLI.",
            "description": INFO,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/", "description": "This gateway"}],
        "tags": [
            {"name": "jobs", "description": "Commands as jobs: start, wait, stream, read, list, cancel."},
            {"name": "tools", "description": "The 13 conductor tools, called directly."},
            {"name": "service", "description": "Health, metrics and this documentation."},
        ],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`Authorization: Bearer <key>`: a key from `auth.api_keys` or `GATEWAY_API_KEYS`.",
                },
                "apiKeyHeader": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-API-Key",
                    "description": "The same key in the `X-API-Key` header.",
                },
                "accessToken": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "access_token",
                    "description": "The same key as `?access_token=`, accepted on the event stream only (EventSource cannot set headers). The key then appears in URLs and so in proxy and browser logs: prefer a read-only key here.",
                },
            },
        },
    })
}

const INFO: &str = "The gateway between front ends, AI clients and the conductor agent CLI. \
Errors are always `{\"detail\": \"...\"}`, sometimes with more fields beside `detail`.\n\n\
**Authentication.** With no API key configured the gateway runs open, as the old service did, and \
every security requirement below is void. With keys configured every route but `/health`, \
`/openapi.json`, `/docs` and (unless `auth.protect_metrics`) `/metrics` needs a key: 401 without a \
valid one, 403 naming the missing scope. Scopes: `read` (read-only tools, job reads, streams), `run` \
(executions, jobs), `admin` (backup, restore, migrate, clear history). Each operation's required \
scope is in its security requirement and in `x-required-scope`.\n\n\
**Limits.** Requests per key (per client address when open) are rate limited (429 with \
`Retry-After`); request bodies larger than `server.max_body_bytes` get 413.\n\n\
The MCP server (port 8006: `/mcp` Streamable HTTP and `/sse` HTTP+SSE) serves the same tools with the \
same input schemas; it is not part of this document.";

/// The operation object of `op`.
fn render(op: &Operation, options: &Options) -> Value {
    let open = is_open(&op.path, options.protect_metrics);
    let scope: Option<Scope> = if open {
        None
    } else {
        route_scope(&op.method, &op.path)
    };
    let mut responses = op.responses.clone();
    let add = |responses: &mut BTreeMap<u16, Value>, status: u16, description: &str| {
        responses.entry(status).or_insert_with(|| {
            json!({
                "description": description,
                "content": {"application/json": {"schema": component("Error")}},
            })
        });
    };
    if !open {
        add(
            &mut responses,
            401,
            "API keys are configured and the request has no valid key (`WWW-Authenticate: Bearer`).",
        );
        add(
            &mut responses,
            403,
            "The key lacks the scope this operation needs; `detail` names it.",
        );
    }
    if op.path != "/health" {
        add(
            &mut responses,
            429,
            "Rate limit exceeded (`limits.requests_per_second`); `Retry-After` says when to retry.",
        );
    }
    if op.json_body {
        add(&mut responses, 400, "The request body could not be read.");
        add(
            &mut responses,
            413,
            "The body is larger than `server.max_body_bytes`.",
        );
        add(&mut responses, 422, "The body is not JSON.");
    }
    let mut out = json!({
        "operationId": op.id,
        "tags": [op.tag],
        "summary": op.summary,
        "responses": responses
            .into_iter()
            .map(|(status, r)| (status.to_string(), r))
            .collect::<Map<_, _>>(),
    });
    if !op.description.is_empty() {
        out["description"] = Value::from(op.description.clone());
    }
    if !op.params.is_empty() {
        out["parameters"] = Value::from(op.params.clone());
    }
    if let Some(body) = &op.body {
        out["requestBody"] = body.clone();
    }
    match (open, op.scope_note, scope) {
        (true, _, _) => {
            out["security"] = json!([]);
            out["x-required-scope"] = Value::Null;
        }
        (false, Some(note), _) => {
            // Any valid key gets past authentication; the tool decides the scope.
            out["security"] = json!([{"bearer": []}, {"apiKeyHeader": []}]);
            out["x-required-scope"] = Value::from(note);
        }
        (false, None, scope) => {
            // OpenAPI 3.1 lets non-OAuth requirements list role names: the scope.
            let roles: Vec<&str> = scope.map(|s| vec![s.as_str()]).unwrap_or_default();
            let mut security = vec![json!({"bearer": roles}), json!({"apiKeyHeader": roles})];
            if op.path.starts_with(QUERY_TOKEN_PREFIX) {
                security.push(json!({"accessToken": roles}));
            }
            out["security"] = Value::from(security);
            out["x-required-scope"] = scope
                .map(|s| Value::from(s.as_str()))
                .unwrap_or(Value::Null);
        }
    }
    out
}

/// `components.schemas`: the shapes below, the real types they embed, and
/// each tool's argument schema from the catalogue.
pub fn schemas() -> Map<String, Value> {
    // Request bodies are read (Deserialize contract: optional fields are
    // optional); responses are written (Serialize contract: a field that is
    // always written is required, even when it may be null).
    let settings = |contract_serialize: bool| {
        SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
            if contract_serialize {
                s.contract = schemars::generate::Contract::Serialize;
            }
        })
    };
    let mut requests = SchemaGenerator::new(settings(false));
    requests.subschema_for::<shapes::TextEntriesPayload>();
    requests.subschema_for::<shapes::InputPayload>();
    requests.subschema_for::<shapes::CommandPayload>();
    let mut responses = SchemaGenerator::new(settings(true));
    responses.subschema_for::<shapes::Health>();
    responses.subschema_for::<shapes::ToolList>();
    responses.subschema_for::<shapes::ToolCallResult>();
    responses.subschema_for::<shapes::ExecuteResult>();
    responses.subschema_for::<shapes::JobStarted>();
    responses.subschema_for::<shapes::Job>();
    responses.subschema_for::<shapes::JobList>();
    responses.subschema_for::<shapes::Error>();
    responses.subschema_for::<shapes::SseEvent>();
    responses.subschema_for::<crate::jobs::JobState>();
    let mut out = requests.take_definitions(true);
    for (name, schema) in responses.take_definitions(true) {
        // Both generators name types by their Rust names; one type in both would collide.
        debug_assert!(!out.contains_key(&name), "schema {name} defined twice");
        out.insert(name, schema);
    }
    for schema in out.values_mut() {
        if let Some(object) = schema.as_object_mut() {
            // Root schemas carry a meta-schema; inside a document the dialect is OpenAPI's.
            object.remove("$schema");
        }
    }

    // The tool form: one alternative per tool, its `arguments` the tool's schema.
    let tool_forms: Vec<Value> = catalogue::all()
        .iter()
        .map(|tool| {
            json!({
                "type": "object",
                "title": tool.name,
                "required": ["tool"],
                "properties": {
                    "tool": {"const": tool.name},
                    "arguments": component(&arguments_component(tool.name)),
                    "metadata": {"description": "Kept with the job as sent."},
                },
            })
        })
        .collect();
    out.insert(
        "ToolPayload".into(),
        json!({
            "description": "Calls one catalogue tool directly (no LLM): `{\"tool\": \"<name>\", \"arguments\": {...}}`; `arguments` defaults to `{}`. A key needs the tool's scope.",
            "oneOf": tool_forms,
        }),
    );
    out.insert(
        "JobPayload".into(),
        json!({
            "description": "The command, in one of four forms. When several text forms are present, `/api/v1/stream-execute` takes `textEntries[0].content`, then `input`, then `command`; `/execute` takes `input`, then `command`, then `textEntries[0].content`. A `tool` field wins over all of them. Text starting with `/` is a slash command: `/list`, `/info <agent>`, `/validate`, `/run <agent> <text>`, `/chat <agent> <text>`, `/clear <agent>`, `/install [name]`, `/config`, `/tool <name> [json]`, `/tools`, `/help`.",
            "anyOf": [
                component("TextEntriesPayload"),
                component("InputPayload"),
                component("CommandPayload"),
                component("ToolPayload"),
            ],
        }),
    );
    for tool in catalogue::all() {
        let mut schema = (*tool.input_schema).clone();
        schema.insert(
            "description".into(),
            Value::from(format!("Arguments of `{}`.", tool.name)),
        );
        out.insert(arguments_component(tool.name), Value::Object(schema));
    }
    out
}

/// The shapes of bodies the handlers build by hand (`json!`), for the document only.
#[allow(dead_code)]
mod shapes {
    use schemars::JsonSchema;
    use serde_json::{Map, Value};

    use crate::jobs::{JobRecord, JobState};
    use crate::tools::{Outcome, Scope};

    /// One entry of `textEntries`; only the first entry's `content` is read.
    #[derive(JsonSchema)]
    pub struct TextEntry {
        /// The command text.
        pub content: String,
        /// The front end's entry kind (e.g. `text`); not read.
        #[serde(rename = "type")]
        pub kind: Option<String>,
    }

    /// The web front end's form: `{"textEntries": [{"content": "...", "type": "text"}]}`.
    #[derive(JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct TextEntriesPayload {
        pub text_entries: Vec<TextEntry>,
        /// Kept with the job as sent (e.g. `{"source": "web"}`).
        pub metadata: Option<Value>,
    }

    /// `{"input": "..."}`.
    #[derive(JsonSchema)]
    pub struct InputPayload {
        /// The command text.
        pub input: String,
        /// Kept with the job as sent.
        pub metadata: Option<Value>,
    }

    /// `{"command": "..."}`.
    #[derive(JsonSchema)]
    pub struct CommandPayload {
        /// The command text.
        pub command: String,
        /// Kept with the job as sent.
        pub metadata: Option<Value>,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum HealthStatus {
        /// The CLI is usable and an LLM is configured.
        Healthy,
        /// A check failed; `checks` says which.
        Degraded,
    }

    /// `/health`: the contract's fields plus `checks`.
    #[derive(JsonSchema)]
    pub struct Health {
        pub status: HealthStatus,
        /// Always `conductor_gateway`.
        #[schemars(extend("const" = "conductor_gateway"))]
        pub service: String,
        /// The gateway's version (semver).
        pub version: String,
        /// What backs the gateway: `cli` (a configured conductor CLI) or `demo` (the built-in demo engine).
        #[schemars(extend("enum" = ["cli", "demo"]))]
        pub mode: String,
        pub endpoints: HealthEndpoints,
        pub checks: HealthChecks,
    }

    /// Where the surfaces are, as absolute URLs built from `server.host` and the ports.
    #[derive(JsonSchema)]
    pub struct HealthEndpoints {
        /// The REST API's base URL (`…/api/v1`).
        pub api: String,
        /// The MCP listener's base URL.
        pub mcp: String,
        /// This endpoint's URL.
        pub health: String,
    }

    #[derive(JsonSchema)]
    pub struct HealthChecks {
        pub conductor: ConductorCheck,
        pub llm: LlmCheck,
    }

    /// Is the conductor CLI usable?
    #[derive(JsonSchema)]
    pub struct ConductorCheck {
        pub ok: bool,
        /// What was found, or why it is unusable.
        pub detail: String,
        /// `cli` or `demo`.
        pub mode: String,
    }

    /// Is an LLM configured (plain-text commands need one)?
    #[derive(JsonSchema)]
    pub struct LlmCheck {
        pub ok: bool,
        pub configured: bool,
        /// The model name, when configured.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub model: Option<String>,
        pub detail: String,
    }

    /// `GET /api/v1/tools`.
    #[derive(JsonSchema)]
    pub struct ToolList {
        pub tools: Vec<ToolDescription>,
    }

    /// A tool as the REST API describes it.
    #[derive(JsonSchema)]
    pub struct ToolDescription {
        pub name: String,
        pub title: String,
        pub description: String,
        /// The tool's arguments as a JSON Schema (2020-12) object.
        pub input_schema: Map<String, Value>,
        pub annotations: ToolAnnotations,
        /// The scope a key needs to call the tool.
        pub scope: Scope,
    }

    /// MCP tool annotations.
    #[derive(JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct ToolAnnotations {
        pub read_only_hint: bool,
        pub destructive_hint: bool,
        pub idempotent_hint: bool,
        pub open_world_hint: bool,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum CallStatus {
        Success,
        Error,
    }

    /// The result of `POST /api/v1/tools/{name}`. A CLI failure is a result
    /// (`status: "error"`, `outcome` says how), not an HTTP error.
    #[derive(JsonSchema)]
    pub struct ToolCallResult {
        pub tool: String,
        pub status: CallStatus,
        pub is_error: bool,
        /// How the CLI run ended; `null` for tools answered without the CLI.
        pub outcome: Option<Outcome>,
        /// Why it failed, in words; `null` on success.
        pub error: Option<String>,
        /// The text MCP clients of the old service read: the CLI's stdout or a `❌` line
        /// (plain tools), or the JSON text of `{"status", "stdout", "stderr", "returncode", "command"}`.
        pub text: String,
        /// The text a person wants: an agent's answer, the CLI's output, or a message.
        pub readable: String,
        /// The structured result: the run (command, stdout, stderr, return code, …) or the local action's object.
        pub result: Value,
    }

    /// `POST /execute` on success.
    #[derive(JsonSchema)]
    pub struct ExecuteResult {
        #[schemars(extend("const" = "success"))]
        pub status: String,
        /// The final text.
        pub result: String,
        pub job_id: String,
    }

    /// `POST /api/v1/stream-execute`: answered before any work is done.
    #[derive(JsonSchema)]
    pub struct JobStarted {
        /// `job_<uuid4>`.
        pub job_id: String,
        #[schemars(extend("const" = "started"))]
        pub status: String,
        /// `/api/v1/stream/<job_id>`.
        pub stream_url: String,
    }

    /// A job as the API shows it.
    #[derive(JsonSchema)]
    pub struct Job {
        #[serde(flatten)]
        pub record: JobRecord,
        /// `/api/v1/stream/<job_id>`.
        pub stream_url: String,
    }

    /// `GET /api/v1/jobs`.
    #[derive(JsonSchema)]
    pub struct JobList {
        /// Newest first.
        pub jobs: Vec<Job>,
        /// Jobs matching the filter, over all pages.
        pub total: usize,
        pub limit: usize,
        pub offset: usize,
    }

    /// Every error: `{"detail": "..."}`, sometimes with more fields.
    #[derive(JsonSchema)]
    pub struct Error {
        /// What went wrong, for people.
        pub detail: String,
        /// The argument at fault (invalid tool arguments).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub field: Option<String>,
        /// The job concerned (`/execute` failures and time-outs, cancel conflicts).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub job_id: Option<String>,
        /// The job's state (failures, cancel conflicts).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub state: Option<JobState>,
        /// Where to follow a job that is still running (504 of `/execute`).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub stream_url: Option<String>,
    }

    /// Event names. Clients should ignore names they do not know (more may be added).
    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum EventName {
        /// Always first. `data`: `message`, `kind` (`tool`, `slash`, `text`).
        JobStarted,
        /// `data`: `state` (`queued`, `running`), `message`.
        StatusUpdate,
        /// Agent (LLM) run started.
        OnChainStart,
        /// Agent run ended.
        OnChainEnd,
        /// A model request started.
        OnLlmStart,
        /// `data.chunk`: a piece of the model's text.
        OnLlmNewToken,
        /// A model request ended.
        OnLlmEnd,
        /// `data`: `tool`, `input` (the arguments).
        OnToolStart,
        /// One line of CLI output, live. `data`: `tool`, `stream` (`stdout`/`stderr`), `line`.
        OnToolOutput,
        /// `data`: `tool`, `status` (`success`/`error`), `outcome`, `output` or `error`.
        OnToolEnd,
        /// `data.result`: the final text.
        Result,
        /// `data`: `error` (the reason), `state` (`failed`, `cancelled`, `timed_out`).
        Error,
        /// Events no longer retained. `data`: `first_missing`, `last_missing`, `message`.
        Gap,
        /// Always last; the server closes the stream after it. `data`: `state`, `message`.
        EndOfStream,
    }

    /// The JSON of one SSE `data:` line.
    #[derive(JsonSchema)]
    pub struct SseEvent {
        pub event: EventName,
        /// Event-specific fields (see `event`).
        pub data: Map<String, Value>,
        /// Unix time in seconds, with a fraction.
        pub timestamp: f64,
        /// The job's id.
        pub job_id: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::payload::{self, Precedence};

    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_and_the_version_is_3_1() {
        let doc = document(&Options::default());
        assert_eq!(doc["openapi"], "3.1.0");
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let pointer = r.strip_prefix('#').expect("local reference");
            assert!(doc.pointer(pointer).is_some(), "dangling {r}");
        }
    }

    #[test]
    fn payload_examples_are_commands_the_parser_accepts() {
        let doc = document(&Options::default());
        for (path, precedence) in [
            ("/execute", Precedence::Execute),
            ("/api/v1/stream-execute", Precedence::Stream),
        ] {
            let example = &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
                ["example"];
            let parsed = payload::parse(example, precedence).expect("the example parses");
            assert!(!parsed.display.is_empty());
        }
        for tool in catalogue::all() {
            let example = json!({"tool": tool.name, "arguments": tool.example_arguments()});
            assert!(payload::parse(&example, Precedence::Stream).is_ok());
        }
    }

    #[test]
    fn scopes_follow_the_enforcing_functions() {
        let doc = document(&Options::default());
        let op = |path: &str, method: &str| doc["paths"][path][method].clone();
        assert_eq!(op("/health", "get")["security"], json!([]));
        assert_eq!(op("/openapi.json", "get")["security"], json!([]));
        assert_eq!(op("/docs", "get")["security"], json!([]));
        assert_eq!(op("/metrics", "get")["security"], json!([]));
        assert_eq!(op("/execute", "post")["x-required-scope"], "run");
        assert_eq!(op("/api/v1/jobs", "get")["x-required-scope"], "read");
        assert_eq!(
            op("/api/v1/tools/restore_agents", "post")["x-required-scope"],
            "admin"
        );
        let stream = op("/api/v1/stream/{job_id}", "get");
        assert!(
            stream["security"]
                .as_array()
                .unwrap()
                .contains(&json!({"accessToken": ["read"]}))
        );
        assert!(
            !op("/api/v1/jobs", "get")["security"]
                .to_string()
                .contains("accessToken")
        );
        let protected = document(&Options {
            protect_metrics: true,
        });
        assert_eq!(
            protected["paths"]["/metrics"]["get"]["x-required-scope"],
            "read"
        );
    }

    #[test]
    fn component_names_are_pascal_case() {
        assert_eq!(
            arguments_component("execute_agent_stateless"),
            "ExecuteAgentStatelessArguments"
        );
    }
}
