//! The authorization decision of a REST request, taken in one place from its
//! route's declaration (`routes::ROUTES`), failing closed.
//!
//! In order: the tool named in the path is resolved after decoding (unknown:
//! 404); the key is authenticated unless the route is open (401); the
//! route's or the tool's scope is checked (403); the client's rate is
//! counted unless the route is exempt (429). The principal (anonymous on
//! open routes and in a gateway without keys) rides on the request.
//!
//! Keys come as `Authorization: Bearer <key>` or `X-API-Key: <key>`; the SSE
//! route also takes `?access_token=<key>` because `EventSource` cannot set
//! headers (the key then appears in URLs, so in proxy logs: docs/security.md).

use std::collections::HashMap;
use std::net::IpAddr;

use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::client::ClientAddr;
use super::error::ApiError;
use super::route::{Access, ResolvedTool, RouteId};
use super::routes::ROUTES;
use crate::auth::{Principal, Scope};
use crate::limits::ClientKey;
use crate::state::AppState;
use crate::tools::{self, ToolDef};

/// Middleware state: the application and the route it guards.
#[derive(Clone)]
pub struct RouteGuard {
    pub state: AppState,
    pub route: usize,
}

/// Runs the decision for the route, then the handler; tags the response with the route.
pub async fn guard(State(g): State<RouteGuard>, req: Request, next: Next) -> Response {
    let mut response = match decide(&g, req).await {
        Ok(req) => next.run(req).await,
        Err(refusal) => refusal.into_response(),
    };
    response.extensions_mut().insert(RouteId(g.route));
    response
}

async fn decide(g: &RouteGuard, mut req: Request) -> Result<Request, ApiError> {
    let route = &ROUTES[g.route];
    let state = &g.state;
    let required = match route.access {
        Access::Open => None,
        Access::Scope(scope) => Some(scope),
        Access::Metrics => state.settings.auth.protect_metrics.then_some(Scope::Read),
        Access::Tool => {
            let tool = resolve_tool(&mut req).await?;
            req.extensions_mut().insert(ResolvedTool(tool));
            Some(tool.scope)
        }
    };
    let principal = match required {
        None => Principal::anonymous(),
        Some(scope) => {
            let token = credentials(&req, route.query_token);
            let principal = state.auth.authenticate(token.as_deref())?;
            principal.require(scope)?;
            principal
        }
    };
    if route.rate_limited {
        let addr = req.extensions().get::<ClientAddr>().map(|c| c.0);
        rate_limit(state, &principal, addr)?;
    }
    req.extensions_mut().insert(principal);
    Ok(req)
}

/// Counts a request against its client's rate.
pub fn rate_limit(
    state: &AppState,
    principal: &Principal,
    addr: Option<IpAddr>,
) -> Result<(), ApiError> {
    let client = ClientKey::of(Some(principal), addr);
    state.limiter.check(&client).map_err(|wait| {
        crate::metrics::rate_limited();
        ApiError::TooManyRequests {
            detail: "rate limit exceeded; slow down".into(),
            retry_after: wait,
        }
    })
}

/// The catalogue tool of the path, decoded (`execute%5Fagent_stateless` is
/// `execute_agent_stateless`, and needs its scope); names are exact.
async fn resolve_tool(req: &mut Request) -> Result<&'static ToolDef, ApiError> {
    let (mut parts, body) = std::mem::take(req).into_parts();
    let name =
        <Path<String> as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &())
            .await
            .map(|Path(name)| name);
    *req = Request::from_parts(parts, body);
    let name = name.map_err(|_| ApiError::NotFound("unknown tool".into()))?;
    tools::find(&name).ok_or_else(|| ApiError::NotFound(format!("unknown tool '{name}'")))
}

/// The presented key: `Authorization: Bearer`, `X-API-Key`, or (where allowed) `?access_token=`.
pub fn credentials(req: &Request, allow_query: bool) -> Option<String> {
    let headers = req.headers();
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    {
        return Some(bearer.trim().to_string());
    }
    if let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(key.trim().to_string());
    }
    if allow_query {
        let query: Query<HashMap<String, String>> = Query::try_from_uri(req.uri()).ok()?;
        return query.0.get("access_token").cloned();
    }
    None
}
