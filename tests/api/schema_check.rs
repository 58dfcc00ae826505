//! A minimal JSON Schema (2020-12) checker for the keywords `/openapi.json`
//! uses, so the OpenAPI tests can check live responses against the document.

use serde_json::{Value, json};

/// Minimal JSON Schema (2020-12) check of the keywords the document uses.
pub fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => return errors.push(format!("{at}: no value allowed")),
        Value::Object(s) => s,
        other => return errors.push(format!("{at}: schema is {other}")),
    };
    if let Some(Value::String(r)) = schema.get("$ref") {
        let target = doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}"));
        check(doc, target, value, at, errors);
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = |t: &str| match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            _ => true,
        };
        if !types.iter().any(|t| fits(t)) {
            return errors.push(format!("{at}: {value} is not {types:?}"));
        }
    }
    if let Some(c) = schema.get("const")
        && c != value
    {
        errors.push(format!("{at}: {value} is not the constant {c}"));
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
        && value.as_f64().is_some_and(|v| v < min)
    {
        errors.push(format!("{at}: {value} < {min}"));
    }
    if let Value::Object(object) = value {
        let props = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                errors.push(format!("{at}: required field {name} missing"));
            }
        }
        for (key, v) in object {
            match props.and_then(|p| p.get(key)) {
                Some(sub) => check(doc, sub, v, &format!("{at}.{key}"), errors),
                None => {
                    if let Some(extra) = schema.get("additionalProperties") {
                        check(doc, extra, v, &format!("{at}.{key}"), errors);
                    }
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            check(doc, item_schema, v, &format!("{at}[{i}]"), errors);
        }
    }
    for keyword in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = schema.get(keyword) {
            let passing = options
                .iter()
                .filter(|o| {
                    let mut e = Vec::new();
                    check(doc, o, value, at, &mut e);
                    e.is_empty()
                })
                .count();
            let ok = if keyword == "oneOf" {
                passing == 1
            } else {
                passing >= 1
            };
            if !ok {
                errors.push(format!(
                    "{at}: {passing} of the {keyword} forms match {value}"
                ));
            }
        }
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for s in all {
            check(doc, s, value, at, errors);
        }
    }
}

pub fn assert_valid(doc: &Value, schema: &Value, value: &Value, what: &str) {
    let mut errors = Vec::new();
    check(doc, schema, value, "$", &mut errors);
    assert!(errors.is_empty(), "{what}: {errors:#?}\nvalue: {value}");
}

#[test]
fn the_schema_check_catches_mismatches() {
    let doc = json!({"components": {"schemas": {"E": {
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"type": "string"}, "n": {"type": ["integer", "null"], "minimum": 0}},
        "additionalProperties": false,
    }}}});
    let e = json!({"$ref": "#/components/schemas/E"});
    let errors = |v: Value| {
        let mut out = Vec::new();
        check(&doc, &e, &v, "$", &mut out);
        out.len()
    };
    assert_eq!(errors(json!({"detail": "x", "n": null})), 0);
    assert_eq!(errors(json!({"detail": "x", "n": 3})), 0);
    assert_eq!(errors(json!({})), 1, "missing required");
    assert_eq!(errors(json!({"detail": 1})), 1, "wrong type");
    assert_eq!(errors(json!({"detail": "x", "n": -1})), 1, "below minimum");
    assert_eq!(errors(json!({"detail": "x", "other": 1})), 1, "extra field");
    let one = json!({"oneOf": [{"type": "string"}, {"const": "a"}]});
    let mut out = Vec::new();
    check(&doc, &one, &json!("a"), "$", &mut out);
    assert_eq!(out.len(), 1, "two oneOf forms match");
}
