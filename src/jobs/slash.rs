//! Slash commands: the direct-mode grammar that needs no LLM.
//!
//! Each tool may declare an alias (`tools::SlashAlias`): `/list`,
//! `/info <agent>`, `/run <agent> <text>`, `/install [name]`, … Three
//! commands are built in: `/tool <name> [json]` calls any catalogue tool,
//! `/tools` lists them and `/help` shows the grammar. `<text>` is everything
//! after the agent id, verbatim (it may span lines).

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use crate::tools::{self, SlashArgs};

/// What a slash command asks for.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "slash", rename_all = "snake_case")]
pub enum Slash {
    Tool { name: String, arguments: Value },
    Tools,
    Help,
}

/// The grammar, as `/help` and error messages show it: the tools' aliases,
/// then the built-in commands.
pub static HELP: LazyLock<String> = LazyLock::new(|| {
    let mut lines = vec!["Direct commands (no LLM needed):".to_string()];
    let mut line = |usage: String, help: &str| lines.push(format!("  {usage:<22} {help}"));
    for tool in tools::all() {
        if let Some(alias) = tool.slash {
            line(alias.usage(), alias.help);
        }
    }
    line(
        "/tool <name> [json]".into(),
        "call any tool with JSON arguments",
    );
    line("/tools".into(), "list the tools");
    line("/help".into(), "this help");
    lines.push(
        "A JSON payload {\"tool\": \"<name>\", \"arguments\": {...}} also calls a tool directly."
            .into(),
    );
    lines.join("\n")
});

/// Why a slash command was refused; the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlashError {
    #[error("not a slash command")]
    NotSlash,
    /// A known command with missing words: `usage: …`.
    #[error("usage: {0}")]
    Usage(String),
    #[error("/tool {name}: arguments are not valid JSON: {reason}")]
    BadJson { name: String, reason: String },
    #[error("unknown command /{word}\n\n{help}")]
    Unknown { word: String, help: &'static str },
}

/// Parses a command that starts with `/`; the error says what is accepted.
pub fn parse(text: &str) -> Result<Slash, SlashError> {
    let text = text.trim_start();
    let body = text.strip_prefix('/').ok_or(SlashError::NotSlash)?;
    let (word, rest) = split_word(body);
    match word {
        "tools" => return Ok(Slash::Tools),
        "help" | "" => return Ok(Slash::Help),
        "tool" => {
            let (name, args) = split_word(rest);
            if name.is_empty() {
                return Err(SlashError::Usage("/tool <name> [json arguments]".into()));
            }
            let arguments = if args.trim().is_empty() {
                json!({})
            } else {
                serde_json::from_str(args).map_err(|e| SlashError::BadJson {
                    name: name.into(),
                    reason: e.to_string(),
                })?
            };
            return Ok(Slash::Tool {
                name: name.into(),
                arguments,
            });
        }
        _ => {}
    }
    let Some((tool, alias)) = tools::by_slash(word) else {
        return Err(SlashError::Unknown {
            word: word.into(),
            help: HELP.as_str(),
        });
    };
    let usage = || SlashError::Usage(alias.usage());
    let mut arguments = Map::new();
    match alias.args {
        SlashArgs::None => {}
        SlashArgs::Agent => {
            let (agent, _) = split_word(rest);
            if agent.is_empty() {
                return Err(usage());
            }
            arguments.insert("agent_id".into(), Value::from(agent));
        }
        SlashArgs::AgentText { field } => {
            let (agent, text) = split_word(rest);
            if agent.is_empty() || text.trim().is_empty() {
                return Err(usage());
            }
            arguments.insert("agent_id".into(), Value::from(agent));
            arguments.insert(field.into(), Value::from(text));
        }
        SlashArgs::OptionalWord { field, .. } => {
            let (value, _) = split_word(rest);
            if !value.is_empty() {
                arguments.insert(field.into(), Value::from(value));
            }
        }
    }
    Ok(Slash::Tool {
        name: tool.name.into(),
        arguments: Value::Object(arguments),
    })
}

/// The first whitespace-separated word, and the rest with its leading whitespace removed.
fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(i) => (&text[..i], text[i..].trim_start()),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(text: &str) -> (String, Value) {
        match parse(text).unwrap() {
            Slash::Tool { name, arguments } => (name, arguments),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn grammar() {
        assert_eq!(tool("/list").0, "list_available_agents");
        assert_eq!(tool("  /validate ").0, "validate_conductor_system");
        assert_eq!(
            tool("/info CodeReviewer_Agent"),
            (
                "get_agent_info".into(),
                json!({"agent_id": "CodeReviewer_Agent"})
            )
        );
        assert_eq!(
            tool("/run A --agent evil\nsecond line"),
            (
                "execute_agent_stateless".into(),
                json!({"agent_id": "A", "input_text": "--agent evil\nsecond line"})
            )
        );
        assert_eq!(tool("/chat A hi").0, "execute_agent_contextual");
        assert_eq!(tool("/install").1, json!({}));
        assert_eq!(
            tool("/install web_development").1,
            json!({"template_name": "web_development"})
        );
        assert_eq!(
            tool("/tool backup_agents {\"backup_path\": \"b\"}").1,
            json!({"backup_path": "b"})
        );
        assert_eq!(parse("/tools").unwrap(), Slash::Tools);
        assert_eq!(parse("/help").unwrap(), Slash::Help);
    }

    #[test]
    fn errors_say_what_is_accepted() {
        assert_eq!(
            parse("/info").unwrap_err().to_string(),
            "usage: /info <agent>"
        );
        assert_eq!(
            parse("/run A").unwrap_err().to_string(),
            "usage: /run <agent> <text>"
        );
        assert!(parse("/nope").unwrap_err().to_string().contains("/list"));
        assert!(
            parse("/tool x {bad")
                .unwrap_err()
                .to_string()
                .contains("not valid JSON")
        );
    }
}
