//! `llm.*`: the OpenAI-compatible model behind plain-text commands.

use serde::{Deserialize, Serialize};

use super::secret::{Secret, lenient_string, non_empty_secret};

/// `llm.*`: the OpenAI-compatible model behind plain-text commands.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmSettings {
    /// API key; no key (or an empty one) means no agent (plain text is refused, direct mode works).
    #[serde(deserialize_with = "non_empty_secret")]
    pub api_key: Option<Secret>,
    /// Base URL of the Chat Completions API.
    #[serde(deserialize_with = "lenient_string")]
    pub base_url: String,
    /// Model name.
    #[serde(deserialize_with = "lenient_string")]
    pub model: String,
    /// Seconds one model request may take.
    pub request_timeout_secs: u64,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// Model rounds per command.
    pub max_steps: u32,
    /// Retries of a request on 429, 5xx and connection errors.
    pub max_retries: u32,
    /// Seconds a request may spend waiting between retries in total; a retry
    /// that would go past it (a long `Retry-After`) is not made.
    pub retry_max_secs: u64,
    /// Characters of a tool result sent back to the model.
    pub tool_result_max_chars: usize,
    /// Messages kept per conversation (`metadata.conversation_id`).
    pub conversation_max_messages: usize,
    /// Bytes kept per conversation (the oldest messages go first).
    pub conversation_max_bytes: usize,
    /// Conversations kept in all (the least recently used go first).
    pub conversation_max_count: usize,
    /// Seconds an unused conversation is kept.
    pub conversation_ttl_secs: u64,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: "https://api.openai.com/v1".into(),
            model: "gpt-4.1-mini".into(),
            request_timeout_secs: 120,
            temperature: None,
            max_tokens: None,
            max_steps: 30,
            max_retries: 4,
            retry_max_secs: 60,
            tool_result_max_chars: 16_000,
            conversation_max_messages: 40,
            conversation_max_bytes: 256 * 1024,
            conversation_max_count: 1000,
            conversation_ttl_secs: 24 * 3600,
        }
    }
}
