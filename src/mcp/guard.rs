//! Who may talk to the MCP listener: `Host` and `Origin` validation for both
//! HTTP transports, and API keys.
//!
//! One check in front of every route, rather than rmcp's own check on `/mcp`
//! and a second one for the legacy transport, so the two cannot disagree.
//! rmcp's built-in `Host` check is therefore switched off (`streamable.rs`).
//!
//! - `Origin`: requests without one (non-browser clients) pass. A browser
//!   request passes when its origin is the server's own (same host and port
//!   as `Host`) or listed in `mcp.allowed_origins` (`"*"` allows any); any
//!   other origin gets 403.
//! - `Host`: when bound to loopback, only `localhost`, `127.0.0.1`, `[::1]`
//!   and `mcp.allowed_hosts` (with or without a port) pass: a DNS-rebinding
//!   page reaches us with its own name in `Host`. Bound to another address
//!   the operator chose to be reachable under any name, so `Host` is not
//!   checked.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Settings;
use crate::state::AppState;

/// The validation policy, built once from settings.
#[derive(Debug, Clone)]
pub struct Guard(Arc<Policy>);

#[derive(Debug)]
struct Policy {
    /// `None`: `Host` is not checked.
    hosts: Option<Vec<Authority>>,
    any_origin: bool,
    origins: Vec<Origin>,
}

/// A host name (lowercase, IPv6 without brackets) and maybe a port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authority {
    host: String,
    port: Option<u16>,
}

/// A serialized browser origin: scheme, host, port (the scheme's default when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    Tuple {
        scheme: String,
        host: String,
        port: u16,
    },
    /// `Origin: null` (sandboxed frames, file pages).
    Null,
}

const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Whether `host` (the bind address) only accepts connections from this machine.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Guard {
    pub fn from_settings(settings: &Settings) -> Self {
        let mcp = &settings.mcp;
        let hosts = if is_loopback(&settings.server.host)
            && !mcp.allowed_hosts.iter().any(|h| h == "*")
        {
            let mut hosts: Vec<Authority> = LOOPBACK_NAMES
                .iter()
                .map(|name| Authority {
                    host: (*name).to_string(),
                    port: None,
                })
                .collect();
            for entry in &mcp.allowed_hosts {
                match parse_authority(entry) {
                    Some(a) => hosts.push(a),
                    None => {
                        tracing::warn!(entry = %entry, "mcp.allowed_hosts: not a host[:port], ignored")
                    }
                }
            }
            Some(hosts)
        } else {
            None
        };
        let mut origins = Vec::new();
        for entry in mcp.allowed_origins.iter().filter(|o| *o != "*") {
            match parse_origin(entry) {
                Some(o) => origins.push(o),
                None => {
                    tracing::warn!(entry = %entry, "mcp.allowed_origins: not an origin (scheme://host[:port]), ignored")
                }
            }
        }
        Self(Arc::new(Policy {
            hosts,
            any_origin: mcp.allowed_origins.iter().any(|o| o == "*"),
            origins,
        }))
    }

    /// Why the request must be refused, if it must.
    fn refusal(&self, headers: &HeaderMap, uri: &axum::http::Uri) -> Option<&'static str> {
        let host_value = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| uri.authority().map(|a| a.to_string()));
        let host = host_value.as_deref().and_then(parse_authority);
        if let Some(allowed) = &self.0.hosts {
            match &host {
                Some(h) if allowed.iter().any(|a| a.matches(h)) => {}
                _ => return Some("Forbidden: Host header is not allowed"),
            }
        }
        let origin = headers.get(header::ORIGIN)?;
        if self.0.any_origin {
            return None;
        }
        let Some(origin) = origin.to_str().ok().and_then(parse_origin) else {
            return Some("Forbidden: malformed Origin header");
        };
        let same_origin = match (&origin, &host) {
            (
                Origin::Tuple {
                    scheme,
                    host: oh,
                    port,
                },
                Some(h),
            ) => *oh == h.host && *port == h.port.unwrap_or_else(|| default_port(scheme)),
            _ => false,
        };
        if same_origin || self.0.origins.contains(&origin) {
            None
        } else {
            Some("Forbidden: Origin is not allowed")
        }
    }
}

impl Authority {
    /// An entry without a port allows any port.
    fn matches(&self, request: &Authority) -> bool {
        self.host == request.host && (self.port.is_none() || self.port == request.port)
    }
}

fn parse_authority(value: &str) -> Option<Authority> {
    let authority: axum::http::uri::Authority = value.trim().parse().ok()?;
    let host = authority
        .host()
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    Some(Authority {
        host,
        port: authority.port_u16(),
    })
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" { 443 } else { 80 }
}

