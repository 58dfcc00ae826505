//! `GET /openapi.json` (OpenAPI 3.1, generated from the code) and `GET /docs`
//! (a page that renders it with nothing fetched from another host).
//!
//! Why schemars and not utoipa: the tool schemas already come from schemars 1
//! (`tools`), which emits JSON Schema 2020-12, the dialect of OpenAPI 3.1. A
//! second schema system would describe the same types twice and could drift.
//!
//! Everything comes from one place each: the operations and who may call
//! them from the route table (`routes::ROUTES`), each operation's text from
//! its handler module, the body schemas from the types the handlers
//! serialize, the tools from the catalogue.
//!
//! The operation builder is `http::operation`; the route table hands its
//! routes in (`document`), so this module does not depend on the table.

use axum::Extension;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use schemars::SchemaGenerator;
use schemars::generate::{Contract, SchemaSettings};
use serde_json::{Map, Value, json};

use super::operation::{Generators, Operation, arguments_component, component};
use super::route::{Access, Route};
use crate::auth::Scope;
use crate::tools;

/// The document, rendered once when the router is built (it changes only
/// with the binary and its configuration).
#[derive(Debug, Clone)]
pub struct Document(pub bytes::Bytes);

impl Document {
    pub fn new(routes: &[Route], options: &Options) -> Self {
        let doc = document(routes, options);
        Self(serde_json::to_vec(&doc).unwrap_or_default().into())
    }
}

pub async fn openapi_json(Extension(Document(doc)): Extension<Document>) -> Response {
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc,
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The docs page: one HTML document with its style and script inlined, all
/// committed in `src/http/openapi/docs/`, so it renders with no network beyond
/// this gateway (no CDN at run time, no download at build time).
pub fn docs_html() -> String {
    include_str!("docs/index.html")
        .replace("/*DOCS_CSS*/", include_str!("docs/docs.css"))
        .replace("/*DOCS_JS*/", include_str!("docs/docs.js"))
}

pub async fn docs_page() -> Response {
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

pub fn doc_document() -> Operation {
    Operation::new("openapi", "service", "This document")
        .describe("OpenAPI 3.1, generated from the code. Always open.")
        .raw(
            200,
            "The OpenAPI document.",
            "application/json",
            json!({"type": "object"}),
        )
}

pub fn doc_page() -> Operation {
    Operation::new("docs", "service", "API documentation page")
        .describe("Renders this document in a browser. Self-contained: it loads nothing from any other host. Always open.")
        .raw(200, "An HTML page.", "text/html", json!({"type": "string"}))
}

/// What of the configuration shows in the document.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `auth.protect_metrics`: whether `/metrics` needs a key.
    pub protect_metrics: bool,
}

fn generator(contract: Contract) -> SchemaGenerator {
    SchemaGenerator::new(SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
        s.contract = contract;
    }))
}

