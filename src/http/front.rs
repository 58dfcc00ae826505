//! What every request of a listener goes through, in one middleware rather
//! than a stack of them (each layer of a stack is cloned and boxed per
//! request, which the profile showed to cost more than the work itself):
//!
//! 1. a request id (`X-Request-Id`, kept when the client sent one, echoed back);
//! 2. the client address, after trusted proxies;
//! 3. the `Host` and `Origin` checks;
//! 4. the body, read within its size and time limits;
//! 5. the route, then: error bodies in the `{"detail"}` shape, server
//!    errors logged, the request counted and (with `server.access_log`) logged.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::body::{self, BodyLimits};
use super::client::{ClientAddr, TrustedProxies};
use super::error;
use super::observe::{Observer, RequestIds};
use super::origin;
use super::route::RouteId;

/// The per-listener parts of the front middleware.
pub struct Front {
    pub ids: RequestIds,
    pub proxies: TrustedProxies,
    pub origin: origin::Guard,
    pub body: BodyLimits,
    /// Request metrics and the access log (the REST listener).
    pub observer: Option<Observer>,
}

pub async fn front(State(front): State<Arc<Front>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // The contract answers `OPTIONS /health` with the health body; a CORS
    // preflight (with `Access-Control-Request-Method`) stays a preflight.
    if req.method() == Method::OPTIONS
        && req.uri().path() == "/health"
        && !req.headers().contains_key("access-control-request-method")
    {
        *req.method_mut() = Method::GET;
    }
    let request_id = match req.headers().get("x-request-id") {
        Some(id) if id.len() <= 128 => id.clone(),
        _ => front.ids.make(),
    };
    req.headers_mut().insert("x-request-id", request_id.clone());
    if let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    {
        let client = front.proxies.client(peer, req.headers());
        req.extensions_mut().insert(ClientAddr(client));
    }
    let method = req.method().clone();
    let access_path = front
        .observer
        .as_ref()
        .filter(|o| o.access_log)
        .map(|_| req.uri().path().to_string());
    let span = tracing::debug_span!(
        "http",
        method = %method,
        path = %req.uri().path(),
        request_id = request_id.to_str().unwrap_or("-"),
    );
    let response = async {
        if let Some(refusal) = front.origin.refuse(&req) {
            return refusal;
        }
        let req = match body::buffer(req, front.body).await {
            Ok(req) => req,
            Err(e) => return e.into_response(),
        };
        next.run(req).await
    }
    .instrument(span)
    .await;
    let mut response = error::json_errors(response, &request_id).await;
    response
        .headers_mut()
        .insert("x-request-id", request_id.clone());
    if let Some(observer) = &front.observer {
        let route = response.extensions().get::<RouteId>().map(|r| r.0);
        let status = response.status().as_u16();
        let elapsed = started.elapsed();
        observer
            .metrics
            .record(route, method.as_str(), status, elapsed);
        if let Some(path) = access_path {
            tracing::info!(
                method = %method,
                path = %path,
                status,
                duration_ms = elapsed.as_secs_f64() * 1000.0,
                request_id = request_id.to_str().unwrap_or("-"),
                "request"
            );
        }
    }
    response
}
