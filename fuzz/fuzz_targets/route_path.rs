//! Fuzzes the REST router with any request path, through the real route
//! table and guard, as a read-only key. Beyond "never a 500 or a panic":
//! whatever the spelling (percent-encoding, case, dots, slashes), a request
//! that reaches a tool's handler names, once decoded, a tool the key may
//! call; anything else is refused (401, 403, 404, 405) before it runs.

#![no_main]

use std::sync::LazyLock;

use axum::body::Body;
use axum::http::{Method, Request};
use conductor_gateway::config::{ApiKeySetting, Secret, Settings};
use conductor_gateway::startup::{Application, BuildOptions};
use conductor_gateway::tools::{self, Scope};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const READ_KEY: &str = "fuzz-read-key-0123456789";

struct Harness {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    _app: Application,
}

static HARNESS: LazyLock<Harness> = LazyLock::new(|| {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut settings = Settings::default();
    settings.store.backend = Some(conductor_gateway::config::StoreBackend::Memory);
    settings.server.port = 0;
    settings.mcp.enabled = false;
    settings.limits.requests_per_second = 0;
    // No CLI: a tool that got through would fail fast, and visibly.
    settings.conductor.command = Some(vec!["/nonexistent/conductor".into()]);
    settings.auth.api_keys = vec![ApiKeySetting {
        key: Secret::new(READ_KEY),
        name: Some("reader".into()),
        scopes: vec!["read".into()],
    }];
    let app = runtime
        .block_on(Application::build(settings, BuildOptions::default()))
        .unwrap();
    let router = conductor_gateway::http::router(app.state().clone());
    Harness {
        runtime,
        router,
        _app: app,
    }
});

fuzz_target!(|input: (bool, &str)| {
    let (post, path) = input;
    let Ok(uri) = format!("/{}", path.trim_start_matches('/')).parse::<axum::http::Uri>() else {
        return;
    };
    let h = &*HARNESS;
    let request = Request::builder()
        .method(if post { Method::POST } else { Method::GET })
        .uri(uri.clone())
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {READ_KEY}"))
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let response = h
        .runtime
        .block_on(h.router.clone().oneshot(request))
        .unwrap();
    let status = response.status().as_u16();
    assert_ne!(status, 500, "{uri}");
    if let Some(raw) = uri.path().strip_prefix("/api/v1/tools/") {
        let reached = matches!(status, 200 | 413 | 422 | 503);
        if reached {
            let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
            let tool = tools::find(&decoded)
                .unwrap_or_else(|| panic!("{uri} reached a handler as '{decoded}'"));
            assert_eq!(tool.scope, Scope::Read, "{uri} ran {} with a read key", tool.name);
        }
    }
});
