//! The document's own invariants: references resolve, examples parse, and
//! security follows the route table.

use serde_json::{Value, json};

use super::*;
use crate::http::routes::ROUTES;
use crate::jobs::payload::{self, Precedence};

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_the_version_is_3_1() {
    let doc = document(ROUTES, &Options::default());
    assert_eq!(doc["openapi"], "3.1.0");
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling {r}");
    }
}

#[test]
fn payload_examples_are_commands_the_parser_accepts() {
    let doc = document(ROUTES, &Options::default());
    for (path, precedence) in [
        ("/execute", Precedence::Execute),
        ("/api/v1/stream-execute", Precedence::Stream),
    ] {
        let example =
            &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["example"];
        let parsed = payload::parse(example, precedence).expect("the example parses");
        assert!(!parsed.display.is_empty());
    }
    for tool in tools::all() {
        let example = json!({"tool": tool.name, "arguments": tool.example_arguments()});
        assert!(payload::parse(&example, Precedence::Stream).is_ok());
    }
}

#[test]
fn every_documented_route_is_in_the_table_and_security_follows_it() {
    let doc = document(ROUTES, &Options::default());
    for route in ROUTES.iter().filter(|r| r.doc.is_some()) {
        let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} undocumented",
            route.method,
            route.path
        );
        let open = op["security"] == json!([]);
        assert_eq!(
            open,
            matches!(route.access, Access::Open | Access::Metrics),
            "{} {}",
            route.method,
            route.path
        );
    }
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();
    assert_eq!(op("/execute", "post")["x-required-scope"], "run");
    assert_eq!(op("/api/v1/jobs", "get")["x-required-scope"], "read");
    assert_eq!(
        op("/api/v1/tools/restore_agents", "post")["x-required-scope"],
        "admin"
    );
    assert_eq!(
        op("/api/v1/tools/{name}", "post")["x-required-scope"],
        "per-tool"
    );
    let stream = op("/api/v1/stream/{job_id}", "get");
    assert!(
        stream["security"]
            .as_array()
            .unwrap()
            .contains(&json!({"accessToken": ["read"]}))
    );
    assert!(
        !op("/api/v1/jobs", "get")["security"]
            .to_string()
            .contains("accessToken")
    );
    let protected = document(
        ROUTES,
        &Options {
            protect_metrics: true,
        },
    );
    assert_eq!(
        protected["paths"]["/metrics"]["get"]["x-required-scope"],
        "read"
    );
}

#[test]
fn component_names_are_pascal_case() {
    assert_eq!(
        arguments_component("execute_agent_stateless"),
        "ExecuteAgentStatelessArguments"
    );
}
