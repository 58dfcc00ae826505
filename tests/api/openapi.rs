//! `/openapi.json` and `/docs`: the document is OpenAPI 3.1, lists every
//! route of the router and every tool, and describes what the server really
//! answers (live responses are checked against its schemas); the docs page
//! is served and loads nothing from another host.

use std::collections::BTreeSet;

use conductor_gateway::config::{ApiKeySetting, Secret};
use conductor_gateway::http::routes::ROUTES;
use conductor_gateway::tools as catalogue;
use regex::Regex;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::schema_check::assert_valid;

/// `(method, path)` of every documented route of the table the router is built from.
fn routes_in_table() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .filter(|r| r.doc.is_some())
        .map(|r| (r.method.as_str().to_lowercase(), r.path.to_string()))
        .collect()
}

/// The web console's HTML pages and static assets (`src/http/console.rs`):
/// routed, open, but not API operations, so not in the document.
const CONSOLE_PAGES: &[&str] = &["/", "/ui", "/ui/", "/ui/{*path}"];

async fn fetch_document(app: &TestApp) -> Value {
    let r = app.get("/openapi.json").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    r.json().await.expect("the document is JSON")
}

#[tokio::test]
async fn document_is_openapi_3_1_and_lists_every_route_and_tool() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());

    let routes = routes_in_table();
    assert!(routes.contains(&("get".into(), "/api/v1/stream/{job_id}".into())));
    for (method, path) in &routes {
        assert!(
            doc["paths"][path][method].is_object(),
            "{} {path} is in the route table but missing from the document",
            method.to_uppercase()
        );
    }
    for route in ROUTES.iter().filter(|r| r.doc.is_none()) {
        assert!(
            CONSOLE_PAGES.contains(&route.path),
            "{} is undocumented but not a console page",
            route.path
        );
    }
    let tool_path = |p: &str| {
        p.strip_prefix("/api/v1/tools/")
            .and_then(catalogue::find)
            .is_some()
    };
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                routes.contains(&(method.clone(), path.clone()))
                    || (tool_path(path) && method == "post"),
                "{method} {path} is documented but not routed"
            );
        }
    }

    for tool in catalogue::all() {
        let op = &doc["paths"][format!("/api/v1/tools/{}", tool.name)]["post"];
        assert!(op.is_object(), "no operation for tool {}", tool.name);
        assert_eq!(op["x-required-scope"], tool.scope.as_str(), "{}", tool.name);
        let reference = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap();
        let mut schema = doc.pointer(&reference[1..]).unwrap().clone();
        schema.as_object_mut().unwrap().remove("description");
        assert_eq!(
            schema,
            Value::Object((*tool.input_schema).clone()),
            "{}: the request body is the catalogue's input schema",
            tool.name
        );
        let example = &op["requestBody"]["content"]["application/json"]["example"];
        assert_valid(&doc, &schema, example, tool.name);
    }

    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["apiKeyHeader"]["name"], "X-API-Key");
    assert_eq!(schemes["apiKeyHeader"]["in"], "header");
    assert_eq!(schemes["accessToken"]["name"], "access_token");
    assert_eq!(schemes["accessToken"]["in"], "query");
    let stream = &doc["paths"]["/api/v1/stream/{job_id}"]["get"];
    assert!(stream["responses"]["200"]["content"]["text/event-stream"].is_object());
    assert_eq!(
        stream["responses"]["200"]["content"]["text/event-stream"]["x-event-schema"]["$ref"],
        "#/components/schemas/SseEvent"
    );

    // Every error response has the {"detail"} shape.
    let error = json!({"$ref": "#/components/schemas/Error"});
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.as_str() >= "400" {
                    assert_eq!(
                        response["content"]["application/json"]["schema"], error,
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    let statuses: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .flat_map(|op| op["responses"].as_object().unwrap().keys())
        .map(String::as_str)
        .collect();
    for s in [
        "400", "401", "403", "404", "409", "413", "422", "429", "503", "504",
    ] {
        assert!(statuses.contains(s), "no operation documents {s}");
    }
    app.shutdown().await;
}

/// The JSON schema the document gives for `status` of `op`.
fn response_schema(op: &Value, status: u16, content_type: &str) -> Option<Value> {
    let media = if content_type.starts_with("application/json") {
        "application/json"
    } else {
        content_type.split(';').next().unwrap_or_default()
    };
    op["responses"][status.to_string()]["content"][media]
        .get("schema")
        .cloned()
}

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    let finished = app.start_job(json!({"input": "/list"})).await;
    app.read_stream(&finished, None).await;

    let mut probed = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // An approval needs a pending request: its errors are probed below.
            if path.contains("{call_id}") {
                continue;
            }
            let url = path
                .replace("{job_id}", &finished)
                .replace("{name}", "list_available_agents");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut req = app.client.request(method.clone(), app.url(&url));
            let example = op["requestBody"]["content"]["application/json"]
                .get("example")
                .cloned();
            if let Some(body) = &example {
                req = req.json(body);
            }
            let r = req.send().await.expect("request");
            let status = r.status().as_u16();
            let content_type = r
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let what = format!("{method} {url} -> {status}");
            assert!(
                op["responses"][status.to_string()].is_object(),
                "{what}: status not documented"
            );
            if example.is_some() {
                assert!(
                    (200..300).contains(&status),
                    "{what}: the documented example must succeed"
                );
            }
            let schema = response_schema(op, status, &content_type)
                .unwrap_or_else(|| panic!("{what}: {content_type} not documented"));
            if content_type.starts_with("text/event-stream") {
                let events = collect_events(r, usize::MAX).await;
                assert_eq!(events.last().unwrap().name(), "end_of_stream");
                let event_schema =
                    &op["responses"]["200"]["content"]["text/event-stream"]["x-event-schema"];
                for e in &events {
                    assert_valid(&doc, event_schema, &e.data, &what);
                }
            } else if content_type.starts_with("application/json") {
                let body: Value = r.json().await.unwrap();
                assert_valid(&doc, &schema, &body, &what);
            } else {
                assert!(!r.text().await.unwrap().is_empty(), "{what}: empty body");
            }
            probed += 1;
        }
    }
    assert!(probed >= 25, "only {probed} operations probed");

    // Errors, each against the schema documented for that operation and status.
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();
    let cases: Vec<(Method, String, Option<String>, Value, u16)> = vec![
        (
            Method::GET,
            "/api/v1/jobs/job_unknown".into(),
            None,
            op("/api/v1/jobs/{job_id}", "get"),
            404,
        ),
        (
            Method::GET,
            "/api/v1/jobs?state=bogus".into(),
            None,
            op("/api/v1/jobs", "get"),
            422,
        ),
        (
            Method::POST,
            format!("/api/v1/jobs/{finished}/cancel"),
            None,
            op("/api/v1/jobs/{job_id}/cancel", "post"),
            409,
        ),
        (
            Method::POST,
            "/api/v1/stream-execute".into(),
            Some("{}".into()),
            op("/api/v1/stream-execute", "post"),
            400,
        ),
        (
            Method::POST,
            "/execute".into(),
            Some("not json".into()),
            op("/execute", "post"),
            422,
        ),
        (
            Method::POST,
            "/api/v1/tools/get_agent_info".into(),
            Some(r#"{"agent_id": "--list"}"#.into()),
            op("/api/v1/tools/get_agent_info", "post"),
            422,
        ),
        (
            Method::POST,
            "/api/v1/tools/nope".into(),
            Some("{}".into()),
            op("/api/v1/tools/{name}", "post"),
            404,
        ),
        (
            Method::POST,
            format!("/api/v1/jobs/{finished}/approvals/call_1"),
            Some(r#"{"approve": true}"#.into()),
            op("/api/v1/jobs/{job_id}/approvals/{call_id}", "post"),
            404,
        ),
        (
            Method::GET,
            format!("/api/v1/stream/{finished}?last_event_id=x"),
            None,
            op("/api/v1/stream/{job_id}", "get"),
            400,
        ),
    ];
    for (method, url, body, op, expected) in cases {
        let mut req = app.client.request(method.clone(), app.url(&url));
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let r = req.send().await.unwrap();
        let what = format!("{method} {url}");
        assert_eq!(r.status().as_u16(), expected, "{what}");
        let schema = response_schema(&op, expected, "application/json")
            .unwrap_or_else(|| panic!("{what}: {expected} not documented"));
        let body: Value = r.json().await.unwrap();
        assert_valid(&doc, &schema, &body, &what);
    }
    app.shutdown().await;
}

#[tokio::test]
async fn docs_page_is_served_and_loads_nothing_from_elsewhere() {
    let app = spawn_app().await;
    let r = app.get("/docs").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("openapi.json"));
    assert!(
        page.contains("<script>") && page.contains("fetch("),
        "the script is inlined"
    );

    // Everything the page references: attributes, CSS url(), fetch() and import targets.
    let reference = Regex::new(
        r#"(?:src|href|action)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^"')]*)|fetch\(\s*["'`]([^"'`]*)|import\s*\(?\s*["']([^"']*)"#,
    )
    .unwrap();
    let mut assets = vec![("/docs".to_string(), page)];
    let mut checked = BTreeSet::new();
    while let Some((name, text)) = assets.pop() {
        for scheme in ["http://", "https://"] {
            assert!(!text.contains(scheme), "{name} contains a {scheme} URL");
        }
        for caps in reference.captures_iter(&text) {
            let target = caps
                .iter()
                .skip(1)
                .flatten()
                .next()
                .unwrap()
                .as_str()
                .to_string();
            // An inline `data:` URL (the empty favicon) loads nothing.
            if target.starts_with("data:") {
                continue;
            }
            assert!(
                !target.starts_with("//") && !target.contains(':'),
                "{name} references {target} on another host or scheme"
            );
            if target.is_empty() || target.starts_with('#') || !checked.insert(target.clone()) {
                continue;
            }
            // Relative to /docs, as the browser resolves it.
            let url = format!(
                "/{}",
                target.trim_start_matches("./").trim_start_matches('/')
            );
            let r = app.get(&url).await;
            assert_eq!(
                r.status(),
                200,
                "{name} references {target}, which is not served"
            );
            assets.push((url, r.text().await.unwrap()));
        }
    }
    assert!(checked.contains("openapi.json"), "{checked:?}");
    app.shutdown().await;
}

