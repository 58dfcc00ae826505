//! Running catalogue tools: validation, the CLI run or local action, and the
//! result in both the old service's text shape and a structured shape.

use std::path::PathBuf;
use std::sync::RwLock;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::call::{EnvContext, Limits, Prepared, prepare};
use super::catalogue::{self, TextStyle, ToolDef};
use super::local;
use super::outcome::{Outcome, answer};
use super::output::OutputSink;
use super::runner::{Busy, RunRequest, RunResult, Runner, RunnerConfig};
use super::validate::ArgError;
use crate::config::Settings;

/// Why a tool call did not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("unknown tool '{0}'")]
    UnknownTool(String),
    #[error("invalid arguments: {0}")]
    InvalidArguments(#[from] ArgError),
    #[error(transparent)]
    Busy(#[from] Busy),
}

/// A tool's result.
#[derive(Debug, Clone, Serialize)]
pub struct ToolResult {
    pub tool: &'static str,
    /// The text MCP clients of the old service read.
    pub text: String,
    /// The text a person wants: an agent's answer, the CLI's output, or a message.
    pub readable: String,
    /// The structured result (the run, or the local action's object).
    pub structured: Value,
    pub is_error: bool,
    /// Why it failed, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// The tool catalogue bound to a runner and the project.
#[derive(Debug)]
pub struct Conductor {
    runner: Runner,
    limits: Limits,
    project: Option<PathBuf>,
    context: RwLock<EnvContext>,
}

impl Conductor {
    pub fn new(settings: &Settings, shutdown: CancellationToken) -> Self {
        let c = &settings.conductor;
        let runner = Runner::new(
            RunnerConfig {
                command: settings.cli_command(),
                cwd: c.project_path.clone(),
                env: c.env.clone(),
                env_remove: crate::config::gateway_secret_env(),
                output_limit: c.output_limit_bytes,
                kill_grace: Duration::from_millis(c.kill_grace_ms),
                max_concurrent: c.max_concurrent,
                max_queue: c.max_queue,
            },
            shutdown,
        );
        let files_root = c
            .files_root
            .clone()
            .or_else(|| c.project_path.as_ref().map(|p| p.join("backups")));
        Self {
            runner,
            limits: Limits {
                max_input_bytes: c.max_input_bytes,
                max_timeout: c.max_timeout,
                cli_timeout: Duration::from_secs(c.timeout),
                timeout_margin: Duration::from_secs(c.timeout_margin),
                files_root,
            },
            project: c.project_path.clone(),
            context: RwLock::new(EnvContext::default()),
        }
    }

    pub fn runner(&self) -> &Runner {
        &self.runner
    }

    pub fn tools(&self) -> &'static [ToolDef] {
        catalogue::tools()
    }

    /// Validates a call without running it.
    pub fn prepare(
        &self,
        name: &str,
        args: Value,
    ) -> Result<(&'static ToolDef, Prepared), ToolError> {
        let tool = catalogue::find(name).ok_or_else(|| ToolError::UnknownTool(name.to_string()))?;
        let ctx = self.context.read().map(|c| c.clone()).unwrap_or_default();
        Ok((tool, prepare(name, args, &self.limits, &ctx)?))
    }

    /// Validates and runs a call. Output lines go to `output` as they arrive.
    pub async fn call(
        &self,
        name: &str,
        args: Value,
        output: Option<OutputSink>,
        cancel: CancellationToken,
    ) -> Result<ToolResult, ToolError> {
        let (tool, prepared) = self.prepare(name, args)?;
        Ok(self.execute(tool, prepared, output, cancel).await?)
    }

    /// Runs a prepared call.
    pub async fn execute(
        &self,
        tool: &'static ToolDef,
        prepared: Prepared,
        output: Option<OutputSink>,
        cancel: CancellationToken,
    ) -> Result<ToolResult, Busy> {
        let local = match prepared {
            Prepared::Cli { args, deadline } => {
                let run = self
                    .runner
                    .run(RunRequest {
                        args,
                        deadline,
                        output,
                        cancel,
                    })
                    .await?;
                return Ok(from_run(tool, run));
            }
            Prepared::Describe(value) => Ok(value),
            Prepared::SetEnvironment(ctx) => {
                if let Ok(mut current) = self.context.write() {
                    *current = ctx.clone();
                }
                Ok(json!({
                    "status": "success",
                    "environment": ctx.environment,
                    "project": ctx.project,
                    "message": "later agent runs pass this environment and project to the conductor",
                }))
            }
            Prepared::GetSystemConfig => local::system_config(self.project.as_deref()).await,
            Prepared::ClearHistory { agent_id } => {
                local::clear_history(self.project.as_deref(), &agent_id).await
            }
        };
        Ok(match local {
            Ok(value) => ToolResult {
                tool: tool.name,
                readable: value["message"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| serde_json::to_string_pretty(&value).unwrap_or_default()),
                text: value.to_string(),
                structured: value,
                is_error: false,
                error: None,
                outcome: None,
            },
            Err(reason) => {
                let value = json!({"status": "error", "error": reason});
                ToolResult {
                    tool: tool.name,
                    readable: format!("❌ {reason}"),
                    text: value.to_string(),
                    structured: value,
                    is_error: true,
                    error: Some(reason),
                    outcome: None,
                }
            }
        })
    }
}

/// The result of a CLI run, as text in the tool's contract shape and as structure.
fn from_run(tool: &'static ToolDef, run: RunResult) -> ToolResult {
    let text = match tool.text_style {
        TextStyle::Plain => match (run.outcome, run.stdout.trim().is_empty()) {
            (Outcome::Ok | Outcome::CliError, false) => run.stdout.clone(),
            _ => format!(
                "❌ {}",
                run.error
                    .as_deref()
                    .unwrap_or("the conductor CLI printed nothing")
            ),
        },
        TextStyle::Object => {
            let mut object = json!({
                "status": run.status,
                "stdout": run.stdout,
                "stderr": run.stderr,
                "returncode": run.returncode,
                "command": run.command.join(" "),
                "outcome": run.outcome,
                "duration_ms": run.duration_ms,
                "truncated": run.truncated,
                "timed_out": run.timed_out,
            });
            if let Some(error) = &run.error {
                object["error"] = Value::from(error.as_str());
            }
            object.to_string()
        }
    };
    let readable = match (&run.error, answer(&run.stdout)) {
        (Some(error), _) if run.stdout.trim().is_empty() => format!("❌ {error}"),
        (_, Some(answer)) => answer,
        _ => run.stdout.clone(),
    };
    ToolResult {
        tool: tool.name,
        text,
        readable,
        is_error: !run.ok(),
        error: run.error.clone(),
        outcome: Some(run.outcome),
        structured: serde_json::to_value(&run).unwrap_or(Value::Null),
    }
}
