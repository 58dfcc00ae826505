//! The client commands' arguments (clap), and `call`'s `key=value` pairs turned into JSON.

use std::convert::Infallible;

use clap::{Args, Subcommand};
use serde_json::{Map, Value};

use super::exit::{CALL_HELP, FOLLOW_HELP, LIST_HELP};
use crate::config::Secret;

/// The client's subcommands, flattened into the binary's own.
#[derive(Debug, Clone, Subcommand)]
pub enum ClientCommand {
    /// Start a job on a gateway and follow it live (model text, tool steps, result).
    #[command(after_help = FOLLOW_HELP)]
    Run(RunArgs),
    /// Follow a running job, or replay a finished one, with the same display as `run`.
    #[command(after_help = FOLLOW_HELP)]
    Tail(TailArgs),
    /// List a gateway's recent jobs.
    #[command(after_help = LIST_HELP)]
    Jobs(JobsArgs),
    /// List the tools a gateway offers (those the API key may call).
    #[command(after_help = LIST_HELP)]
    Tools(ToolsArgs),
    /// Call one tool and print its answer.
    #[command(after_help = CALL_HELP)]
    Call(CallArgs),
}

/// Where the gateway is and how to talk to it.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// Gateway base URL.
    #[arg(
        long,
        env = "GATEWAY_URL",
        default_value = "http://127.0.0.1:5006",
        value_name = "URL"
    )]
    pub url: String,
    /// API key, sent as `Authorization: Bearer <key>`.
    #[arg(long, env = "GATEWAY_API_KEY", hide_env_values = true, value_parser = secret, value_name = "KEY")]
    pub key: Option<Secret>,
    /// Print one JSON object per line (each event's data as received, or each row), for scripts.
    #[arg(long)]
    pub json: bool,
}

fn secret(text: &str) -> Result<Secret, Infallible> {
    Ok(Secret::new(text))
}

/// How a job is followed (`run`, `tail`).
#[derive(Debug, Clone, Args)]
pub struct FollowArgs {
    /// Tool output lines shown per step; earlier ones are folded (0: show every line).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_output_lines: usize,
    /// Answer every approval request with yes, without asking.
    #[arg(long, conflicts_with = "deny")]
    pub approve: bool,
    /// Answer every approval request with no, without asking.
    #[arg(long)]
    pub deny: bool,
    /// Reconnection attempts in a row before giving up on a dropped stream.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,
}

/// `run`: start a job and follow it.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The command, as typed in the web console: `/list`, `/run <agent> <text>`, or plain text
    /// for the LLM agent. Several words are joined with spaces.
    #[arg(required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
    #[command(flatten)]
    pub follow: FollowArgs,
    #[command(flatten)]
    pub connection: Connection,
}

/// `tail`: follow a running job or replay a finished one.
#[derive(Debug, Clone, Args)]
pub struct TailArgs {
    /// The job's id (`job_...`).
    pub job_id: String,
    #[command(flatten)]
    pub follow: FollowArgs,
    #[command(flatten)]
    pub connection: Connection,
}

/// `jobs`: recent jobs.
#[derive(Debug, Clone, Args)]
pub struct JobsArgs {
    /// Only jobs in this state: queued, running, succeeded, failed, cancelled, timed_out (or
    /// any other the gateway knows; it checks the name).
    #[arg(long, value_name = "STATE")]
    pub state: Option<String>,
    /// How many jobs, newest first.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    #[command(flatten)]
    pub connection: Connection,
}

/// `tools`: the catalogue.
#[derive(Debug, Clone, Args)]
pub struct ToolsArgs {
    #[command(flatten)]
    pub connection: Connection,
}

/// `call`: one tool.
#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// The tool's name (see `tools`).
    pub tool: String,
    /// Arguments as `key=value` or `key:=json`.
    #[arg(value_name = "KEY=VALUE")]
    pub pairs: Vec<String>,
    #[command(flatten)]
    pub connection: Connection,
}

/// A `key=value` argument that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairError {
    #[error("{key}:= needs a JSON value ({reason}): {raw}")]
    NotJson {
        key: String,
        reason: String,
        raw: String,
    },
    #[error("'{0}' is not key=value or key:=json")]
    NoEquals(String),
    #[error("'{0}' has no key before '='")]
    NoKey(String),
    #[error("{0} is given twice")]
    Twice(String),
}

/// Builds a tool's JSON arguments from `key=value` (JSON when it parses, else a string) and
/// `key:=json` (JSON or an error) pairs.
pub fn arguments_from_pairs(pairs: &[String]) -> Result<Value, PairError> {
    let mut object = Map::new();
    for pair in pairs {
        let (key, value) = match pair.split_once('=') {
            Some((key, raw)) => match key.strip_suffix(':') {
                Some(key) => {
                    let value = serde_json::from_str(raw).map_err(|e| PairError::NotJson {
                        key: key.to_string(),
                        reason: e.to_string(),
                        raw: raw.to_string(),
                    })?;
                    (key, value)
                }
                None => (
                    key,
                    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string())),
                ),
            },
            None => return Err(PairError::NoEquals(pair.clone())),
        };
        if key.is_empty() {
            return Err(PairError::NoKey(pair.clone()));
        }
        if object.insert(key.to_string(), value).is_some() {
            return Err(PairError::Twice(key.to_string()));
        }
    }
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::arguments_from_pairs;
    use serde_json::json;

    fn pairs(list: &[&str]) -> Result<serde_json::Value, String> {
        arguments_from_pairs(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn values_are_json_when_they_parse_and_strings_otherwise() {
        let args = pairs(&[
            "agent_id=CodeReviewer_Agent",
            "timeout=30",
            "clear_history=true",
            "extra={\"a\": [1, 2]}",
            "text=hello world",
            "quoted=\"42\"",
            "empty=",
            "eq=a=b",
        ])
        .unwrap();
        assert_eq!(
            args,
            json!({
                "agent_id": "CodeReviewer_Agent",
                "timeout": 30,
                "clear_history": true,
                "extra": {"a": [1, 2]},
                "text": "hello world",
                "quoted": "42",
                "empty": "",
                "eq": "a=b",
            })
        );
    }

    #[test]
    fn colon_equals_demands_json() {
        assert_eq!(pairs(&["n:=5"]).unwrap(), json!({"n": 5}));
        assert!(pairs(&["n:=five"]).unwrap_err().contains("JSON"));
    }

    #[test]
    fn malformed_pairs_are_refused() {
        assert!(pairs(&["novalue"]).is_err());
        assert!(pairs(&["=x"]).is_err());
        assert!(pairs(&["a=1", "a=2"]).unwrap_err().contains("twice"));
        assert_eq!(pairs(&[]).unwrap(), json!({}));
    }
}
