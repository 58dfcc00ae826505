//! Running one round's tool calls, all at once, and turning their results
//! into `tool` messages for the model (cut to size, with a note).
//!
//! A destructive tool (restore, migrate, clear history) never runs on the
//! model's initiative alone: by default a person approves it first
//! (`agent.destructive_tools`).

use std::time::Duration;

use futures::future::join_all;
use serde_json::{Value, json};

use super::chunks::ToolCall;
use crate::config::DestructivePolicy;
use crate::jobs::JobContext;
use crate::tools;

/// What happens when the model asks for a destructive tool.
#[derive(Debug, Clone, Copy)]
pub struct Gate {
    pub policy: DestructivePolicy,
    /// How long a person has to answer before it counts as a denial.
    pub timeout: Duration,
}

/// Runs the calls concurrently through the job's runner; the `tool` messages
/// come back in the calls' order.
pub async fn run_all(
    ctx: &JobContext,
    calls: &[ToolCall],
    max_chars: usize,
    gate: &Gate,
) -> Vec<Value> {
    join_all(calls.iter().map(|call| async move {
        let content = run_one(ctx, call, gate).await;
        json!({
            "role": "tool",
            "tool_call_id": call.id,
            "content": cut(&content, max_chars),
        })
    }))
    .await
}

/// The text the model gets back. Failures are results too: the model reads
/// them and may correct itself, so nothing here ends the job.
async fn run_one(ctx: &JobContext, call: &ToolCall, gate: &Gate) -> String {
    let arguments = if call.arguments.trim().is_empty() {
        json!({})
    } else {
        match serde_json::from_str::<Value>(&call.arguments) {
            Ok(value) => value,
            Err(e) => {
                let error = format!("the arguments are not valid JSON ({e})");
                // The runner never sees this call, so its events are written here.
                ctx.emit(crate::jobs::JobEvent::OnToolStart {
                    tool: call.name.clone(),
                    input: Value::from(call.arguments.clone()),
                })
                .await;
                ctx.tool_failed(&call.name, &error).await;
                return format!("error: {error}; call the tool again with a JSON object");
            }
        }
    };
    if let Some(tool) = tools::find(&call.name).filter(|t| t.hints.destructive)
        && ctx.scopes.allows(tool.scope)
    {
        let refusal = match gate.policy {
            DestructivePolicy::Allow => None,
            DestructivePolicy::Deny => Some(format!(
                "{} changes stored data and this gateway does not let the model run it (agent.destructive_tools: deny); ask the user to run it directly",
                tool.name
            )),
            DestructivePolicy::Approve => {
                let decision = ctx
                    .request_approval(&call.id, tool, &arguments, gate.timeout)
                    .await;
                (!decision.approve).then(|| {
                    if decision.by == "timeout" {
                        format!(
                            "{}: nobody approved this call within {} s, so it did not run",
                            tool.name,
                            gate.timeout.as_secs()
                        )
                    } else {
                        format!(
                            "{}: the user denied this call, so it did not run",
                            tool.name
                        )
                    }
                })
            }
        };
        if let Some(why) = refusal {
            ctx.emit(crate::jobs::JobEvent::OnToolStart {
                tool: call.name.clone(),
                input: arguments,
            })
            .await;
            ctx.tool_failed(&call.name, &why).await;
            return format!("error: {why}");
        }
    }
    match ctx.run_tool(&call.name, arguments).await {
        Ok(result) => result.text,
        Err(refused) => format!("error: {refused}"),
    }
}

/// At most `max` characters of `text`, with a note saying how much was cut.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => {
            let total = text.chars().count();
            format!(
                "{}\n[cut: the result has {total} characters; only the first {max} are shown]",
                &text[..end]
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_short_text_and_notes_what_it_drops() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("", 0), "");
        assert_eq!(
            cut("héllo wörld", 5),
            "héllo\n[cut: the result has 11 characters; only the first 5 are shown]"
        );
    }
}
