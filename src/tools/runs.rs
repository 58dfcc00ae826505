//! Agent runs: once without history, with history, and the start of a session.

use super::action::{Action, EnvContext, Limits, Local, agent_run};
use super::outputs::{RunResult, SessionStart};
use super::params::{
    ExecuteContextualParams, ExecuteStatelessParams, OutputFormat, StartSessionParams,
};
use super::validate::{self, ArgError};
use super::{RUN, Scope, SlashAlias, SlashArgs, Spec, TextStyle, Tool};

pub struct ExecuteStateless;

impl Tool for ExecuteStateless {
    const SPEC: Spec = Spec {
        name: "execute_agent_stateless",
        title: "Run an agent once",
        description: "Send one message to an agent and return its answer. No history is read or written: each call stands alone.",
        hints: RUN,
        scope: Scope::Run,
        text_style: TextStyle::Object,
        slash: Some(SlashAlias {
            word: "run",
            args: SlashArgs::AgentText {
                field: "input_text",
            },
            help: "run an agent once (no history)",
        }),
        example: r#"{"agent_id": "CodeReviewer_Agent", "input_text": "Review this function", "output_format": "text"}"#,
        takes_input: true,
    };
    type Params = ExecuteStatelessParams;
    type Output = RunResult;

    fn prepare(
        p: ExecuteStatelessParams,
        limits: &Limits,
        env: &EnvContext,
    ) -> Result<Action, ArgError> {
        let input = Some(("input_text", p.input_text.as_str()));
        let mut argv = agent_run(&p.agent_id, false, input, p.timeout, limits, env)?;
        if p.output_format == OutputFormat::Json {
            argv.extend(["--output".into(), "json".into()]);
        }
        Ok(limits.execution(argv, p.timeout))
    }
}

pub struct ExecuteContextual;

impl Tool for ExecuteContextual {
    const SPEC: Spec = Spec {
        name: "execute_agent_contextual",
        title: "Run an agent with history",
        description: "Send a message to an agent in contextual mode: it sees its earlier conversation and the turn is added to its history. Set clear_history to start afresh.",
        hints: RUN,
        scope: Scope::Run,
        text_style: TextStyle::Object,
        slash: Some(SlashAlias {
            word: "chat",
            args: SlashArgs::AgentText {
                field: "input_text",
            },
            help: "run an agent with its history",
        }),
        example: r#"{"agent_id": "CodeReviewer_Agent", "input_text": "And the tests?", "clear_history": false}"#,
        takes_input: true,
    };
    type Params = ExecuteContextualParams;
    type Output = RunResult;

    fn prepare(
        p: ExecuteContextualParams,
        limits: &Limits,
        env: &EnvContext,
    ) -> Result<Action, ArgError> {
        let input = Some(("input_text", p.input_text.as_str()));
        let mut argv = agent_run(&p.agent_id, true, input, p.timeout, limits, env)?;
        if p.clear_history {
            argv.push("--clear".into());
        }
        Ok(limits.execution(argv, p.timeout))
    }
}

pub struct StartSession;

impl Tool for StartSession {
    const SPEC: Spec = Spec {
        name: "start_interactive_session",
        title: "Start a session",
        description: "Begin a contextual conversation with an agent. With initial_input the first turn runs at once (as execute_agent_contextual); later turns go through execute_agent_contextual. No terminal REPL is kept open.",
        hints: RUN,
        scope: Scope::Run,
        text_style: TextStyle::Object,
        slash: None,
        example: r#"{"agent_id": "CodeReviewer_Agent"}"#,
        takes_input: true,
    };
    type Params = StartSessionParams;
    type Output = SessionStart;

    fn prepare(
        p: StartSessionParams,
        limits: &Limits,
        env: &EnvContext,
    ) -> Result<Action, ArgError> {
        match p.initial_input.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(input) => {
                let input = Some(("initial_input", input));
                let argv = agent_run(&p.agent_id, true, input, p.timeout, limits, env)?;
                Ok(limits.execution(argv, p.timeout))
            }
            None => {
                validate::identifier("agent_id", &p.agent_id)?;
                validate::timeout("timeout", p.timeout, limits.max_timeout)?;
                Ok(Action::Local(Local::SessionReady {
                    agent_id: p.agent_id,
                }))
            }
        }
    }
}
