//! Conversation memory: the messages of earlier jobs of one principal that
//! share a `metadata.conversation_id`, kept (bounded) in the job store.
//! Another principal using the same id has a conversation of its own.

use serde_json::Value;

use crate::jobs::JobStore;
use crate::jobs::store::ConversationKey;

/// The conversation a job of `owner` belongs to, if its metadata names one.
pub fn conversation_key(owner: &str, metadata: &Value) -> Option<ConversationKey> {
    let id = match metadata.get("conversation_id")? {
        Value::String(s) if !s.trim().is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(ConversationKey {
        owner: owner.to_string(),
        id,
    })
}

/// The stored history, starting at a user message.
///
/// The store keeps the newest messages and may have cut through a tool
/// exchange; a `tool` message whose assistant call was cut is refused by the
/// API, so anything before the first remaining user message is dropped.
pub async fn load(store: &dyn JobStore, id: &ConversationKey) -> Vec<Value> {
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

pub async fn save(store: &dyn JobStore, id: &ConversationKey, messages: Vec<Value>) {
    if let Err(e) = store.save_conversation(id, messages).await {
        tracing::warn!(error = %e, "conversation history not saved");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::jobs::memory::{ConversationLimits, MemoryLimits, MemoryStore};

    fn store() -> MemoryStore {
        MemoryStore::new(MemoryLimits {
            max_events: 100,
            max_bytes: 1 << 20,
            retention: Duration::from_secs(60),
            max_retained: 100,
            store_max_bytes: 1 << 24,
            conversations: ConversationLimits {
                max_messages: 3,
                max_bytes: 1 << 20,
                max_count: 10,
                ttl: Duration::from_secs(60),
            },
        })
    }

    #[test]
    fn keys_come_from_metadata_within_the_owner() {
        let key = |v: Value| conversation_key("ann", &v).map(|k| (k.owner, k.id));
        assert_eq!(
            key(json!({"conversation_id": "c1"})),
            Some(("ann".into(), "c1".into()))
        );
        assert_eq!(key(json!({"conversation_id": 7})).unwrap().1, "7");
        assert_eq!(key(json!({"conversation_id": ""})), None);
        assert_eq!(key(json!({"source": "web"})), None);
        assert_eq!(key(Value::Null), None);
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
        let key = conversation_key("ann", &json!({"conversation_id": "c"})).unwrap();
        save(&s, &key, messages).await;
        // The store keeps the last 3: tool, assistant, user.
        let history = load(&s, &key).await;
        assert_eq!(history, vec![json!({"role": "user", "content": "thanks"})]);
        let other = conversation_key("bob", &json!({"conversation_id": "c"})).unwrap();
        assert!(load(&s, &other).await.is_empty());
    }
}
