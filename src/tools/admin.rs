//! Tools that change the project: templates, backups, restores, storage
//! migration and clearing an agent's history.

use super::action::{Action, EnvContext, Limits, Local};
use super::outputs::{HistoryCleared, RunResult};
use super::params::{AgentParams, BackupParams, InstallParams, MigrateParams, RestoreParams};
use super::validate::{self, ArgError};
use super::{DESTRUCTIVE, Hints, RUN, Scope, SlashAlias, SlashArgs, Spec, TextStyle, Tool};

pub struct InstallTemplates;

impl Tool for InstallTemplates {
    const SPEC: Spec = Spec {
        name: "install_agent_templates",
        title: "Install templates",
        description: "List the agent templates (no template_name) or install a template category or a single template agent into the project.",
        hints: RUN,
        scope: Scope::Run,
        text_style: TextStyle::Object,
        slash: Some(SlashAlias {
            word: "install",
            args: SlashArgs::OptionalWord {
                field: "template_name",
                placeholder: "name",
            },
            help: "install templates (no name: list them)",
        }),
        example: "{}",
        takes_input: false,
    };
    type Params = InstallParams;
    type Output = RunResult;

    fn prepare(p: InstallParams, limits: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        let name = p
            .template_name
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "list".into());
        validate::identifier("template_name", &name)?;
        Ok(limits.cli(vec!["--install".into(), name]))
    }
}

pub struct Backup;

impl Tool for Backup {
    const SPEC: Spec = Spec {
        name: "backup_agents",
        title: "Back up agents",
        description: "Copy the project's agents to a backup folder (inside the gateway's files folder) and keep a snapshot.",
        hints: Hints {
            read_only: false,
            destructive: false,
            idempotent: true,
        },
        scope: Scope::Admin,
        text_style: TextStyle::Plain,
        slash: None,
        example: r#"{"backup_path": "nightly"}"#,
        takes_input: false,
    };
    type Params = BackupParams;
    type Output = RunResult;

    fn prepare(p: BackupParams, limits: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        let mut argv = vec!["--backup".to_string()];
        if let Some(path) = p.backup_path.filter(|s| !s.is_empty()) {
            argv.extend(["--path".into(), limits.confined("backup_path", &path)?]);
        }
        Ok(limits.cli(argv))
    }
}

pub struct Restore;

impl Tool for Restore {
    const SPEC: Spec = Spec {
        name: "restore_agents",
        title: "Restore agents",
        description: "Replace the project's agents with those of a backup folder. Overwrites current agent files.",
        hints: DESTRUCTIVE,
        scope: Scope::Admin,
        text_style: TextStyle::Object,
        slash: None,
        example: r#"{"backup_path": "nightly"}"#,
        takes_input: false,
    };
    type Params = RestoreParams;
    type Output = RunResult;

    fn prepare(p: RestoreParams, limits: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        let path = limits.confined("backup_path", &p.backup_path)?;
        Ok(limits.cli(vec!["--restore".into(), "--path".into(), path]))
    }
}

pub struct Migrate;

impl Tool for Migrate {
    const SPEC: Spec = Spec {
        name: "migrate_storage",
        title: "Migrate storage",
        description: "Copy the agents from one storage backend to another (filesystem or mongodb) and, unless no_config_update is set, switch the project's configuration to the target.",
        hints: DESTRUCTIVE,
        scope: Scope::Admin,
        text_style: TextStyle::Object,
        slash: None,
        example: r#"{"from_type": "filesystem", "to_type": "filesystem", "path": "migrated", "no_config_update": true}"#,
        takes_input: false,
    };
    type Params = MigrateParams;
    type Output = RunResult;

    fn prepare(p: MigrateParams, limits: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        let mut argv = vec![
            "--migrate-from".to_string(),
            p.from_type.as_str().into(),
            "--migrate-to".into(),
            p.to_type.as_str().into(),
        ];
        if let Some(path) = p.path.filter(|s| !s.is_empty()) {
            argv.extend(["--path".into(), limits.confined("path", &path)?]);
        }
        if p.no_config_update {
            argv.push("--no-config-update".into());
        }
        Ok(limits.cli(argv))
    }
}

pub struct ClearHistory;

impl Tool for ClearHistory {
    const SPEC: Spec = Spec {
        name: "clear_agent_history",
        title: "Clear agent history",
        description: "Empty an agent's conversation history so its next contextual run starts afresh. Does not run the agent.",
        hints: DESTRUCTIVE,
        scope: Scope::Admin,
        text_style: TextStyle::Object,
        slash: Some(SlashAlias {
            word: "clear",
            args: SlashArgs::Agent,
            help: "empty an agent's history",
        }),
        example: r#"{"agent_id": "CodeReviewer_Agent"}"#,
        takes_input: false,
    };
    type Params = AgentParams;
    type Output = HistoryCleared;

    fn prepare(p: AgentParams, _: &Limits, _: &EnvContext) -> Result<Action, ArgError> {
        validate::identifier("agent_id", &p.agent_id)?;
        Ok(Action::Local(Local::ClearHistory {
            agent_id: p.agent_id,
        }))
    }
}
