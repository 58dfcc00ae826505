//! The catalogue as OpenAI function definitions, and the start-up check that
//! every tool fits the function-calling rules (a misfit would otherwise show
//! up as a 400 on the first plain-text command, long after start-up).

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::tools::ToolDef;

/// OpenAI's limits on a request's function list.
const MAX_FUNCTIONS: usize = 128;
const MAX_NAME_LEN: usize = 64;
const MAX_DESCRIPTION_CHARS: usize = 1024;
const JSON_TYPES: [&str; 7] = [
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// A tool that cannot be offered to the model, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("tool '{tool}' cannot be offered to the model: {problem}")]
pub struct SchemaError {
    pub tool: String,
    pub problem: Problem,
}

/// What is wrong with one tool's definition.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Problem(String);

impl From<&str> for Problem {
    fn from(text: &str) -> Self {
        Problem(text.to_string())
    }
}

/// The `tools` array of a Chat Completions request.
pub fn function_definitions(tools: &[ToolDef]) -> Result<Vec<Value>, SchemaError> {
    if tools.len() > MAX_FUNCTIONS {
        return Err(SchemaError {
            tool: tools[MAX_FUNCTIONS].name.into(),
            problem: Problem(format!("more than {MAX_FUNCTIONS} tools")),
        });
    }
    let mut names = HashSet::new();
    tools
        .iter()
        .map(|tool| {
            let fail = |problem: Problem| SchemaError {
                tool: tool.name.into(),
                problem,
            };
            check_name(tool.name).map_err(fail)?;
            if !names.insert(tool.name) {
                return Err(fail("the name is used twice".into()));
            }
            check_description(tool.description).map_err(fail)?;
            check_parameters(&tool.input_schema).map_err(fail)?;
            Ok(json!({
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": portable(Value::Object((*tool.input_schema).clone())),
                },
            }))
        })
        .collect()
}

/// Drops schemars' numeric `format`s (`uint64`, `double`…): they are not JSON
/// Schema formats, OpenAI ignores them, and stricter OpenAI-compatible
/// servers (Gemini's) refuse the request over them. `minimum` keeps the meaning.
fn portable(mut schema: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                let numeric = match map.get("type") {
                    Some(Value::String(t)) => t == "integer" || t == "number",
                    Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer" || t == "number"),
                    _ => false,
                };
                if numeric {
                    map.remove("format");
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut schema);
    schema
}

fn check_name(name: &str) -> Result<(), Problem> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Problem(format!(
            "function names must match ^[a-zA-Z0-9_-]{{1,{MAX_NAME_LEN}}}$"
        )))
    }
}

fn check_description(description: &str) -> Result<(), Problem> {
    let n = description.chars().count();
    if n > MAX_DESCRIPTION_CHARS {
        return Err(Problem(format!(
            "the description has {n} characters; the limit is {MAX_DESCRIPTION_CHARS}"
        )));
    }
    Ok(())
}

/// The top level must be a plain object schema; below it, every schema must
/// be self-contained (no `$ref`, the catalogue inlines subschemas) and typed.
fn check_parameters(schema: &Map<String, Value>) -> Result<(), Problem> {
    if schema.get("type") != Some(&Value::from("object")) {
        return Err("parameters must be a schema of type \"object\"".into());
    }
    for keyword in ["anyOf", "oneOf", "allOf", "not", "enum"] {
        if schema.contains_key(keyword) {
            return Err(Problem(format!(
                "parameters must not use '{keyword}' at the top level"
            )));
        }
    }
    let properties = match schema.get("properties") {
        None => &Map::new(),
        Some(Value::Object(p)) => p,
        Some(_) => return Err("'properties' must be an object".into()),
    };
    match schema.get("required") {
        None => {}
        Some(Value::Array(required)) => {
            for name in required {
                let name = name.as_str().ok_or("'required' must list strings")?;
                if !properties.contains_key(name) {
                    return Err(Problem(format!("'{name}' is required but not a property")));
                }
            }
        }
        Some(_) => return Err("'required' must be an array".into()),
    }
    check_subschema(&Value::Object(schema.clone()), "parameters")
}

