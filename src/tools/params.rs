//! Typed parameters of the 13 tools; their doc comments become schema descriptions.

use schemars::JsonSchema;
use serde::Deserialize;

fn default_timeout() -> u64 {
    120
}

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// Names one agent.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentParams {
    /// The agent's id as `list_available_agents` shows it (letters, digits, `_`, `.`, `-`).
    pub agent_id: String,
}

/// How the CLI prints an execution's answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// Runs an agent once, without history.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteStatelessParams {
    /// The agent to run.
    pub agent_id: String,
    /// The message for the agent.
    pub input_text: String,
    /// Seconds the agent's model call may take.
    #[serde(default = "default_timeout")]
    #[schemars(range(min = 1))]
    pub timeout: u64,
    /// `text` (readable) or `json` (one machine-readable result line).
    #[serde(default)]
    pub output_format: OutputFormat,
}

/// Runs an agent with its conversation history.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteContextualParams {
    /// The agent to run.
    pub agent_id: String,
    /// The message for the agent.
    pub input_text: String,
    /// Seconds the agent's model call may take.
    #[serde(default = "default_timeout")]
    #[schemars(range(min = 1))]
    pub timeout: u64,
    /// Empty the agent's history before this message.
    #[serde(default)]
    pub clear_history: bool,
}

/// Starts a contextual session with an agent.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSessionParams {
    /// The agent to talk to.
    pub agent_id: String,
    /// First message; without it nothing is run and the session is only described.
    #[serde(default)]
    pub initial_input: Option<String>,
    /// Seconds the agent's model call may take.
    #[serde(default = "default_timeout")]
    #[schemars(range(min = 1))]
    pub timeout: u64,
}

/// Installs agent templates.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallParams {
    /// A template category or agent name; omitted, the available templates are listed.
    #[serde(default)]
    pub template_name: Option<String>,
}

/// Backs up the agents.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupParams {
    /// Destination folder, relative to the gateway's files folder; omitted, the CLI's default.
    #[serde(default)]
    pub backup_path: Option<String>,
}

/// Restores the agents from a backup.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreParams {
    /// Backup folder, relative to the gateway's files folder.
    pub backup_path: String,
}

/// A storage backend of the conductor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StorageType {
    Filesystem,
    Mongodb,
}

impl StorageType {
    pub fn as_str(self) -> &'static str {
        match self {
            StorageType::Filesystem => "filesystem",
            StorageType::Mongodb => "mongodb",
        }
    }
}

/// Moves the agents between storage backends.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrateParams {
    /// Storage to read from.
    pub from_type: StorageType,
    /// Storage to write to.
    pub to_type: StorageType,
    /// Destination folder for filesystem targets, relative to the gateway's files folder.
    #[serde(default)]
    pub path: Option<String>,
    /// Leave the conductor's config.yaml unchanged.
    #[serde(default)]
    pub no_config_update: bool,
}

/// Sets the environment and project passed to later agent runs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetEnvironmentParams {
    /// Environment name (for example `development` or `production`).
    pub environment: String,
    /// Project name.
    #[serde(default)]
    pub project: Option<String>,
}
