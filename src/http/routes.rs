//! Every REST route, declared once: method, path, handler, who may call it
//! and whether it is rate limited. This one table builds the router, the
//! authorization decision (`guard`), the rate-limit exemptions, the request
//! metrics' route labels and the OpenAPI operations. A path that is not in
//! the table is a 404 for everyone.

use axum::http::Method;
use axum::routing::{get, on, post};

use super::route::route;
pub use super::route::{Access, Route, RouteId};
use super::{console, execute, health, jobs, observe, openapi, status, stream, tools};
use crate::auth::Scope;

/// The table.
pub static ROUTES: &[Route] = &[
    route(
        Method::GET,
        "/health",
        Access::Open,
        || get(health::health),
        Some(health::doc),
    )
    .unlimited(),
    route(
        Method::OPTIONS,
        "/health",
        Access::Open,
        || on(axum::routing::MethodFilter::OPTIONS, health::health),
        Some(health::doc_options),
    )
    .unlimited(),
    route(
        Method::GET,
        "/api/v1/tools",
        Access::Scope(Scope::Read),
        || get(tools::list),
        Some(tools::doc_list),
    ),
    route(
        Method::POST,
        "/api/v1/tools/{name}",
        Access::Tool,
        || post(tools::call),
        Some(tools::doc_call),
    ),
    route(
        Method::POST,
        "/execute",
        Access::Scope(Scope::Run),
        || post(execute::execute),
        Some(execute::doc),
    ),
    route(
        Method::POST,
        "/api/v1/stream-execute",
        Access::Scope(Scope::Run),
        || post(jobs::stream_execute),
        Some(jobs::doc_start),
    ),
    route(
        Method::GET,
        "/api/v1/stream/{job_id}",
        Access::Scope(Scope::Read),
        || get(stream::stream),
        Some(stream::doc),
    )
    .query_token(),
    route(
        Method::GET,
        "/api/v1/jobs",
        Access::Scope(Scope::Read),
        || get(jobs::list),
        Some(jobs::doc_list),
    ),
    route(
        Method::GET,
        "/api/v1/jobs/{job_id}",
        Access::Scope(Scope::Read),
        || get(jobs::get),
        Some(jobs::doc_get),
    ),
    route(
        Method::POST,
        "/api/v1/jobs/{job_id}/cancel",
        Access::Scope(Scope::Run),
        || post(jobs::cancel),
        Some(jobs::doc_cancel),
    ),
    route(
        Method::POST,
        "/api/v1/jobs/{job_id}/approvals/{call_id}",
        Access::Scope(Scope::Run),
        || post(jobs::approve),
        Some(jobs::doc_approve),
    ),
    route(
        Method::GET,
        "/api/v1/status/summary",
        Access::Scope(Scope::Read),
        || get(status::summary),
        Some(status::doc),
    ),
    route(
        Method::GET,
        "/metrics",
        Access::Metrics,
        || get(observe::metrics),
        Some(observe::doc),
    ),
    route(
        Method::GET,
        "/openapi.json",
        Access::Open,
        || get(openapi::openapi_json),
        Some(openapi::doc_document),
    ),
    route(
        Method::GET,
        "/docs",
        Access::Open,
        || get(openapi::docs_page),
        Some(openapi::doc_page),
    ),
    route(Method::GET, "/", Access::Open, || get(console::index), None).unlimited(),
    route(
        Method::GET,
        "/ui",
        Access::Open,
        || get(console::index),
        None,
    )
    .unlimited(),
    route(
        Method::GET,
        "/ui/",
        Access::Open,
        || get(console::index),
        None,
    )
    .unlimited(),
    route(
        Method::GET,
        "/ui/{*path}",
        Access::Open,
        || get(console::asset),
        None,
    )
    .unlimited(),
];
