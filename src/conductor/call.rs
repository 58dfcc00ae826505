//! Turning a tool name and JSON arguments into a validated call: the CLI's
//! argument vector, or a local action. Pure, so it is tested without processes.

use std::path::PathBuf;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::params::*;
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
pub enum Prepared {
    /// Run the CLI with these arguments (after the configured command).
    Cli {
        args: Vec<String>,
        deadline: Duration,
    },
    /// Answer without running anything.
    Describe(Value),
    SetEnvironment(EnvContext),
    GetSystemConfig,
    ClearHistory {
        agent_id: String,
    },
}

/// Validates `args` for tool `name` (which must exist in the catalogue).
pub fn prepare(
    name: &str,
    args: Value,
    limits: &Limits,
    ctx: &EnvContext,
) -> Result<Prepared, ArgError> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    let cli = |args: Vec<String>| Prepared::Cli {
        args,
        deadline: limits.cli_timeout,
    };
    Ok(match name {
        "list_available_agents" => {
            parse::<NoParams>(args)?;
            cli(vec!["--list".into()])
        }
        "get_agent_info" => {
            let p: AgentParams = parse(args)?;
            validate::identifier("agent_id", &p.agent_id)?;
            cli(vec!["--info".into(), p.agent_id])
        }
        "validate_conductor_system" => {
            parse::<NoParams>(args)?;
            cli(vec!["--validate".into()])
        }
        "execute_agent_stateless" => {
            let p: ExecuteStatelessParams = parse(args)?;
            let mut argv = agent_run(
                &p.agent_id,
                false,
                Some(("input_text", &p.input_text)),
                p.timeout,
                limits,
                ctx,
            )?;
            if p.output_format == OutputFormat::Json {
                argv.extend(["--output".into(), "json".into()]);
            }
            execution(argv, p.timeout, limits)
        }
        "execute_agent_contextual" => {
            let p: ExecuteContextualParams = parse(args)?;
            let mut argv = agent_run(
                &p.agent_id,
                true,
                Some(("input_text", &p.input_text)),
                p.timeout,
                limits,
                ctx,
            )?;
            if p.clear_history {
                argv.push("--clear".into());
            }
            execution(argv, p.timeout, limits)
        }
        "start_interactive_session" => {
            let p: StartSessionParams = parse(args)?;
            match p.initial_input.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(input) => {
                    let argv = agent_run(
                        &p.agent_id,
                        true,
                        Some(("initial_input", input)),
                        p.timeout,
                        limits,
                        ctx,
                    )?;
                    execution(argv, p.timeout, limits)
                }
                None => {
                    validate::identifier("agent_id", &p.agent_id)?;
                    validate::timeout("timeout", p.timeout, limits.max_timeout)?;
                    Prepared::Describe(serde_json::json!({
                        "status": "success",
                        "agent_id": p.agent_id,
                        "message": format!(
                            "Session with {} is ready. Nothing was run: send each message with execute_agent_contextual (agent_id {}); the agent keeps its history between turns.",
                            p.agent_id, p.agent_id
                        ),
                    }))
                }
            }
        }
        "install_agent_templates" => {
            let p: InstallParams = parse(args)?;
            let name = p
                .template_name
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "list".into());
            validate::identifier("template_name", &name)?;
            cli(vec!["--install".into(), name])
        }
        "backup_agents" => {
            let p: BackupParams = parse(args)?;
            let mut argv = vec!["--backup".to_string()];
            if let Some(path) = p.backup_path.filter(|s| !s.is_empty()) {
                argv.extend(["--path".into(), confined("backup_path", &path, limits)?]);
            }
            cli(argv)
        }
        "restore_agents" => {
            let p: RestoreParams = parse(args)?;
            let path = confined("backup_path", &p.backup_path, limits)?;
            cli(vec!["--restore".into(), "--path".into(), path])
        }
        "migrate_storage" => {
            let p: MigrateParams = parse(args)?;
            let mut argv = vec![
                "--migrate-from".to_string(),
                p.from_type.as_str().into(),
                "--migrate-to".into(),
                p.to_type.as_str().into(),
            ];
            if let Some(path) = p.path.filter(|s| !s.is_empty()) {
                argv.extend(["--path".into(), confined("path", &path, limits)?]);
            }
            if p.no_config_update {
                argv.push("--no-config-update".into());
            }
            cli(argv)
        }
        "set_environment" => {
            let p: SetEnvironmentParams = parse(args)?;
            validate::label("environment", &p.environment)?;
            if let Some(project) = &p.project {
                validate::label("project", project)?;
            }
            Prepared::SetEnvironment(EnvContext {
                environment: Some(p.environment),
                project: p.project,
            })
        }
        "get_system_config" => {
            parse::<NoParams>(args)?;
            Prepared::GetSystemConfig
        }
        "clear_agent_history" => {
            let p: AgentParams = parse(args)?;
            validate::identifier("agent_id", &p.agent_id)?;
            Prepared::ClearHistory {
                agent_id: p.agent_id,
            }
        }
        other => return Err(ArgError::new("name", format!("unknown tool {other}"))),
    })
}

/// `--agent <id> [--chat] --input=<text> [--timeout N] [--environment=E] [--project=P]`.
///
/// User text always travels as one `--input=<text>` element: the CLI's parser
/// would reject a separate value that looks like a flag, and a joined element
/// can never be read as a flag of its own.
fn agent_run(
    agent_id: &str,
    chat: bool,
    input: Option<(&str, &str)>,
    timeout: u64,
    limits: &Limits,
    ctx: &EnvContext,
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
    if let Some(env) = &ctx.environment {
        argv.push(format!("--environment={env}"));
    }
    if let Some(project) = &ctx.project {
        argv.push(format!("--project={project}"));
    }
    Ok(argv)
}

fn execution(args: Vec<String>, timeout: u64, limits: &Limits) -> Prepared {
    Prepared::Cli {
        args,
        deadline: Duration::from_secs(timeout) + limits.timeout_margin,
    }
}

fn confined(field: &str, path: &str, limits: &Limits) -> Result<String, ArgError> {
    let Some(root) = &limits.files_root else {
        return Err(ArgError::new(
            field,
            "paths are disabled: configure conductor.files_root or conductor.project_path",
        ));
    };
    Ok(validate::confined_path(field, root, path)?
        .to_string_lossy()
        .into_owned())
}

/// Deserializes arguments; a failure names the field at fault.
pub fn parse<T: DeserializeOwned>(args: Value) -> Result<T, ArgError> {
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