/// The whole document.
pub fn document(routes: &[Route], options: &Options) -> Value {
    // Request bodies are read (Deserialize contract: optional fields are
    // optional); responses are written (Serialize contract: a field that is
    // always written is required, even when it may be null).
    let mut requests = generator(Contract::Deserialize);
    let mut responses = generator(Contract::Serialize);
    let mut g = Generators {
        requests: &mut requests,
        responses: &mut responses,
    };
    let mut paths = Map::new();
    for route in routes {
        let Some(doc) = route.doc else { continue };
        add(&mut paths, route.path, route, &doc(), options, &mut g);
        if route.access == Access::Tool {
            // The concrete tool paths go right after the generic one, so readers find them together.
            for tool in tools::all() {
                let path = format!("/api/v1/tools/{}", tool.name);
                let op = super::tools::doc_tool(tool);
                add(&mut paths, &path, route, &op, options, &mut g);
                if let Some(item) = paths.get_mut(&path) {
                    item["post"]["x-required-scope"] = Value::from(tool.scope.as_str());
                    item["post"]["security"] = security(Some(tool.scope), false);
                }
            }
        }
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
            {"name": "jobs", "description": "Commands as jobs: start, wait, stream, read, list, cancel, approve."},
            {"name": "tools", "description": "The 13 conductor tools, called directly."},
            {"name": "service", "description": "Health, metrics and this documentation."},
        ],
        "paths": paths,
        "components": {
            "schemas": components(requests, responses),
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
**Authentication.** With no API key configured the gateway runs open (loopback only, unless \
`auth.allow_open`), and every security requirement below is void. With keys configured every \
route but `/health`, `/openapi.json`, `/docs`, the console and (unless `auth.protect_metrics`) \
`/metrics` needs a key: 401 without a valid one, 403 naming the missing scope. Scopes: `read` \
(read-only tools, job reads, streams), `run` (executions, jobs), `admin` (backup, restore, \
migrate, clear history, and every principal's jobs). A job belongs to the key that created it: \
other keys get 404 for it. Each operation's required scope is in its security requirement and \
in `x-required-scope`.\n\n\
**Browsers.** Requests carrying an `Origin` other than the gateway's own or one of \
`server.cors_allowed_origins` get 403, as do requests whose `Host` is not allowed.\n\n\
**Limits.** Requests per key (per client address when open) are rate limited (429 with \
`Retry-After`); request bodies larger than `server.max_body_bytes` get 413.\n\n\
The MCP server (port 8006: `/mcp` Streamable HTTP and `/sse` HTTP+SSE) serves the same tools with the \
same input schemas; it is not part of this document.";

/// The security requirement of a scope (`None`: open).
fn security(scope: Option<Scope>, query_token: bool) -> Value {
    match scope {
        None => json!([]),
        Some(scope) => {
            // OpenAPI 3.1 lets non-OAuth requirements list role names: the scope.
            let roles = [scope.as_str()];
            let mut security = vec![json!({"bearer": roles}), json!({"apiKeyHeader": roles})];
            if query_token {
                security.push(json!({"accessToken": roles}));
            }
            Value::from(security)
        }
    }
}

/// Renders `op` at `path` with the security and the common errors its route declares.
fn add(
    paths: &mut Map<String, Value>,
    path: &str,
    route: &Route,
    op: &Operation,
    options: &Options,
    g: &mut Generators<'_>,
) {
    let scope = match route.access {
        Access::Open => None,
        Access::Scope(scope) => Some(scope),
        Access::Metrics => options.protect_metrics.then_some(Scope::Read),
        Access::Tool => Some(Scope::Read),
    };
    let mut op = op.clone();
    if scope.is_some() {
        op = op
            .error_default(401, "API keys are configured and the request has no valid key (`WWW-Authenticate: Bearer`).")
            .error_default(403, "The key lacks the scope this operation needs; `detail` names it.");
    }
    if route.rate_limited {
        op = op.error_default(
            429,
            "Rate limit exceeded (`limits.requests_per_second`); `Retry-After` says when to retry.",
        );
    }
    if op.has_json_body() {
        op = op
            .error_default(400, "The request body could not be read.")
            .error_default(
                408,
                "The body took longer than `limits.body_read_timeout_secs` to arrive.",
            )
            .error_default(413, "The body is larger than `server.max_body_bytes`.")
            .error_default(422, "The body is not JSON.");
    }
    if path != "/health" {
        op = op.error_default(
            403,
            "A browser request from an origin that is not allowed, or a `Host` that is not allowed.",
        );
    }
    let mut rendered = op.render(g);
    match (scope, op.scope_note) {
        (None, _) => {
            rendered["security"] = json!([]);
            rendered["x-required-scope"] = Value::Null;
        }
        (Some(_), Some(note)) => {
            // Any valid key gets past authentication; the tool decides the scope.
            rendered["security"] = json!([{"bearer": []}, {"apiKeyHeader": []}]);
            rendered["x-required-scope"] = Value::from(note);
        }
        (Some(scope), None) => {
            rendered["security"] = security(Some(scope), route.query_token);
            rendered["x-required-scope"] = Value::from(scope.as_str());
        }
    }
    let item = paths
        .entry(path.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    item[route.method.as_str().to_lowercase()] = rendered;
}

/// `components.schemas`: the types the operations named, and each tool's
/// argument schema from the catalogue.
fn components(mut requests: SchemaGenerator, mut responses: SchemaGenerator) -> Map<String, Value> {
    let mut out = requests.take_definitions(true);
    for (name, schema) in responses.take_definitions(true) {
        // Both generators name types by their Rust names; one type in both is the same schema.
        out.entry(name).or_insert(schema);
    }
    for schema in out.values_mut() {
        if let Some(object) = schema.as_object_mut() {
            // Root schemas carry a meta-schema; inside a document the dialect is OpenAPI's.
            object.remove("$schema");
        }
    }
    let tool_forms: Vec<Value> = tools::all()
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
    let mut payload = crate::jobs::payload::schema();
    if let Some(forms) = payload["anyOf"].as_array_mut() {
        // The generic tool form is described precisely by `ToolPayload`.
        forms.pop();
        forms.push(component("ToolPayload"));
    }
    out.insert("JobPayload".into(), payload);
    for tool in tools::all() {
        let mut schema = (*tool.input_schema).clone();
        schema.insert(
            "description".into(),
            Value::from(format!("Arguments of `{}`.", tool.name)),
        );
        out.insert(arguments_component(tool.name), Value::Object(schema));
    }
    out
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
