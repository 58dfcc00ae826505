//! Running catalogue tools: the caller's scope, validation, the CLI run or
//! local action, and the result in both the old service's text shape and a
//! structured shape.
//!
//! Every path to a run (REST tool calls, MCP, jobs and the LLM agent) goes
//! through `Conductor::prepare`, which checks the caller's scopes before it
//! reads the arguments; only the `Granted` it returns can be executed, so a
//! call that skipped the check does not compile.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::local::{self, LocalError};
use super::outcome::answer;
use super::output::OutputSink;
use super::runner::{Busy, RunRequest, Runner, RunnerConfig};
use crate::auth::Scopes;
use crate::config::Settings;
use crate::tools::outputs::{Envelope, EnvironmentSet, SessionReady, SessionStart};
use crate::tools::{
    self, Action, ArgError, EnvContext, Limits, Local, Outcome, RunResult, TextStyle, ToolDef,
};

/// Why a tool call did not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("unknown tool '{0}'")]
    UnknownTool(String),
    /// The caller's key lacks the tool's scope (the message says which).
    #[error("{0}")]
    Forbidden(String),
    #[error("invalid arguments: {0}")]
    InvalidArguments(#[from] ArgError),
    #[error(transparent)]
    Busy(#[from] Busy),
}

/// A call its caller may make, with valid arguments. Only
/// `Conductor::prepare` builds one (after the scope check), and only a
/// `Granted` call is executed.
#[derive(Debug)]
pub struct Granted {
    tool: &'static ToolDef,
    action: Action,
}

impl Granted {
    pub fn tool(&self) -> &'static ToolDef {
        self.tool
    }
}

/// A tool's result.
#[derive(Debug, Clone, Serialize)]
pub struct ToolResult {
    pub tool: &'static str,
    /// The text MCP clients of the old service read.
    pub text: String,
    /// The text a person wants: an agent's answer, the CLI's output, or a message.
    pub readable: String,
    /// The structured result (the run, or the local answer's object).
    pub structured: Value,
    pub is_error: bool,
    /// Why it failed, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// Whose `set_environment` a call reads and writes: an API key's principal,
/// or one MCP session of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvKey(Arc<str>);

impl EnvKey {
    pub fn principal(name: &str) -> Self {
        Self(Arc::from(name))
    }

    /// One MCP session of `principal`; it starts from the principal's environment.
    pub fn session(principal: &str, session: &str) -> Self {
        Self(Arc::from(format!("{principal}\u{0}{session}")))
    }

    fn parent(&self) -> Option<EnvKey> {
        self.0
            .split_once('\u{0}')
            .map(|(principal, _)| EnvKey::principal(principal))
    }
}

/// Environments set so far, bounded: past the cap the oldest setting goes.
#[derive(Debug, Default)]
struct Environments {
    next: u64,
    by_key: HashMap<EnvKey, (u64, EnvContext)>,
}

const MAX_ENVIRONMENTS: usize = 10_000;

impl Environments {
    fn get(&self, key: &EnvKey) -> EnvContext {
        self.by_key
            .get(key)
            .or_else(|| key.parent().and_then(|p| self.by_key.get(&p)))
            .map(|(_, ctx)| ctx.clone())
            .unwrap_or_default()
    }

    fn set(&mut self, key: EnvKey, ctx: EnvContext) {
        if self.by_key.len() >= MAX_ENVIRONMENTS
            && !self.by_key.contains_key(&key)
            && let Some(oldest) = self
                .by_key
                .iter()
                .min_by_key(|(_, (seq, _))| *seq)
                .map(|(k, _)| k.clone())
        {
            self.by_key.remove(&oldest);
        }
        self.next += 1;
        self.by_key.insert(key, (self.next, ctx));
    }
}

/// The tool catalogue bound to a runner and the project.
#[derive(Debug)]
pub struct Conductor {
    runner: Runner,
    limits: Limits,
    project: Option<PathBuf>,
    environments: Mutex<Environments>,
}

impl Conductor {
    /// `instance` names this gateway process in its runs' marks (`reaper`).
    pub fn new(settings: &Settings, instance: &str, shutdown: CancellationToken) -> Self {
        let c = &settings.conductor;
        let runner = Runner::new(
            RunnerConfig {
                command: settings.cli_command(),
                cwd: c.project_path.clone(),
                env: crate::config::child_env(settings),
                output_limit: c.output_limit_bytes,
                kill_grace: Duration::from_millis(c.kill_grace_ms),
                max_concurrent: c.max_concurrent,
                max_queue: c.max_queue,
                instance: instance.to_string(),
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
            environments: Mutex::default(),
        }
    }

    pub fn runner(&self) -> &Runner {
        &self.runner
    }

    pub fn tools(&self) -> &'static [ToolDef] {
        tools::all()
    }

    /// The environment `key`'s agent runs pass to the CLI.
    pub fn environment(&self, key: &EnvKey) -> EnvContext {
        lock(&self.environments).get(key)
    }

    /// Drops what an ended MCP session set.
    pub fn forget_environment(&self, key: &EnvKey) {
        lock(&self.environments).by_key.remove(key);
    }