#[tokio::test]
async fn docs_and_document_stay_open_when_keys_are_configured() {
    let key = "docs-key-0123456789";
    let app = spawn_with(|s| {
        s.auth.api_keys = vec![ApiKeySetting {
            key: Secret::new(key),
            name: Some("docs".into()),
            scopes: vec!["read".into()],
        }];
        s.auth.protect_metrics = true;
    })
    .await;
    let doc = fetch_document(&app).await;
    assert_eq!(app.get("/docs").await.status(), 200);
    // The document follows the configuration: /metrics now needs a read key.
    assert_eq!(doc["paths"]["/metrics"]["get"]["x-required-scope"], "read");
    let r = app.get("/api/v1/jobs").await;
    assert_eq!(r.status(), 401);
    let schema = response_schema(
        &doc["paths"]["/api/v1/jobs"]["get"],
        401,
        "application/json",
    )
    .expect("401 is documented");
    assert_valid(&doc, &schema, &r.json().await.unwrap(), "401");
    let r = app
        .client
        .get(app.url("/api/v1/tools"))
        .header("X-API-Key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let schema = response_schema(
        &doc["paths"]["/api/v1/tools"]["get"],
        200,
        "application/json",
    )
    .unwrap();
    assert_valid(
        &doc,
        &schema,
        &r.json().await.unwrap(),
        "tools with a read key",
    );
    app.shutdown().await;
}
