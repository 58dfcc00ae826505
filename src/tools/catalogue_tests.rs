//! The catalogue's invariants: names, schemas, scopes, aliases, examples.

use serde_json::{Value, json};

use super::*;

#[test]
fn thirteen_tools_with_object_schemas_and_descriptions() {
    assert_eq!(all().len(), 13);
    for tool in all() {
        assert_eq!(
            tool.input_schema.get("type"),
            Some(&Value::from("object")),
            "{}",
            tool.name
        );
        assert!(!tool.description.is_empty());
        let text = serde_json::to_string(&*tool.input_schema).unwrap();
        assert!(
            !text.contains("$ref"),
            "{} schema has a $ref: {text}",
            tool.name
        );
        assert_eq!(tool.output_schema["type"], "object", "{}", tool.name);
        assert_eq!(tool.output_schema["required"], json!(["status"]));
    }
}

#[test]
fn schemas_carry_defaults_and_field_docs() {
    let schema = &find("execute_agent_stateless").unwrap().input_schema;
    let props = schema["properties"].as_object().unwrap();
    assert_eq!(props["timeout"]["default"], 120);
    assert_eq!(props["output_format"]["enum"], json!(["text", "json"]));
    assert!(
        props["agent_id"]["description"]
            .as_str()
            .unwrap()
            .contains("agent")
    );
    assert_eq!(schema["required"], json!(["agent_id", "input_text"]));
}

#[test]
fn names_are_exact() {
    assert!(find("execute_agent_stateless").is_some());
    assert!(find("Execute_Agent_Stateless").is_none());
    assert!(find("execute%5Fagent_stateless").is_none());
    assert!(find("").is_none());
}

#[test]
fn every_example_is_a_valid_call() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_input_bytes: 1024,
        max_timeout: 3600,
        cli_timeout: std::time::Duration::from_secs(5),
        timeout_margin: std::time::Duration::from_secs(1),
        files_root: Some(dir.path().to_path_buf()),
    };
    for tool in all() {
        let args = tool.example_arguments();
        assert!(args.is_object(), "{}: {}", tool.name, tool.example);
        tool.prepare(args, &limits, &EnvContext::default())
            .unwrap_or_else(|e| panic!("{}: {e}", tool.name));
    }
}

#[test]
fn slash_aliases_are_unique_and_name_their_usage() {
    let mut words: Vec<&str> = all()
        .iter()
        .filter_map(|t| t.slash)
        .map(|s| s.word)
        .collect();
    let count = words.len();
    words.sort();
    words.dedup();
    assert_eq!(words.len(), count, "an alias is used twice");
    let (tool, alias) = by_slash("run").unwrap();
    assert_eq!(tool.name, "execute_agent_stateless");
    assert_eq!(alias.usage(), "/run <agent> <text>");
    assert_eq!(by_slash("install").unwrap().1.usage(), "/install [name]");
    assert!(
        by_slash("tool").is_none(),
        "/tool is a built-in, not an alias"
    );
}

#[test]
fn object_style_outputs_describe_the_contract_fields() {
    for tool in all().iter().filter(|t| t.text_style == TextStyle::Object) {
        let props = tool.output_schema["properties"].as_object().unwrap();
        for key in ["status", "stdout", "stderr", "returncode"] {
            assert!(props.contains_key(key), "{} lacks {key}", tool.name);
        }
        let text = serde_json::to_string(&*tool.output_schema).unwrap();
        assert!(!text.contains("uint64"), "{text}");
    }
    let session = &find("start_interactive_session").unwrap().output_schema;
    let props = session["properties"].as_object().unwrap();
    assert!(props.contains_key("agent_id") && props.contains_key("command"));
    assert_eq!(props["status"]["enum"], json!(["success", "error"]));
}
