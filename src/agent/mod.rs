//! The LLM agent: natural language to tool calls (work in progress).

use std::sync::Arc;

use crate::config::Settings;
use crate::jobs::Agent;

/// The agent for plain-text commands, when an LLM is configured.
pub fn build(_settings: &Settings) -> anyhow::Result<Option<Arc<dyn Agent>>> {
    Ok(None)
}
