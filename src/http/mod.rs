//! The HTTP API (port 5006), built from its route table.
//!
//! - `route`: what a route is (access rule, limits, handler, documentation).
//! - `routes`: every route once: method, path, handler, access, rate limiting.
//! - `guard`: the authorization decision per route (tool, key, scope, rate).
//! - `origin`: `Host` and `Origin` checks (DNS rebinding, foreign pages), both listeners.
//! - `client`: the client address, after trusted proxies.
//! - `error`: `ApiError`, the single mapping from domain errors to statuses,
//!   and the middleware that gives every error body the `{"detail"}` shape.
//! - `body`: bodies read within size and time limits; the JSON body extractor.
//! - `front`: what every request goes through first (ids, client, origin, body, errors, metrics).
//! - `observe`: request ids, request metrics and `/metrics`.
//! - `health`, `tools`, `jobs`, `stream`, `execute`, `status`, `console`: the handlers.
//! - `openapi`: `/openapi.json` (from the route table and the handlers' types) and `/docs`.
//! - `operation`: one documented operation, built next to its handler.
//! - `serve`: the accept loop (connection caps, idle and header timeouts, graceful shutdown).

pub mod body;
pub mod client;
mod console;
pub mod error;
mod execute;
pub mod front;
pub mod guard;
mod health;
pub mod jobs;
pub mod observe;
pub mod openapi;
pub mod operation;
pub mod origin;
pub mod route;
pub mod routes;
pub mod serve;
mod status;
pub mod stream;
pub mod tools;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

use crate::auth::Principal;
use crate::metrics::HttpMetrics;
use crate::state::AppState;
use body::BodyLimits;
use client::{ClientAddr, TrustedProxies};
use error::ApiError;
use guard::RouteGuard;
use routes::ROUTES;

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (index, route) in ROUTES.iter().enumerate() {
        let guard = RouteGuard {
            state: state.clone(),
            route: index,
        };
        let handler =
            (route.handler)().route_layer(middleware::from_fn_with_state(guard, guard::guard));
        router = router.route(route.path, handler);
    }
    let settings = &state.settings;
    let front = Arc::new(front::Front {
        ids: observe::RequestIds::default(),
        proxies: TrustedProxies::new(&settings.server.trusted_proxies),
        origin: origin::Guard::rest(settings),
        body: body_limits(&state),
        observer: Some(observe::Observer {
            metrics: HttpMetrics::new(ROUTES.iter().map(|r| (r.method.as_str(), r.path))),
            access_log: settings.server.access_log,
        }),
    });
    let mut router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    // Without listed origins no response needs CORS headers: the console is same-origin.
    if !settings.server.cors_allowed_origins.is_empty() {
        router = router.layer(cors_layer(&settings.server.cors_allowed_origins));
    }
    let document = openapi::Document::new(
        ROUTES,
        &openapi::Options {
            protect_metrics: settings.auth.protect_metrics,
        },
    );
    router
        .layer(axum::Extension(document))
        .layer(middleware::from_fn_with_state(front, front::front))
        .with_state(state)
}

/// Body limits from the settings, shared by both listeners.
pub fn body_limits(state: &AppState) -> BodyLimits {
    BodyLimits {
        max_bytes: state.settings.server.max_body_bytes,
        timeout: Duration::from_secs(state.settings.limits.body_read_timeout_secs),
    }
}

/// CORS for the configured origins (none by default: the console is
/// same-origin); `["*"]` allows any origin.
pub fn cors_layer(origins: &[String]) -> CorsLayer {
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods(AllowMethods::list([
            Method::GET,
            Method::POST,
            Method::OPTIONS,
            Method::DELETE,
        ]))
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(Duration::from_secs(600))
}

/// A path no route has: 404 for everyone, counted against the client's rate.
async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let addr = req.extensions().get::<ClientAddr>().map(|c| c.0);
    if let Err(limited) = guard::rate_limit(&state, &Principal::anonymous(), addr) {
        return limited.into_response();
    }
    ApiError::NotFound("Not Found".into()).into_response()
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
