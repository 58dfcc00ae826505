//! Read-only tools: the agent list, one agent, the project's validation and
//! its `config.yaml`.

use super::action::{Action, EnvContext, Limits, Local};
use super::outputs::{RunResult, SystemConfigRead};
use super::params::{AgentParams, NoParams};
use super::validate::{self, ArgError};
use super::{READ, Scope, SlashAlias, SlashArgs, Spec, TextStyle, Tool};

pub struct ListAgents;

impl Tool for ListAgents {
    const SPEC: Spec = Spec {
        name: "list_available_agents",
        title: "List agents",
        description: "List the conductor agents installed in the project, with their names, capabilities and tags. Start here to find an agent_id.",
        hints: READ,
        scope: Scope::Read,
        text_style: TextStyle::Plain,
        slash: Some(SlashAlias {
            word: "list",
            args: SlashArgs::None,
            help: "list the agents",
        }),
        example: "{}",
        takes_input: false,
    };
    type Params = NoParams;
    type Output = RunResult;

    fn prepare(_: NoParams, limits: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        Ok(limits.cli(vec!["--list".into()]))
    }
}

pub struct AgentInfo;

impl Tool for AgentInfo {
    const SPEC: Spec = Spec {
        name: "get_agent_info",
        title: "Agent details",
        description: "Show one agent's definition: version, author, description, tags, capabilities, files and how many conversation turns its history holds.",
        hints: READ,
        scope: Scope::Read,
        text_style: TextStyle::Plain,
        slash: Some(SlashAlias {
            word: "info",
            args: SlashArgs::Agent,
            help: "show one agent",
        }),
        example: r#"{"agent_id": "CodeReviewer_Agent"}"#,
        takes_input: false,
    };
    type Params = AgentParams;
    type Output = RunResult;

    fn prepare(p: AgentParams, limits: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        validate::identifier("agent_id", &p.agent_id)?;
        Ok(limits.cli(vec!["--info".into(), p.agent_id]))
    }
}

pub struct ValidateSystem;

impl Tool for ValidateSystem {
    const SPEC: Spec = Spec {
        name: "validate_conductor_system",
        title: "Validate the conductor",
        description: "Check the conductor project's configuration, storage, agents and plugins, and report problems.",
        hints: READ,
        scope: Scope::Read,
        text_style: TextStyle::Plain,
        slash: Some(SlashAlias {
            word: "validate",
            args: SlashArgs::None,
            help: "validate the conductor project",
        }),
        example: "{}",
        takes_input: false,
    };
    type Params = NoParams;
    type Output = RunResult;

    fn prepare(_: NoParams, limits: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        Ok(limits.cli(vec!["--validate".into()]))
    }
}

pub struct SystemConfig;

impl Tool for SystemConfig {
    const SPEC: Spec = Spec {
        name: "get_system_config",
        title: "Read conductor config",
        description: "Return the conductor project's config.yaml (storage type and path, plugins, prompt format), parsed and as text.",
        hints: READ,
        scope: Scope::Read,
        text_style: TextStyle::Object,
        slash: Some(SlashAlias {
            word: "config",
            args: SlashArgs::None,
            help: "show the conductor's config.yaml",
        }),
        example: "{}",
        takes_input: false,
    };
    type Params = NoParams;
    type Output = SystemConfigRead;

    fn prepare(_: NoParams, _: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        Ok(Action::Local(Local::GetSystemConfig))
    }
}
