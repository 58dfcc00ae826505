//! Streamed Chat Completions chunks and their reassembly into one model turn:
//! text pieces in order, tool calls put together by index from fragments.
//!
//! Every field is optional: OpenAI-compatible servers differ in what they
//! omit (`created`, `model`, `id`, a tool call's `index`), and a strict parser
//! would refuse servers that work (async-openai's trouble, see RUST-STACK.md).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::error::LlmError;

/// One `data:` payload of the stream.
#[derive(Debug, Default, Deserialize)]
pub struct Chunk {
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    usage: Option<Value>,
    /// Some servers report a failure inside a 200 stream.
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    index: Option<u32>,
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<CallDelta>>,
}

#[derive(Debug, Deserialize)]
struct CallDelta {
    #[serde(default)]
    index: Option<u32>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Debug, Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

impl Chunk {
    /// The provider's message when the chunk reports an error.
    pub fn error_message(&self) -> Option<String> {
        let error = self.error.as_ref()?;
        Some(
            error
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| error.to_string()),
        )
    }
}

/// A tool call the model asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The JSON text of the arguments, as the model wrote it.
    pub arguments: String,
}

/// One complete model turn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Turn {
    pub content: String,
    pub calls: Vec<ToolCall>,
    /// Token usage, when the provider sent it.
    pub usage: Option<Value>,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Default)]
struct Partial {
    id: Option<String>,
    name: String,
    arguments: String,
}

/// Folds chunks into a [`Turn`].
#[derive(Debug, Default)]
pub struct Assembler {
    turn: Turn,
    calls: BTreeMap<u32, Partial>,
    /// The index the last fragment went to, for servers that omit indexes.
    last_index: Option<u32>,
}

impl Assembler {
    /// Takes a chunk in; returns its text piece, if any, to stream on.
    pub fn push(&mut self, chunk: Chunk) -> Option<String> {
        if let Some(usage) = chunk.usage.filter(|u| !u.is_null()) {
            self.turn.usage = Some(usage);
        }
        let mut piece: Option<String> = None;
        // With `n` left at 1 there is one choice; others (index > 0) are not asked for.
        for choice in chunk.choices.unwrap_or_default() {
            if choice.index.unwrap_or(0) != 0 {
                continue;
            }
            if let Some(reason) = choice.finish_reason {
                self.turn.finish_reason = Some(reason);
            }
            let Some(delta) = choice.delta else { continue };
            for text in [delta.content, delta.refusal].into_iter().flatten() {
                if !text.is_empty() {
                    self.turn.content.push_str(&text);
                    match &mut piece {
                        Some(p) => p.push_str(&text),
                        None => piece = Some(text),
                    }
                }
            }
            for call in delta.tool_calls.unwrap_or_default() {
                self.add_call_fragment(call);
            }
        }
        piece
    }

    fn add_call_fragment(&mut self, call: CallDelta) {
        let index = match call.index {
            Some(i) => i,
            // No index: a new id starts a new call, anything else continues the last.
            None => match (self.last_index, &call.id) {
                (Some(last), Some(id))
                    if self.calls.get(&last).and_then(|p| p.id.as_ref()) != Some(id) =>
                {
                    last + 1
                }
                (Some(last), _) => last,
                (None, _) => 0,
            },
        };
        self.last_index = Some(index);
        let partial = self.calls.entry(index).or_default();
        if let Some(id) = call.id.filter(|id| !id.is_empty()) {
            partial.id = Some(id);
        }
        if let Some(function) = call.function {
            if let Some(name) = function.name {
                // Names arrive whole in practice; appending also covers servers that split them.
                partial.name.push_str(&name);
            }
            if let Some(arguments) = function.arguments {
                partial.arguments.push_str(&arguments);
            }
        }
    }

    /// Whether the model has said why it stopped.
    pub fn finished(&self) -> bool {
        self.turn.finish_reason.is_some()
    }

