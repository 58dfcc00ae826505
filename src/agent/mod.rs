//! The LLM agent: natural language to tool calls through an OpenAI-compatible
//! Chat Completions API, every step streamed as job events.
//!
//! - `llm`: the HTTP client (streaming, retries).
//! - `error`: `LlmError`, why a model request failed.
//! - `retry`: backoff with jitter, `Retry-After`, count and time bounds.
//! - `chunks`: streamed chunks and their reassembly into a model turn.
//! - `tools`: the catalogue as function definitions, checked at start-up.
//! - `prompt`: the system prompt.
//! - `run`: the loop (`LlmAgent`, the jobs' `Agent`).
//! - `calls`: one round's tool calls, run concurrently, results cut to size.
//! - `memory`: conversation history by `metadata.conversation_id`.

mod calls;
mod chunks;
mod error;
mod llm;
mod memory;
mod prompt;
mod retry;
mod run;
mod tools;

use std::sync::Arc;

use anyhow::Context;

pub use error::LlmError;
pub use run::{LlmAgent, RunError};
pub use tools::{SchemaError, function_definitions};

use crate::config::Settings;
use crate::jobs::Agent;
use crate::tools as catalogue;

/// The agent for plain-text commands: `None` when no API key is configured.
/// Fails when a catalogue tool cannot be offered to the model or the LLM
/// settings are unusable, so a misconfiguration stops start-up rather than
/// the first command.
pub fn build(settings: &Settings) -> anyhow::Result<Option<Arc<dyn Agent>>> {
    let Some(key) = settings.llm.api_key.clone() else {
        return Ok(None);
    };
    let tools = catalogue::all();
    let functions = function_definitions(tools)
        .context("the tool catalogue does not fit OpenAI function calling")?;
    // Each function with the scope it needs: a caller is offered only its own.
    let functions = tools.iter().map(|t| t.scope).zip(functions).collect();
    let client = llm::LlmClient::new(&settings.llm, key).context("setting up the LLM client")?;
    let agent = LlmAgent::new(
        client,
        &settings.llm,
        &settings.agent,
        functions,
        prompt::system_prompt(tools),
    );
    tracing::info!(model = %settings.llm.model, "LLM agent ready for plain-text commands");
    Ok(Some(Arc::new(agent)))
}
