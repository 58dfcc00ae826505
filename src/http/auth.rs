//! Authentication and authorisation of HTTP requests.
//!
//! Keys come as `Authorization: Bearer <key>` or `X-API-Key: <key>`; the SSE
//! route also takes `?access_token=<key>` because `EventSource` cannot set
//! headers (the key then appears in URLs, so in proxy logs: docs/security.md).
//! Open routes: `/health`, the console, the API docs and (unless configured
//! otherwise) `/metrics`.

use std::collections::HashMap;

use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::auth::{Principal, Scope};
use crate::state::AppState;
use crate::tools;

/// Authenticates every request to a protected route and checks the route's scope.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if req.method() == Method::OPTIONS || is_open(&path, state.settings.auth.protect_metrics) {
        return next.run(req).await;
    }
    let token = credentials(&req, path.starts_with(QUERY_TOKEN_PREFIX));
    let principal = match state.auth.authenticate(token.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            let mut response =
                ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()).into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    };
    if let Some(scope) = route_scope(req.method(), &path)
        && let Err(why) = principal.require(scope)
    {
        return forbidden(why);
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

/// 403 naming the missing scope.
pub fn forbidden(why: String) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, why).into_response()
}

/// Routes under this prefix (the SSE stream) also accept `?access_token=`.
pub const QUERY_TOKEN_PREFIX: &str = "/api/v1/stream/";

/// Whether `path` is served without a key. Everything outside the API is
/// open: `/health`, `/openapi.json`, `/docs`, the console and (unless
/// `auth.protect_metrics`) `/metrics`. The API description is public on
/// purpose: it holds the contract's tool names and schemas, nothing secret.
pub fn is_open(path: &str, protect_metrics: bool) -> bool {
    let api = path == "/execute" || path.starts_with("/api/");
    let metrics = path == "/metrics";
    !(api || (metrics && protect_metrics))
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

/// The scope a route needs; `None` for open routes.
pub fn route_scope(method: &Method, path: &str) -> Option<Scope> {
    if path == "/metrics" {
        return Some(Scope::Read);
    }
    if method == Method::GET || method == Method::HEAD {
        return Some(Scope::Read);
    }
    if let Some(name) = path.strip_prefix("/api/v1/tools/") {
        return Some(tools::find(name).map(|t| t.scope).unwrap_or(Scope::Read));
    }
    Some(Scope::Run)
}

/// The caller of the current request (anonymous on open routes).
pub fn principal_of(req_extensions: &axum::http::Extensions) -> Principal {
    req_extensions
        .get::<Principal>()
        .cloned()
        .unwrap_or_else(Principal::anonymous)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_by_route() {
        assert_eq!(route_scope(&Method::GET, "/api/v1/jobs"), Some(Scope::Read));
        assert_eq!(route_scope(&Method::POST, "/execute"), Some(Scope::Run));
        assert_eq!(
            route_scope(&Method::POST, "/api/v1/tools/restore_agents"),
            Some(Scope::Admin)
        );
        assert_eq!(
            route_scope(&Method::POST, "/api/v1/tools/list_available_agents"),
            Some(Scope::Read)
        );
        assert!(is_open("/health", true));
        assert!(is_open("/openapi.json", true));
        assert!(is_open("/docs", true));
        assert!(is_open("/metrics", false));
        assert!(!is_open("/metrics", true));
        assert!(!is_open("/api/v1/stream/x", false));
    }
}
