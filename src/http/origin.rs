//! Browsers and DNS rebinding: `Host` and `Origin` validation, the same on
//! both listeners (REST and MCP), whatever the bind address.
//!
//! - `Host` must be a loopback name (`localhost`, `127.0.0.1`, `[::1]`), the
//!   bound address, or listed in `server.allowed_hosts` (with or without a
//!   port; `"*"` turns the check off). A DNS-rebinding page reaches us with
//!   its own name in `Host` and is refused. A checked `Host` also makes the
//!   same-origin test below trustworthy.
//! - `Origin`: browsers send it on every cross-origin request (and on
//!   same-origin POSTs). A request passes when its origin is the gateway's
//!   own (same host and port as the allowed `Host`) or listed in
//!   `server.cors_allowed_origins` (`"*"` allows any); any other origin, and
//!   `Origin: null`, gets 403 whatever the method or content type. Requests
//!   without `Origin` (curl, servers, SDKs) are not browsers and pass.
//! - `/health` is exempt, so load-balancer probes that send a node address
//!   as `Host` keep working; it reveals nothing but the service's state.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::Settings;

/// How a refusal is written: the REST API's `{"detail"}` or a JSON-RPC error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Rest,
    JsonRpc,
}

/// The validation policy of one listener, built once from settings.
#[derive(Debug, Clone)]
pub struct Guard(Arc<Policy>);

#[derive(Debug)]
struct Policy {
    /// `None`: `Host` is not checked (`"*"` in the allow-list).
    hosts: Option<Vec<Authority>>,
    any_origin: bool,
    origins: Vec<Origin>,
    dialect: Dialect,
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

impl Guard {
    /// The REST listener's policy.
    pub fn rest(settings: &Settings) -> Self {
        Self::build(settings, &[], &[], Dialect::Rest)
    }

    /// The MCP listener's policy: the server's lists plus `mcp.allowed_*`.
    pub fn mcp(settings: &Settings) -> Self {
        Self::build(
            settings,
            &settings.mcp.allowed_hosts,
            &settings.mcp.allowed_origins,
            Dialect::JsonRpc,
        )
    }

    fn build(
        settings: &Settings,
        extra_hosts: &[String],
        extra_origins: &[String],
        dialect: Dialect,
    ) -> Self {
        let host_entries: Vec<&String> = settings
            .server
            .allowed_hosts
            .iter()
            .chain(extra_hosts)
            .collect();
        let hosts = if host_entries.iter().any(|h| *h == "*") {
            None
        } else {
            let mut hosts: Vec<Authority> = LOOPBACK_NAMES
                .iter()
                .map(|name| Authority {
                    host: (*name).to_string(),
                    port: None,
                })
                .collect();
            let bound = settings.server.host.trim_matches(['[', ']']);
            let unspecified = bound
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_unspecified());
            if !unspecified {
                hosts.push(Authority {
                    host: bound.to_ascii_lowercase(),
                    port: None,
                });
            }
            for entry in host_entries {
                match parse_authority(entry) {
                    Some(a) => hosts.push(a),
                    None => {
                        tracing::warn!(entry = %entry, "allowed_hosts: not a host[:port], ignored")
                    }
                }
            }
            Some(hosts)
        };
        let origin_entries: Vec<&String> = settings
            .server
            .cors_allowed_origins
            .iter()
            .chain(extra_origins)
            .collect();
        let mut origins = Vec::new();
        for entry in origin_entries.iter().filter(|o| **o != "*") {
            match parse_origin(entry) {
                Some(Origin::Null) | None => {
                    tracing::warn!(entry = %entry, "allowed origins: not an origin (scheme://host[:port]), ignored")
                }
                Some(o) => origins.push(o),
            }
        }
        Self(Arc::new(Policy {
            hosts,
            any_origin: origin_entries.iter().any(|o| *o == "*"),
            origins,
            dialect,
        }))
    }

    /// Why the request must be refused, if it must.
    fn refusal(&self, headers: &HeaderMap, uri: &axum::http::Uri) -> Option<&'static str> {
        let host_value = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| uri.authority().map(|a| a.as_str()));
        let host = host_value.and_then(parse_authority);
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
            Some("Forbidden: Origin is not allowed (server.cors_allowed_origins)")
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

impl Guard {
    /// The answer to a request the policy refuses; `None` lets it through.
    pub fn refuse(&self, request: &Request) -> Option<Response> {
        if request.uri().path() == "/health" {
            return None;
        }
        let reason = self.refusal(request.headers(), request.uri())?;
        tracing::debug!(
            host = ?request.headers().get(header::HOST),
            origin = ?request.headers().get(header::ORIGIN),
            path = %request.uri().path(),
            "request refused: {reason}"
        );
        Some(match self.0.dialect {
            Dialect::Rest => super::error::ApiError::Forbidden(reason.into()).into_response(),
            Dialect::JsonRpc => json_rpc_forbidden(reason),
        })
    }
}

/// 403 with a JSON-RPC error body, which MCP clients know how to show.
fn json_rpc_forbidden(reason: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32600, "message": reason},
    });
    (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, Uri};

    fn guard(host: &str, allowed_hosts: &[&str], allowed_origins: &[&str]) -> Guard {
        let mut settings = Settings::default();
        settings.server.host = host.into();
        settings.server.allowed_hosts = allowed_hosts.iter().map(|s| s.to_string()).collect();
        settings.server.cors_allowed_origins =
            allowed_origins.iter().map(|s| s.to_string()).collect();
        Guard::rest(&settings)
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
    fn every_bind_checks_host() {
        let g = guard("0.0.0.0", &[], &[]);
        assert!(refusal(&g, Some("gateway.example.com"), None).is_some());
        assert_eq!(refusal(&g, Some("localhost:5006"), None), None);
        let named = guard("0.0.0.0", &["gateway.example.com"], &[]);
        assert_eq!(refusal(&named, Some("gateway.example.com"), None), None);
        let bound = guard("10.1.2.3", &[], &[]);
        assert_eq!(refusal(&bound, Some("10.1.2.3:5006"), None), None);
        assert!(refusal(&bound, Some("10.1.2.4:5006"), None).is_some());
        let any = guard("0.0.0.0", &["*"], &[]);
        assert_eq!(refusal(&any, Some("anything.example"), None), None);
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
        let g = guard("0.0.0.0", &["*"], &["*"]);
        assert_eq!(
            refusal(&g, Some("x:1"), Some("http://anything.example")),
            None
        );
    }

    #[test]
    fn loopback_detection() {
        use crate::config::is_loopback;
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && is_loopback("localhost"));
        assert!(!is_loopback("0.0.0.0") && !is_loopback("192.168.1.2"));
    }
}
