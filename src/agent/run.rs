//! The agent loop: model round, tool calls, results back to the model, until
//! the model answers in text or `max_steps` rounds are spent. Every step is
//! streamed as the contract's `on_chain_*`, `on_llm_*` and `on_tool_*` events.

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::chunks::{Assembler, Turn};
use super::error::LlmError;
use super::llm::LlmClient;
use super::{calls, memory};
use std::time::Duration;

use crate::auth::{Scope, Scopes};
use crate::config::{AgentSettings, LlmSettings};
use crate::jobs::{Agent, JobContext, JobEvent, JobFailure};

/// Why a run failed (the job's `error` event carries the text).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error("the agent used all {0} model rounds without reaching an answer (llm.max_steps)")]
    MaxSteps(u32),
    #[error("the model's answer was withheld by the provider's content filter")]
    ContentFilter,
    #[error("the model ended its turn with neither an answer nor a tool call")]
    Empty,
}

/// The LLM agent behind plain-text commands.
pub struct LlmAgent {
    client: LlmClient,
    model: String,
    system_prompt: String,
    /// The request fields that never change (model, stream options, the
    /// tools a caller's scopes allow) serialised once per set of scopes, so
    /// a round only serialises its messages. Indexed by `Scopes::bits`.
    fixed_fields: Vec<String>,
    max_steps: u32,
    tool_result_max_chars: usize,
    gate: calls::Gate,
}

impl LlmAgent {
    pub fn new(
        client: LlmClient,
        settings: &LlmSettings,
        agent: &AgentSettings,
        functions: Vec<(Scope, Value)>,
        system_prompt: String,
    ) -> Self {
        let fixed_fields = (0..=Scopes::ALL.bits())
            .map(|bits| {
                let scopes = Scopes::from_bits(bits);
                let offered: Vec<Value> = functions
                    .iter()
                    .filter(|(scope, _)| scopes.allows(*scope))
                    .map(|(_, f)| f.clone())
                    .collect();
                let mut fixed = Map::new();
                fixed.insert("model".into(), Value::from(settings.model.clone()));
                fixed.insert("stream".into(), Value::Bool(true));
                fixed.insert("stream_options".into(), json!({ "include_usage": true }));
                if !offered.is_empty() {
                    fixed.insert("tools".into(), Value::Array(offered));
                }
                if let Some(t) = settings.temperature {
                    fixed.insert("temperature".into(), json!(t));
                }
                if let Some(m) = settings.max_tokens {
                    fixed.insert("max_tokens".into(), json!(m));
                }
                let fixed = Value::Object(fixed).to_string();
                // `{...}` without its closing brace; `body` appends the messages.
                fixed[..fixed.len() - 1].to_string()
            })
            .collect();
        Self {
            client,
            model: settings.model.clone(),
            system_prompt,
            fixed_fields,
            max_steps: settings.max_steps,
            tool_result_max_chars: settings.tool_result_max_chars,
            gate: calls::Gate {
                policy: agent.destructive_tools,
                timeout: Duration::from_secs(agent.approval_timeout_secs),
            },
        }
    }

    fn body(&self, scopes: Scopes, messages: &[Value]) -> Bytes {
        let fixed = &self.fixed_fields[scopes.bits() as usize];
        let mut body = String::with_capacity(fixed.len() + 256 * messages.len());
        body.push_str(fixed);
        body.push_str(",\"messages\":");
        // Serialising `Value`s into a String cannot fail.
        body.push_str(&serde_json::to_string(messages).unwrap_or_else(|_| "[]".into()));
        body.push('}');
        Bytes::from(body)
    }

    /// The loop; `history` is the conversation so far and grows with this command.
    async fn converse(
        &self,
        ctx: &JobContext,
        history: &mut Vec<Value>,
    ) -> Result<(String, u32), RunError> {
        for step in 1..=self.max_steps {
            let turn = self.round(ctx, step, history).await?;
            if turn.calls.is_empty() {
                if turn.content.trim().is_empty() {
                    return Err(match turn.finish_reason.as_deref() {
                        Some("content_filter") => RunError::ContentFilter,
                        _ => RunError::Empty,
                    });
                }
                history.push(json!({ "role": "assistant", "content": turn.content }));
                return Ok((turn.content, step));
            }
            let tool_calls: Vec<Value> = turn
                .calls
                .iter()
                .map(|c| {
                    json!({
                        "id": c.id,
                        "type": "function",
                        "function": { "name": c.name, "arguments": c.arguments },
                    })
                })
                .collect();
            history.push(json!({
                "role": "assistant",
                "content": if turn.content.is_empty() { Value::Null } else { Value::from(turn.content) },
                "tool_calls": tool_calls,
            }));
            let results =
                calls::run_all(ctx, &turn.calls, self.tool_result_max_chars, &self.gate).await;
            history.extend(results);
        }
        Err(RunError::MaxSteps(self.max_steps))
    }

