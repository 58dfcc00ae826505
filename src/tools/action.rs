//! What a validated call does (`Action`), what validation needs to know
//! (`Limits`), and the argument-building helpers the tools share. Pure, so
//! it is tested without processes.

use std::path::PathBuf;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::validate::{self, ArgError};

/// What validation needs to know.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_input_bytes: usize,
    pub max_timeout: u64,
    /// Deadline of CLI runs other than agent executions.
    pub cli_timeout: Duration,
    /// Added to an execution's own timeout to get the gateway's deadline.
    pub timeout_margin: Duration,
    /// Folder that backup, restore and migrate paths must stay inside.
    pub files_root: Option<PathBuf>,
}

/// The environment and project set by `set_environment`, passed to later agent runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EnvContext {
    pub environment: Option<String>,
    pub project: Option<String>,
}

/// A validated call.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Run the CLI with these arguments (after the configured command).
    Cli {
        args: Vec<String>,
        deadline: Duration,
    },
    /// Answer without running anything.
    Local(Local),
}

/// The tools answered by the gateway itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Local {
    /// A session with `agent_id` is ready; nothing ran.
    SessionReady {
        agent_id: String,
    },
    SetEnvironment(EnvContext),
    GetSystemConfig,
    ClearHistory {
        agent_id: String,
    },
}

impl Limits {
    /// A CLI run with the ordinary deadline.
    pub fn cli(&self, args: Vec<String>) -> Action {
        Action::Cli {
            args,
            deadline: self.cli_timeout,
        }
    }

    /// An agent execution: its own timeout plus the margin.
    pub fn execution(&self, args: Vec<String>, timeout: u64) -> Action {
        Action::Cli {
            args,
            deadline: Duration::from_secs(timeout) + self.timeout_margin,
        }
    }

    /// A path argument resolved inside the files folder.
    pub fn confined(&self, field: &str, path: &str) -> Result<String, ArgError> {
        let Some(root) = &self.files_root else {
            return Err(ArgError::new(
                field,
                "paths are disabled: configure conductor.files_root or conductor.project_path",
            ));
        };
        Ok(validate::confined_path(field, root, path)?
            .to_string_lossy()
            .into_owned())
    }
}

/// `--agent <id> [--chat] --input=<text> [--timeout N] [--environment=E] [--project=P]`.
///
/// User text always travels as one `--input=<text>` element: the CLI's parser
/// would reject a separate value that looks like a flag, and a joined element
/// can never be read as a flag of its own.
pub fn agent_run(
    agent_id: &str,
    chat: bool,
    input: Option<(&str, &str)>,
    timeout: u64,
    limits: &Limits,
    env: &EnvContext,
) -> Result<Vec<String>, ArgError> {
    validate::identifier("agent_id", agent_id)?;
    validate::timeout("timeout", timeout, limits.max_timeout)?;
    let mut argv = vec!["--agent".to_string(), agent_id.to_string()];
    if chat {
        argv.push("--chat".into());
    }
    if let Some((field, input)) = input {
        validate::input_text(field, input, limits.max_input_bytes)?;
        argv.push(format!("--input={input}"));
    }
    if timeout != 120 {
        argv.extend(["--timeout".into(), timeout.to_string()]);
    }
    if let Some(environment) = &env.environment {
        argv.push(format!("--environment={environment}"));
    }
    if let Some(project) = &env.project {
        argv.push(format!("--project={project}"));
    }
    Ok(argv)
}

/// Deserializes arguments (`null` reads as `{}`); a failure names the field at fault.
pub fn parse<T: DeserializeOwned>(args: Value) -> Result<T, ArgError> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    if !args.is_object() {
        return Err(ArgError::new("arguments", "must be a JSON object"));
    }
    serde_path_to_error::deserialize(args).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let field = if path != "." && !path.is_empty() {
            path
        } else {
            // "missing field `x`" / "unknown field `x`, expected ..." name it in backticks.
            message
                .split('`')
                .nth(1)
                .map(str::to_string)
                .unwrap_or_else(|| "arguments".into())
        };
        ArgError::new(&field, message)
    })
}