fn check_subschema(schema: &Value, at: &str) -> Result<(), Problem> {
    let Value::Object(map) = schema else {
        // `true`/`false` schemas are valid JSON Schema but refused by function calling.
        return Err(Problem(format!("{at} must be a schema object")));
    };
    if map.contains_key("$ref") {
        return Err(Problem(format!(
            "{at} uses '$ref'; inline the subschema instead"
        )));
    }
    let types: Vec<&str> = match map.get("type") {
        None => Vec::new(),
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(Problem(format!(
                "{at} has a 'type' that is not a string or list"
            )));
        }
    };
    if let Some(bad) = types.iter().find(|t| !JSON_TYPES.contains(t)) {
        return Err(Problem(format!("{at} has an unknown type '{bad}'")));
    }
    let described = !types.is_empty()
        || ["enum", "const", "anyOf", "oneOf", "allOf"]
            .iter()
            .any(|k| map.contains_key(*k));
    if !described {
        return Err(Problem(format!(
            "{at} has no 'type' (nor enum, const or anyOf)"
        )));
    }
    if types.contains(&"array") && !map.contains_key("items") {
        return Err(Problem(format!("{at} is an array schema without 'items'")));
    }
    if let Some(Value::Object(props)) = map.get("properties") {
        for (name, sub) in props {
            check_subschema(sub, &format!("{at}.{name}"))?;
        }
    }
    if let Some(items) = map.get("items") {
        check_subschema(items, &format!("{at}[]"))?;
    }
    for keyword in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(options)) = map.get(keyword) {
            for (i, sub) in options.iter().enumerate() {
                check_subschema(sub, &format!("{at}.{keyword}[{i}]"))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::tools as catalogue;

    fn tool(name: &'static str, schema: Value) -> ToolDef {
        let mut t = catalogue::all()[0].clone();
        t.name = name;
        t.input_schema = Arc::new(schema.as_object().unwrap().clone());
        t
    }

    fn problem(t: ToolDef) -> String {
        function_definitions(&[t]).unwrap_err().problem.to_string()
    }

    #[test]
    fn the_catalogue_passes_and_yields_thirteen_functions() {
        let defs = function_definitions(catalogue::all()).unwrap();
        assert_eq!(defs.len(), 13);
        for d in &defs {
            assert_eq!(d["type"], "function");
            assert_eq!(d["function"]["parameters"]["type"], "object");
            assert!(!d.to_string().contains("uint64"), "{d}");
        }
        let timeout = &defs[3]["function"]["parameters"]["properties"]["timeout"];
        assert_eq!(timeout["type"], "integer");
        assert_eq!(timeout["minimum"], 1);
    }

    #[test]
    fn bad_names_and_duplicates_are_refused() {
        let ok = json!({"type":"object","properties":{}});
        assert!(problem(tool("has space", ok.clone())).contains("names must match"));
        assert!(problem(tool("", ok.clone())).contains("names must match"));
        let twice = [tool("a", ok.clone()), tool("a", ok)];
        assert!(
            function_definitions(&twice)
                .unwrap_err()
                .problem
                .to_string()
                .contains("twice")
        );
    }

    #[test]
    fn long_descriptions_are_refused() {
        let mut t = tool("a", json!({"type":"object","properties":{}}));
        t.description = Box::leak("x".repeat(1025).into_boxed_str());
        assert!(problem(t).contains("1025 characters"));
    }

    #[test]
    fn schema_shapes_that_function_calling_refuses() {
        let cases = [
            (json!({"type":"string"}), "of type \"object\""),
            (
                json!({"type":"object","anyOf":[{"type":"object"}]}),
                "'anyOf' at the top level",
            ),
            (
                json!({"type":"object","properties":{"a":{"$ref":"#/$defs/A"}}}),
                "'$ref'",
            ),
            (
                json!({"type":"object","properties":{"a":{"type":"array"}}}),
                "without 'items'",
            ),
            (
                json!({"type":"object","properties":{"a":{"description":"x"}}}),
                "no 'type'",
            ),
            (
                json!({"type":"object","properties":{"a":{"type":"date"}}}),
                "unknown type 'date'",
            ),
            (
                json!({"type":"object","properties":{},"required":["b"]}),
                "'b' is required",
            ),
            (
                json!({"type":"object","properties":{"a":{"type":"array","items":true}}}),
                "parameters.a[] must be a schema object",
            ),
        ];
        for (schema, expected) in cases {
            let p = problem(tool("t", schema.clone()));
            assert!(p.contains(expected), "{schema}: {p}");
        }
        let nested_ok = json!({"type":"object","properties":{
            "a":{"type":["string","null"]},
            "b":{"enum":["x","y"]},
            "c":{"type":"array","items":{"type":"integer"}},
            "d":{"anyOf":[{"type":"string"},{"type":"null"}]}}});
        assert!(function_definitions(&[tool("t", nested_ok)]).is_ok());
    }
}
