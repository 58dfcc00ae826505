//! The web console: plain HTML, CSS and JavaScript modules from `web/`, embedded
//! in the binary and served at `/`, `/ui` and `/ui/<asset>` (routes in `routes.rs`).
//!
//! The assets are listed once in [`ASSETS`]; a unit test checks that every file
//! the page or a module refers to is in that list, so a new module cannot be
//! forgotten. Nothing is built: the binary needs no Node to compile, and the
//! console loads nothing from outside the gateway (its Content-Security-Policy
//! says so to the browser too).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One embedded file: its path under `/ui/`, its content type, its bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:expr) => {
        Asset {
            path: $path,
            content_type: $type,
            body: include_bytes!(concat!("../../web/", $path)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

static ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("js/main.js", JS),
    asset!("js/api.js", JS),
    asset!("js/dom.js", JS),
    asset!("js/stream.js", JS),
    asset!("js/jobview.js", JS),
    asset!("js/run.js", JS),
    asset!("js/jobs.js", JS),
    asset!("js/agents.js", JS),
    asset!("js/agentlist.js", JS),
    asset!("js/tools.js", JS),
    asset!("js/schema.js", JS),
    asset!("js/status.js", JS),
    asset!("js/glance.js", JS),
    asset!("js/charts.js", JS),
    asset!("js/steps.js", JS),
    asset!("js/approval.js", JS),
];

/// Only the gateway itself: no CDN, no inline script, no framing by other sites.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

/// `/`, `/ui`, `/ui/`: the page.
pub async fn index() -> Response {
    serve("index.html")
}

/// `/ui/{*path}`: its assets.
pub async fn asset(Path(path): Path<String>) -> Response {
    serve(&path)
}

fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

fn serve(path: &str) -> Response {
    let Some(asset) = find(path) else {
        return super::error::ApiError::NotFound(format!("No console asset named '{path}'"))
            .into_response();
    };
    let mut response = (StatusCode::OK, asset.body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    // The assets change with the binary; `no-cache` makes browsers revalidate
    // rather than run an old module against a newer API.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths a text asset refers to: `"/ui/..."` in the page, `'./x.js'` in modules.
    fn references(asset: &Asset) -> Vec<String> {
        let text = std::str::from_utf8(asset.body).expect("text assets are UTF-8");
        let mut found = Vec::new();
        for (prefix, base) in [("\"/ui/", ""), ("'./", "js/")] {
            for (start, _) in text.match_indices(prefix) {
                let rest = &text[start + prefix.len()..];
                let end = rest.find(['"', '\'']).unwrap_or(rest.len());
                found.push(format!("{base}{}", &rest[..end]));
            }
        }
        found
    }

    #[test]
    fn every_referenced_asset_is_embedded() {
        for asset in ASSETS {
            if asset.content_type.starts_with("image/") {
                continue;
            }
            for path in references(asset) {
                assert!(
                    find(&path).is_some(),
                    "{} refers to {path}, which is not in ASSETS",
                    asset.path
                );
            }
        }
    }

    #[test]
    fn every_module_is_reachable_from_the_page() {
        let mut reached = vec!["index.html".to_string()];
        let mut i = 0;
        while i < reached.len() {
            let asset = find(&reached[i]).expect("reached assets exist");
            for path in references(asset) {
                if !reached.contains(&path) {
                    reached.push(path);
                }
            }
            i += 1;
        }
        for asset in ASSETS {
            assert!(
                reached.iter().any(|p| p == asset.path),
                "{} is embedded but nothing refers to it",
                asset.path
            );
        }
    }

    #[test]
    fn content_types_and_headers() {
        let response = serve("js/main.js");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], JS);
        assert!(
            response.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        assert_eq!(
            serve("index.html").headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(
            serve("app.css").headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );
        assert_eq!(serve("nope.js").status(), StatusCode::NOT_FOUND);
        assert_eq!(serve("../Cargo.toml").status(), StatusCode::NOT_FOUND);
    }
}
