//! Slash commands: the direct-mode grammar that needs no LLM.
//!
//! ```text
//! /list                      list_available_agents
//! /info <agent>              get_agent_info
//! /validate                  validate_conductor_system
//! /run <agent> <text>        execute_agent_stateless
//! /chat <agent> <text>       execute_agent_contextual
//! /clear <agent>             clear_agent_history
//! /install [name]            install_agent_templates (no name: list templates)
//! /config                    get_system_config
//! /tool <name> [json]        any catalogue tool with JSON arguments
//! /tools                     the catalogue
//! /help                      this grammar
//! ```
//! `<text>` is everything after the agent id, verbatim (it may span lines).

use serde_json::{Value, json};

/// What a slash command asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Slash {
    Tool { name: String, arguments: Value },
    Tools,
    Help,
}

/// The grammar, as `/help` and error messages show it.
pub const HELP: &str = "Direct commands (no LLM needed):
  /list                  list the agents
  /info <agent>          show one agent
  /validate              validate the conductor project
  /run <agent> <text>    run an agent once (no history)
  /chat <agent> <text>   run an agent with its history
  /clear <agent>         empty an agent's history
  /install [name]        install templates (no name: list them)
  /config                show the conductor's config.yaml
  /tool <name> [json]    call any tool with JSON arguments
  /tools                 list the tools
  /help                  this help
A JSON payload {\"tool\": \"<name>\", \"arguments\": {...}} also calls a tool directly.";

/// Parses a command that starts with `/`; the error says what is accepted.
pub fn parse(text: &str) -> Result<Slash, String> {
    let text = text.trim_start();
    let body = text
        .strip_prefix('/')
        .ok_or_else(|| "not a slash command".to_string())?;
    let (word, rest) = split_word(body);
    let tool = |name: &str, arguments: Value| {
        Ok(Slash::Tool {
            name: name.into(),
            arguments,
        })
    };
    match word {
        "list" => tool("list_available_agents", json!({})),
        "validate" => tool("validate_conductor_system", json!({})),
        "config" => tool("get_system_config", json!({})),
        "tools" => Ok(Slash::Tools),
        "help" | "" => Ok(Slash::Help),
        "info" | "clear" => {
            let (agent, _) = split_word(rest);
            if agent.is_empty() {
                return Err(format!("usage: /{word} <agent>"));
            }
            let name = if word == "info" {
                "get_agent_info"
            } else {
                "clear_agent_history"
            };
            tool(name, json!({ "agent_id": agent }))
        }
        "install" => {
            let (name, _) = split_word(rest);
            if name.is_empty() {
                tool("install_agent_templates", json!({}))
            } else {
                tool("install_agent_templates", json!({ "template_name": name }))
            }
        }
        "run" | "chat" => {
            let (agent, text) = split_word(rest);
            if agent.is_empty() || text.trim().is_empty() {
                return Err(format!("usage: /{word} <agent> <text>"));
            }
            let name = if word == "run" {
                "execute_agent_stateless"
            } else {
                "execute_agent_contextual"
            };
            tool(name, json!({ "agent_id": agent, "input_text": text }))
        }
        "tool" => {
            let (name, args) = split_word(rest);
            if name.is_empty() {
                return Err("usage: /tool <name> [json arguments]".into());
            }
            let arguments = if args.trim().is_empty() {
                json!({})
            } else {
                serde_json::from_str(args)
                    .map_err(|e| format!("/tool {name}: arguments are not valid JSON: {e}"))?
            };
            tool(name, arguments)
        }
        other => Err(format!("unknown command /{other}\n\n{HELP}")),
    }
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
        assert_eq!(parse("/info").unwrap_err(), "usage: /info <agent>");
        assert_eq!(parse("/run A").unwrap_err(), "usage: /run <agent> <text>");
        assert!(parse("/nope").unwrap_err().contains("/list"));
        assert!(
            parse("/tool x {bad")
                .unwrap_err()
                .contains("not valid JSON")
        );
    }
}