    /// The whole turn; a tool call without a name is a malformed stream.
    pub fn finish(mut self) -> Result<Turn, LlmError> {
        for (index, partial) in self.calls {
            if partial.name.is_empty() {
                return Err(LlmError::Malformed(format!(
                    "tool call {index} has no function name"
                )));
            }
            self.turn.calls.push(ToolCall {
                id: partial.id.unwrap_or_else(|| format!("call_{index}")),
                name: partial.name,
                arguments: partial.arguments,
            });
        }
        Ok(self.turn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chunk(v: Value) -> Chunk {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn text_pieces_come_out_in_order_and_usage_is_kept() {
        let mut a = Assembler::default();
        assert_eq!(
            a.push(chunk(
                json!({"choices":[{"delta":{"role":"assistant","content":""}}]})
            )),
            None
        );
        assert_eq!(
            a.push(chunk(json!({"choices":[{"delta":{"content":"Hel"}}]}))),
            Some("Hel".into())
        );
        a.push(chunk(
            json!({"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}),
        ));
        assert!(a.finished());
        a.push(chunk(
            json!({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}),
        ));
        let turn = a.finish().unwrap();
        assert_eq!(turn.content, "Hello");
        assert_eq!(turn.finish_reason.as_deref(), Some("stop"));
        assert_eq!(turn.usage.unwrap()["completion_tokens"], 2);
        assert!(turn.calls.is_empty());
    }

    #[test]
    fn tool_calls_are_reassembled_by_index_even_interleaved() {
        let mut a = Assembler::default();
        a.push(chunk(json!({"choices":[{"delta":{"tool_calls":[
            {"index":0,"id":"c0","type":"function","function":{"name":"get_agent_info","arguments":""}},
            {"index":1,"id":"c1","type":"function","function":{"name":"list_available_agents","arguments":"{"}}
        ]}}]})));
        for piece in ["{\"ag", "ent_id\"", ": \"al", "pha\"}"] {
            a.push(chunk(json!({"choices":[{"delta":{"tool_calls":[
                {"index":0,"function":{"arguments":piece}}]}}]})));
        }
        a.push(chunk(json!({"choices":[{"delta":{"tool_calls":[
            {"index":1,"function":{"arguments":"}"}}]},"finish_reason":"tool_calls"}]})));
        let turn = a.finish().unwrap();
        assert_eq!(turn.calls.len(), 2);
        assert_eq!(turn.calls[0].id, "c0");
        assert_eq!(turn.calls[0].arguments, "{\"agent_id\": \"alpha\"}");
        assert_eq!(turn.calls[1].name, "list_available_agents");
        assert_eq!(turn.calls[1].arguments, "{}");
    }

    #[test]
    fn calls_without_index_are_told_apart_by_id() {
        let mut a = Assembler::default();
        a.push(chunk(json!({"choices":[{"delta":{"tool_calls":[
            {"id":"a","function":{"name":"x","arguments":"{\"k\":"}}]}}]})));
        a.push(chunk(json!({"choices":[{"delta":{"tool_calls":[
            {"function":{"arguments":"1}"}}]}}]})));
        a.push(chunk(json!({"choices":[{"delta":{"tool_calls":[
            {"id":"b","function":{"name":"y","arguments":"{}"}}]}}]})));
        let turn = a.finish().unwrap();
        assert_eq!(
            turn.calls,
            vec![
                ToolCall {
                    id: "a".into(),
                    name: "x".into(),
                    arguments: "{\"k\":1}".into()
                },
                ToolCall {
                    id: "b".into(),
                    name: "y".into(),
                    arguments: "{}".into()
                },
            ]
        );
    }

    #[test]
    fn lenient_about_missing_and_null_fields() {
        let mut a = Assembler::default();
        a.push(chunk(json!({"choices": null, "usage": null})));
        a.push(chunk(json!({"prompt_filter_results": []})));
        a.push(chunk(
            json!({"choices":[{"delta":{"content":null},"finish_reason":null}]}),
        ));
        a.push(chunk(
            json!({"choices":[{"delta":{"refusal":"no"},"finish_reason":"stop"}]}),
        ));
        assert_eq!(a.finish().unwrap().content, "no");
    }

    #[test]
    fn a_nameless_call_is_malformed_and_errors_are_read() {
        let mut a = Assembler::default();
        a.push(chunk(json!({"choices":[{"delta":{"tool_calls":[
            {"index":0,"function":{"arguments":"{}"}}]}}]})));
        assert!(matches!(a.finish(), Err(LlmError::Malformed(_))));
        let c = chunk(json!({"error":{"message":"overloaded","type":"server_error"}}));
        assert_eq!(c.error_message().as_deref(), Some("overloaded"));
    }
}
