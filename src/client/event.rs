//! One job event as the client received it: the SSE `data` object
//! `{"event", "data", "timestamp", "job_id"}`, both parsed and as its original text.

use serde_json::Value;

/// A job event from the stream.
#[derive(Debug, Clone)]
pub struct JobEvent {
    /// The `event` name (`job_started`, `on_tool_output`, ...).
    pub name: String,
    /// The whole `data:` object.
    pub body: Value,
    /// The `data:` text exactly as received (what `--json` prints).
    pub text: String,
}

impl JobEvent {
    /// Parses an SSE message's data; `None` when it is not a JSON object.
    pub fn parse(text: &str) -> Option<JobEvent> {
        let body: Value = serde_json::from_str(text).ok()?;
        if !body.is_object() {
            return None;
        }
        Some(JobEvent {
            name: body["event"].as_str().unwrap_or_default().to_string(),
            text: text.to_string(),
            body,
        })
    }

    /// The event's own `data` object.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// A text field of `data` (`""` when absent or not text).
    pub fn field(&self, key: &str) -> &str {
        self.data()[key].as_str().unwrap_or_default()
    }

    /// Unix time in seconds, as the gateway stamped it.
    pub fn timestamp(&self) -> Option<f64> {
        self.body["timestamp"].as_f64()
    }

    /// The data as one line of JSON: the received text when it is one line already.
    pub fn json_line(&self) -> String {
        if self.text.contains('\n') {
            self.body.to_string()
        } else {
            self.text.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::JobEvent;

    #[test]
    fn parses_the_contract_object() {
        let text = r#"{"event":"on_tool_start","data":{"tool":"list_available_agents"},"timestamp":1.5,"job_id":"job_1"}"#;
        let event = JobEvent::parse(text).unwrap();
        assert_eq!(event.name, "on_tool_start");
        assert_eq!(event.field("tool"), "list_available_agents");
        assert_eq!(event.field("missing"), "");
        assert_eq!(event.timestamp(), Some(1.5));
        assert_eq!(event.json_line(), text);
        assert!(JobEvent::parse("not json").is_none());
        assert!(JobEvent::parse("[1]").is_none());
    }
}
