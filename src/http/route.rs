//! What a route is: its method, path, access rule, limits, handler and
//! documentation (the table of them all is `routes`), and what the guard
//! attaches to a request it let through.

use axum::http::Method;
use axum::routing::MethodRouter;

use super::operation::Operation;
use crate::auth::Scope;
use crate::state::AppState;
use crate::tools::ToolDef;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: no key is needed.
    Open,
    /// A key with this scope.
    Scope(Scope),
    /// A key with the scope of the tool named in the path, resolved after
    /// decoding; an unknown tool is a 404 before anything else.
    Tool,
    /// Open, or `read` with `auth.protect_metrics`.
    Metrics,
}

/// One route of the REST API.
pub struct Route {
    pub method: Method,
    /// As the router spells it (`{param}` templates).
    pub path: &'static str,
    pub access: Access,
    /// Counted against the client's request rate.
    pub rate_limited: bool,
    /// The key may also come as `?access_token=` (EventSource cannot set headers).
    pub query_token: bool,
    pub handler: fn() -> MethodRouter<AppState>,
    /// Its OpenAPI operation; `None` keeps it out of the document (console assets).
    pub doc: Option<fn() -> Operation>,
}

pub(super) const fn route(
    method: Method,
    path: &'static str,
    access: Access,
    handler: fn() -> MethodRouter<AppState>,
    doc: Option<fn() -> Operation>,
) -> Route {
    Route {
        method,
        path,
        access,
        rate_limited: true,
        query_token: false,
        handler,
        doc,
    }
}

impl Route {
    pub(super) const fn unlimited(mut self) -> Self {
        self.rate_limited = false;
        self
    }

    pub(super) const fn query_token(mut self) -> Self {
        self.query_token = true;
        self
    }
}

/// Which route a response came from (set by the guard), for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct RouteId(pub usize);

/// The tool a `/api/v1/tools/{name}` request names, resolved by the guard.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedTool(pub &'static ToolDef);
