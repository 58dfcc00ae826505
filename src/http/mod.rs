//! The HTTP API (port 5006): one router per resource, assembled here.
//!
//! - `error`: `ApiError`, the single mapping from domain errors to statuses.
//! - `body`: the JSON body extractor (422 / 413 in the contract's shape).
//! - `health`: `/health`.
//! - `tools`: `/api/v1/tools` and `/api/v1/tools/{name}`.
//! - `jobs`: `/api/v1/stream-execute` and `/api/v1/jobs...`.
//! - `stream`: `/api/v1/stream/{job_id}` (Server-Sent Events).
//! - `execute`: `/execute` (synchronous).
//! - `console`: the web console at `/` and `/ui` (embedded assets).
//! - `auth`: API keys and scopes per route.
//! - `limits`: per-client rate limit and open-stream cap.
//! - `observe`: request metrics and `/metrics`.
//! - `openapi`: `/openapi.json` (OpenAPI 3.1 from the code) and the offline `/docs` page.
//! - `serve`: the accept loop (header-read timeout, graceful shutdown).

pub mod auth;
pub mod body;
mod console;
pub mod error;
mod execute;
mod health;
pub mod jobs;
pub mod limits;
mod observe;
pub mod openapi;
pub mod serve;
pub mod stream;
pub mod tools;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware;
use axum::routing::{get, post};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::state::AppState;
use error::ApiError;

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.server.max_body_bytes;
    let cors = cors_layer(&state.settings.server.cors_allowed_origins);
    Router::new()
        .route("/health", get(health::health).options(health::health))
        .route("/api/v1/tools", get(tools::list))
        .route("/api/v1/tools/{name}", post(tools::call))
        .route("/execute", post(execute::execute))
        .route("/api/v1/stream-execute", post(jobs::stream_execute))
        .route("/api/v1/stream/{job_id}", get(stream::stream))
        .route("/api/v1/jobs", get(jobs::list))
        .route("/api/v1/jobs/{job_id}", get(jobs::get))
        .route("/api/v1/jobs/{job_id}/cancel", post(jobs::cancel))
        .route("/metrics", get(observe::metrics))
        .merge(console::router())
        .merge(openapi::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), limits::rate_limit))
        .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(cors)
        .layer(middleware::from_fn(observe::record))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let request_id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %request_id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::map_request(health_options_as_get))
        .with_state(state)
}

/// CORS from configuration: `["*"]` allows any origin (the old service's behaviour).
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

/// The contract answers `OPTIONS /health` with the health body. The CORS layer
/// answers every OPTIONS request as a preflight, so a plain (non-preflight)
/// `OPTIONS /health` is served as the `GET` it is equivalent to.
async fn health_options_as_get(mut req: axum::extract::Request) -> axum::extract::Request {
    let preflight = req.headers().contains_key("access-control-request-method");
    if req.method() == Method::OPTIONS && req.uri().path() == "/health" && !preflight {
        *req.method_mut() = Method::GET;
    }
    req
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Not Found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}
