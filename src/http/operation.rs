//! One documented operation, built next to its handler, and rendered into the
//! document with the security its route declares.
//!
//! Response bodies are named by their Rust types (`ok::<JobList>`): the
//! schema is derived from the very struct the handler serializes, so the
//! document cannot drift from the wire.

use std::collections::BTreeMap;

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::http::error::ErrorBody;

/// Writes a type's schema (a `$ref` to its component) with a generator.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Value;

/// The `$ref` schema of `T`, recording `T` among the components.
pub fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    serde_json::to_value(generator.subschema_for::<T>()).unwrap_or(Value::Null)
}

/// A `$ref` to a component by name.
pub fn component(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

#[derive(Clone)]
enum Content {
    Json(SchemaFn),
    Raw {
        content_type: &'static str,
        schema: Value,
        extra: Map<String, Value>,
    },
}

#[derive(Clone)]
struct Response {
    description: String,
    content: Content,
    headers: Option<Value>,
}

#[derive(Clone)]
enum BodySchema {
    Typed(SchemaFn),
    Raw(Value),
}

#[derive(Clone)]
struct Body {
    schema: BodySchema,
    example: Value,
    required: bool,
}

/// One operation of the REST API.
#[derive(Clone)]
pub struct Operation {
    pub id: String,
    pub tag: &'static str,
    summary: String,
    description: String,
    params: Vec<Value>,
    body: Option<Body>,
    responses: BTreeMap<u16, Response>,
    /// The schema of one event of an event-stream response.
    sse_event: Option<SchemaFn>,
    /// Stands in for the scope where the route cannot say it (the generic
    /// tool route: read, run or admin depending on the tool).
    pub scope_note: Option<&'static str>,
}

/// Schemas of request bodies and of responses, from their two generators.
pub struct Generators<'a> {
    pub requests: &'a mut SchemaGenerator,
    pub responses: &'a mut SchemaGenerator,
}

impl Operation {
    pub fn new(id: &str, tag: &'static str, summary: &str) -> Self {
        Self {
            id: id.to_string(),
            tag,
            summary: summary.to_string(),
            description: String::new(),
            params: Vec::new(),
            body: None,
            responses: BTreeMap::new(),
            sse_event: None,
            scope_note: None,
        }
    }

    pub fn describe(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }

    pub fn param(mut self, param: Value) -> Self {
        self.params.push(param);
        self
    }

    /// A JSON request body of type `T`; `required` is false where an empty body reads as `{}`.
    pub fn body<T: JsonSchema>(mut self, example: Value, required: bool) -> Self {
        self.body = Some(Body {
            schema: BodySchema::Typed(schema::<T>),
            example,
            required,
        });
        self
    }

    /// A JSON request body described by a schema value.
    pub fn body_schema(mut self, schema: Value, example: Value, required: bool) -> Self {
        self.body = Some(Body {
            schema: BodySchema::Raw(schema),
            example,
            required,
        });
        self
    }

    /// 200 with a JSON body of type `T`.
    pub fn ok<T: JsonSchema>(self, description: &str) -> Self {
        self.json::<T>(200, description)
    }

    /// `status` with a JSON body of type `T`.
    pub fn json<T: JsonSchema>(mut self, status: u16, description: &str) -> Self {
        self.responses.insert(
            status,
            Response {
                description: description.into(),
                content: Content::Json(schema::<T>),
                headers: None,
            },
        );
        self
    }

    /// A body that is not JSON (text, HTML, an event stream).
    pub fn raw(
        mut self,
        status: u16,
        description: &str,
        content_type: &'static str,
        schema: Value,
    ) -> Self {
        self.responses.insert(
            status,
            Response {
                description: description.into(),
                content: Content::Raw {
                    content_type,
                    schema,
                    extra: Map::new(),
                },
                headers: None,
            },
        );
        self
    }

    /// The event stream: its schema, the schema of one event and an example.
    pub fn event_stream(
        mut self,
        description: &str,
        example: &str,
        event: SchemaFn,
        headers: Value,
    ) -> Self {
        let mut extra = Map::new();
        extra.insert("example".into(), Value::from(example));
        extra.insert("x-event-schema".into(), Value::Null);
        self.responses.insert(
            200,
            Response {
                description: description.into(),
                content: Content::Raw {
                    content_type: "text/event-stream",
                    schema: json!({"type": "string", "description": "SSE messages; each `data:` line is the JSON of one `SseEvent` (see `x-event-schema`)."}),
                    extra,
                },
                headers: Some(headers),
            },
        );
        self.sse_event = Some(event);
        self
    }

    /// An error response in the `{"detail": ...}` shape.
    pub fn error(self, status: u16, description: &str) -> Self {
        self.json::<ErrorBody>(status, description)
    }

    /// Adds an error response unless the operation already documents `status`.
    pub fn error_default(mut self, status: u16, description: &str) -> Self {
        if !self.responses.contains_key(&status) {
            self = self.error(status, description);
        }
        self
    }

    pub fn with_scope_note(mut self, note: &'static str) -> Self {
        self.scope_note = Some(note);
        self
    }

    pub fn has_json_body(&self) -> bool {
        self.body.is_some()
    }

    /// The operation object, without its security.
    pub fn render(&self, g: &mut Generators<'_>) -> Value {
        let responses: Map<String, Value> = self
            .responses
            .iter()
            .map(|(status, r)| {
                let mut out = json!({"description": r.description});
                match &r.content {
                    Content::Json(schema) => {
                        out["content"] =
                            json!({"application/json": {"schema": schema(g.responses)}});
                    }
                    Content::Raw {
                        content_type,
                        schema,
                        extra,
                    } => {
                        let mut media = Map::new();
                        media.insert("schema".into(), schema.clone());
                        for (k, v) in extra {
                            media.insert(k.clone(), v.clone());
                        }
                        if media.contains_key("x-event-schema")
                            && let Some(event) = self.sse_event
                        {
                            media.insert("x-event-schema".into(), event(g.responses));
                        }
                        out["content"] = json!({ *content_type: Value::Object(media) });
                    }
                }
                if let Some(headers) = &r.headers {
                    out["headers"] = headers.clone();
                }
                (status.to_string(), out)
            })
            .collect();
        let mut out = json!({
            "operationId": self.id,
            "tags": [self.tag],
            "summary": self.summary,
            "responses": responses,
        });
        if !self.description.is_empty() {
            out["description"] = Value::from(self.description.clone());
        }
        if !self.params.is_empty() {
            out["parameters"] = Value::from(self.params.clone());
        }
        if let Some(body) = &self.body {
            let schema = match &body.schema {
                BodySchema::Typed(schema) => schema(g.requests),
                BodySchema::Raw(schema) => schema.clone(),
            };
            out["requestBody"] = json!({
                "required": body.required,
                "content": {"application/json": {"schema": schema, "example": body.example}},
            });
        }
        out
    }
}

pub fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

pub fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

pub fn header_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "header", "required": false, "description": description, "schema": schema})
}

/// `execute_agent_stateless` → `ExecuteAgentStatelessArguments`.
pub fn arguments_component(tool: &str) -> String {
    let mut out = String::new();
    for part in tool.split('_') {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out.push_str("Arguments");
    out
}
