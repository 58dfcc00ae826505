//! `set_environment`: the environment and project later agent runs of the caller pass on.

use super::action::{Action, EnvContext, Limits, Local};
use super::outputs::EnvironmentSet;
use super::params::SetEnvironmentParams;
use super::validate::{self, ArgError};
use super::{Hints, Scope, Spec, TextStyle, Tool};

pub struct SetEnvironment;

impl Tool for SetEnvironment {
    const SPEC: Spec = Spec {
        name: "set_environment",
        title: "Set environment",
        description: "Set the environment (and optionally the project) that your later agent runs pass to the conductor as --environment/--project. It applies to the calling API key (and, over MCP, to this session).",
        hints: Hints {
            read_only: false,
            destructive: false,
            idempotent: true,
        },
        scope: Scope::Run,
        text_style: TextStyle::Object,
        slash: None,
        example: r#"{"environment": "development", "project": "demo"}"#,
        takes_input: false,
    };
    type Params = SetEnvironmentParams;
    type Output = EnvironmentSet;

    fn prepare(p: SetEnvironmentParams, _: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        validate::label("environment", &p.environment)?;
        if let Some(project) = &p.project {
            validate::label("project", project)?;
        }
        Ok(Action::Local(Local::SetEnvironment(EnvContext {
            environment: Some(p.environment),
            project: p.project,
        })))
    }
}
