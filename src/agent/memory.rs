//! Conversation memory: the messages of earlier jobs that share a
//! `metadata.conversation_id`, kept (bounded) in the job store.

use serde_json::Value;

use crate::jobs::JobStore;

/// The conversation a job belongs to, if its metadata names one.
pub fn conversation_id(metadata: &Value) -> Option<String> {
    match metadata.get("conversation_id")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The stored history, starting at a user message.
///
/// The store keeps the newest messages and may have cut through a tool
/// exchange; a `tool` message whose assistant call was cut is refused by the
/// API, so anything before the first remaining user message is dropped.
pub async fn load(store: &dyn JobStore, id: &str) -> Vec<Value> {
    let mut history = match store.conversation(id).await {
        Ok(history) => history,
        Err(e) => {
            // Memory is a convenience: the command still runs without it.
            tracing::warn!(error = %e, "conversation history not loaded");
            return Vec::new();
        }
    };
    let start = history
        .iter()
        .position(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .unwrap_or(history.len());
    history.drain(..start);
    history
}

pub async fn save(store: &dyn JobStore, id: &str, messages: Vec<Value>) {
    if let Err(e) = store.save_conversation(id, messages).await {
        tracing::warn!(error = %e, "conversation history not saved");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::jobs::memory::{MemoryLimits, MemoryStore};

    fn store() -> MemoryStore {
        MemoryStore::new(MemoryLimits {
            max_events: 100,
            max_bytes: 1 << 20,
            retention: Duration::from_secs(60),
            max_retained: 100,
            conversation_max_messages: 3,
        })
    }

    #[test]
    fn ids_come_from_metadata() {
        let id = |v: Value| conversation_id(&v);
        assert_eq!(id(json!({"conversation_id": "c1"})).as_deref(), Some("c1"));
        assert_eq!(id(json!({"conversation_id": 7})).as_deref(), Some("7"));
        assert_eq!(id(json!({"conversation_id": ""})), None);
        assert_eq!(id(json!({"source": "web"})), None);
        assert_eq!(id(Value::Null), None);
    }

    #[tokio::test]
    async fn a_history_cut_inside_a_tool_exchange_restarts_at_a_user_message() {
        let s = store();
        let messages = vec![
            json!({"role": "user", "content": "list"}),
            json!({"role": "assistant", "tool_calls": [{"id": "1"}]}),
            json!({"role": "tool", "tool_call_id": "1", "content": "a"}),
            json!({"role": "assistant", "content": "one agent"}),
            json!({"role": "user", "content": "thanks"}),
        ];
        save(&s, "c", messages).await;
        // The store keeps the last 3: tool, assistant, user.
        let history = load(&s, "c").await;
        assert_eq!(history, vec![json!({"role": "user", "content": "thanks"})]);
        assert!(load(&s, "other").await.is_empty());
    }
}