    /// Checks that `scopes` allow tool `name`, then validates its arguments:
    /// the only way to a `Granted` call.
    pub fn prepare(
        &self,
        scopes: Scopes,
        name: &str,
        args: Value,
        env: &EnvKey,
    ) -> Result<Granted, ToolError> {
        let tool = tools::find(name).ok_or_else(|| ToolError::UnknownTool(name.to_string()))?;
        if !scopes.allows(tool.scope) {
            return Err(ToolError::Forbidden(format!(
                "{name}: needs the '{}' scope, which this API key lacks",
                tool.scope.as_str()
            )));
        }
        let ctx = self.environment(env);
        let action = tool.prepare(args, &self.limits, &ctx)?;
        Ok(Granted { tool, action })
    }

    /// Checks, validates and runs a call. Output lines go to `output` as they arrive.
    pub async fn call(
        &self,
        scopes: Scopes,
        name: &str,
        args: Value,
        env: &EnvKey,
        output: Option<OutputSink>,
        cancel: CancellationToken,
    ) -> Result<ToolResult, ToolError> {
        let granted = self.prepare(scopes, name, args, env)?;
        Ok(self.execute(granted, env, output, cancel).await?)
    }

    /// Runs a granted call.
    pub async fn execute(
        &self,
        granted: Granted,
        env: &EnvKey,
        output: Option<OutputSink>,
        cancel: CancellationToken,
    ) -> Result<ToolResult, Busy> {
        let Granted { tool, action } = granted;
        let local = match action {
            Action::Cli { args, deadline } => {
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
            Action::Local(local) => local,
        };
        Ok(match local {
            Local::SessionReady { agent_id } => {
                let message = format!(
                    "Session with {agent_id} is ready. Nothing was run: send each message with execute_agent_contextual (agent_id {agent_id}); the agent keeps its history between turns."
                );
                let ready = SessionStart::Ready(SessionReady {
                    agent_id,
                    message: message.clone(),
                });
                from_local(tool, Ok((ready, message)))
            }
            Local::SetEnvironment(ctx) => {
                lock(&self.environments).set(env.clone(), ctx.clone());
                let message =
                    "your later agent runs pass this environment and project to the conductor";
                let set = EnvironmentSet {
                    environment: ctx.environment,
                    project: ctx.project,
                    message: message.into(),
                };
                from_local(tool, Ok((set, message.to_string())))
            }
            Local::GetSystemConfig => {
                let read = local::system_config(self.project.as_deref()).await;
                from_local(
                    tool,
                    read.map(|config| {
                        let text = config.raw.clone();
                        (config, text)
                    }),
                )
            }
            Local::ClearHistory { agent_id } => {
                let cleared = local::clear_history(self.project.as_deref(), &agent_id).await;
                from_local(
                    tool,
                    cleared.map(|done| {
                        let message = done.message.clone();
                        (done, message)
                    }),
                )
            }
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A local answer (its output and message) as a result in the tool's text shape.
fn from_local<T: Serialize>(
    tool: &'static ToolDef,
    answer: Result<(T, String), LocalError>,
) -> ToolResult {
    match answer.map_err(|e| e.to_string()) {
        Ok((output, message)) => {
            let structured = serde_json::to_value(Envelope {
                status: "success",
                stdout: message.clone(),
                stderr: String::new(),
                returncode: 0,
                output,
            })
            .unwrap_or(Value::Null);
            ToolResult {
                tool: tool.name,
                text: match tool.text_style {
                    TextStyle::Plain => message.clone(),
                    TextStyle::Object => structured.to_string(),
                },
                readable: message,
                structured,
                is_error: false,
                error: None,
                outcome: None,
            }
        }
        Err(reason) => {
            let structured = json!({
                "status": "error",
                "stdout": "",
                "stderr": reason,
                "returncode": 1,
                "error": reason,
            });
            ToolResult {
                tool: tool.name,
                text: match tool.text_style {
                    TextStyle::Plain => format!("❌ {reason}"),
                    TextStyle::Object => structured.to_string(),
                },
                readable: format!("❌ {reason}"),
                structured,
                is_error: true,
                error: Some(reason),
                outcome: None,
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Scope;

    fn conductor() -> Conductor {
        Conductor::new(&Settings::default(), "test", CancellationToken::new())
    }

    #[test]
    fn the_scope_is_checked_before_the_arguments_are_read() {
        let c = conductor();
        let env = EnvKey::principal("reader");
        let read = Scopes::from_names(["read"]);
        // Bad arguments of a tool the key may not call: refused for the scope,
        // so a reader learns nothing of an admin tool's validation.
        let err = c
            .prepare(read, "restore_agents", json!({"nonsense": 1}), &env)
            .unwrap_err();
        assert!(
            matches!(&err, ToolError::Forbidden(why) if why.contains("'admin'")),
            "{err:?}"
        );
        let err = c
            .prepare(read, "get_agent_info", json!({"nonsense": 1}), &env)
            .unwrap_err();
        assert!(matches!(err, ToolError::InvalidArguments(_)), "{err:?}");
        let granted = c
            .prepare(read, "list_available_agents", json!({}), &env)
            .unwrap();
        assert_eq!(granted.tool().scope, Scope::Read);
        assert!(matches!(
            c.prepare(Scopes::ALL, "no_such_tool", json!({}), &env),
            Err(ToolError::UnknownTool(_))
        ));
    }
}