    /// One model round: `on_llm_start`, a token event per text piece, `on_llm_end`.
    async fn round(
        &self,
        ctx: &JobContext,
        step: u32,
        history: &[Value],
    ) -> Result<Turn, RunError> {
        ctx.emit(JobEvent::OnLlmStart {
            step,
            model: self.model.clone(),
            messages: history.len() + 1,
        })
        .await;
        let mut messages = Vec::with_capacity(history.len() + 1);
        messages.push(json!({ "role": "system", "content": self.system_prompt }));
        messages.extend_from_slice(history);
        match self.stream_turn(ctx, step, &messages).await {
            Ok(turn) => {
                crate::metrics::llm_request("ok");
                if let Some(usage) = &turn.usage {
                    for (field, kind) in [
                        ("prompt_tokens", "prompt"),
                        ("completion_tokens", "completion"),
                    ] {
                        if let Some(n) = usage[field].as_u64() {
                            crate::metrics::llm_tokens(kind, n);
                        }
                    }
                }
                let names: Vec<String> = turn.calls.iter().map(|c| c.name.clone()).collect();
                ctx.emit(JobEvent::OnLlmEnd {
                    step,
                    usage: turn.usage.clone(),
                    finish_reason: turn.finish_reason.clone(),
                    tool_calls: Some(names),
                    error: None,
                })
                .await;
                Ok(turn)
            }
            Err(e) => {
                crate::metrics::llm_request("error");
                // Every `on_llm_start` gets its `on_llm_end`, failed rounds included.
                ctx.emit(JobEvent::OnLlmEnd {
                    step,
                    usage: None,
                    finish_reason: None,
                    tool_calls: None,
                    error: Some(e.to_string()),
                })
                .await;
                Err(e.into())
            }
        }
    }

    async fn stream_turn(
        &self,
        ctx: &JobContext,
        step: u32,
        messages: &[Value],
    ) -> Result<Turn, LlmError> {
        let mut stream = self.client.open(self.body(ctx.scopes, messages)).await?;
        let mut turn = Assembler::default();
        while let Some(chunk) = stream.next().await? {
            if let Some(piece) = turn.push(chunk) {
                ctx.emit(JobEvent::OnLlmNewToken { chunk: piece, step })
                    .await;
            }
            if turn.finished() {
                stream.mark_finished();
            }
        }
        turn.finish()
    }
}

#[async_trait]
impl Agent for LlmAgent {
    #[tracing::instrument(skip_all, fields(job_id = %ctx.job_id))]
    async fn run(&self, ctx: &JobContext, text: &str) -> Result<String, JobFailure> {
        ctx.emit(JobEvent::OnChainStart {
            input: text.to_string(),
            model: self.model.clone(),
        })
        .await;
        let conversation = memory::conversation_key(&ctx.owner, &ctx.metadata);
        let mut history = match &conversation {
            Some(id) => memory::load(ctx.store.as_ref(), id).await,
            None => Vec::new(),
        };
        history.push(json!({ "role": "user", "content": text }));
        // The manager also drops this future on cancel; selecting here too makes
        // the agent correct on its own, and dropping the round closes the request.
        let outcome = tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return Err(JobFailure::cancelled()),
            outcome = self.converse(ctx, &mut history) => outcome,
        };
        match outcome {
            Ok((answer, steps)) => {
                if let Some(id) = &conversation {
                    memory::save(ctx.store.as_ref(), id, history).await;
                }
                ctx.emit(JobEvent::OnChainEnd {
                    status: "success".into(),
                    output: Some(answer.clone()),
                    steps: Some(steps),
                    error: None,
                })
                .await;
                Ok(answer)
            }
            Err(e) => {
                let message = e.to_string();
                tracing::warn!(error = %message, "agent run failed");
                ctx.emit(JobEvent::OnChainEnd {
                    status: "error".into(),
                    output: None,
                    steps: None,
                    error: Some(message.clone()),
                })
                .await;
                Err(JobFailure::failed(message))
            }
        }
    }
}