fn parse_origin(value: &str) -> Option<Origin> {
    let value = value.trim().trim_end_matches('/');
    if value == "null" {
        return Some(Origin::Null);
    }
    let (scheme, rest) = value.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if rest.contains('/') || rest.contains('@') {
        return None;
    }
    let authority = parse_authority(rest)?;
    Some(Origin::Tuple {
        port: authority.port.unwrap_or_else(|| default_port(&scheme)),
        scheme,
        host: authority.host,
    })
}

/// Middleware: refuses requests whose `Host` or `Origin` the policy rejects.
pub async fn check(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    match guard.refusal(request.headers(), request.uri()) {
        None => next.run(request).await,
        Some(reason) => {
            tracing::warn!(
                host = ?request.headers().get(header::HOST),
                origin = ?request.headers().get(header::ORIGIN),
                path = %request.uri().path(),
                "MCP request refused: {reason}"
            );
            forbidden(reason)
        }
    }
}

/// 403 with a JSON-RPC error body, which MCP clients know how to show.
fn forbidden(reason: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32600, "message": reason},
    });
    (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
}

/// API keys on the MCP listener: the REST API's keys, presented the same way
/// (`Authorization: Bearer` or `X-API-Key`). The principal rides on the
/// request so the handler can show and run only the tools of its scopes.
/// Without configured keys the listener is open, as the old service's was.
pub async fn authorize(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if state.auth.is_open() {
        return next.run(request).await;
    }
    let token = crate::http::auth::credentials(&request, false);
    match state.auth.authenticate(token.as_deref()) {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(e) => {
            let mut response = (StatusCode::UNAUTHORIZED, e.to_string()).into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, Uri};

    fn guard(host: &str, allowed_hosts: &[&str], allowed_origins: &[&str]) -> Guard {
        let mut settings = Settings::default();
        settings.server.host = host.into();
        settings.mcp.allowed_hosts = allowed_hosts.iter().map(|s| s.to_string()).collect();
        settings.mcp.allowed_origins = allowed_origins.iter().map(|s| s.to_string()).collect();
        Guard::from_settings(&settings)
    }

    fn refusal(g: &Guard, host: Option<&str>, origin: Option<&str>) -> Option<&'static str> {
        let mut headers = HeaderMap::new();
        if let Some(h) = host {
            headers.insert(header::HOST, HeaderValue::from_str(h).unwrap());
        }
        if let Some(o) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        g.refusal(&headers, &Uri::from_static("/mcp"))
    }

    #[test]
    fn loopback_bind_accepts_only_local_host_names() {
        let g = guard("127.0.0.1", &["mcp.internal:8006"], &[]);
        for ok in [
            "127.0.0.1:8006",
            "localhost:1",
            "LOCALHOST",
            "[::1]:8006",
            "mcp.internal:8006",
        ] {
            assert_eq!(refusal(&g, Some(ok), None), None, "{ok}");
        }
        for bad in [
            "evil.example.com",
            "evil.example.com:8006",
            "mcp.internal:9999",
            "127.0.0.1.evil.com",
        ] {
            assert!(refusal(&g, Some(bad), None).is_some(), "{bad}");
        }
        assert!(refusal(&g, None, None).is_some(), "no Host at all");
    }

    #[test]
    fn other_binds_do_not_check_host() {
        let g = guard("0.0.0.0", &[], &[]);
        assert_eq!(refusal(&g, Some("gateway.example.com"), None), None);
    }

    #[test]
    fn origin_must_be_same_origin_or_listed() {
        let g = guard("127.0.0.1", &[], &["https://app.example.com"]);
        let host = Some("127.0.0.1:8006");
        assert_eq!(refusal(&g, host, None), None, "no Origin: not a browser");
        assert_eq!(refusal(&g, host, Some("http://127.0.0.1:8006")), None);
        assert_eq!(refusal(&g, host, Some("https://app.example.com")), None);
        assert_eq!(
            refusal(&g, host, Some("https://app.example.com:443/")),
            None
        );
        assert!(refusal(&g, host, Some("http://evil.example.com")).is_some());
        assert!(refusal(&g, host, Some("http://127.0.0.1:9999")).is_some());
        assert!(
            refusal(&g, host, Some("http://app.example.com")).is_some(),
            "scheme counts"
        );
        assert!(refusal(&g, host, Some("null")).is_some());
        assert!(refusal(&g, host, Some("not an origin")).is_some());
    }

    #[test]
    fn a_star_allows_any_origin() {
        let g = guard("0.0.0.0", &[], &["*"]);
        assert_eq!(
            refusal(&g, Some("x:1"), Some("http://anything.example")),
            None
        );
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && is_loopback("localhost"));
        assert!(!is_loopback("0.0.0.0") && !is_loopback("192.168.1.2"));
    }
}
