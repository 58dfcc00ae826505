//! The 13 tools, defined once: name, description, input schema, hints and scope.
//!
//! MCP, the REST tool endpoints, the LLM's function list and the OpenAPI
//! document all read this table, so a tool is added in one place.

use std::sync::{Arc, LazyLock};

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::Serialize;
use serde_json::{Map, Value};

use super::params::*;

/// What a caller must be allowed to do to call a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read-only queries.
    Read,
    /// Runs agents.
    Run,
    /// Changes or copies stored agents.
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Run => "run",
            Scope::Admin => "admin",
        }
    }
}

/// How a tool's result reads as text (the old service's two shapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    /// The CLI's stdout, or a `❌` line on failure.
    Plain,
    /// The JSON text of `{"status", "stdout", "stderr", "returncode", "command"}`.
    Object,
}

/// MCP-style behaviour hints.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
}

/// One tool of the catalogue.
#[derive(Debug, Clone)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub input_schema: Arc<Map<String, Value>>,
    pub hints: Hints,
    pub scope: Scope,
    pub text_style: TextStyle,
}

/// The input schema of `T`, subschemas inlined (function-calling APIs reject `$ref`).
pub fn schema_of<T: JsonSchema>() -> Arc<Map<String, Value>> {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut object = match serde_json::to_value(schema) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    object.remove("$schema");
    object.remove("title");
    object.remove("description");
    object
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    Arc::new(object)
}

const READ: Hints = Hints {
    read_only: true,
    destructive: false,
    idempotent: true,
};
const RUN: Hints = Hints {
    read_only: false,
    destructive: false,
    idempotent: false,
};
const DESTRUCTIVE: Hints = Hints {
    read_only: false,
    destructive: true,
    idempotent: false,
};

fn def<T: JsonSchema>(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    hints: Hints,
    scope: Scope,
    text_style: TextStyle,
) -> ToolDef {
    ToolDef {
        name,
        title,
        description,
        input_schema: schema_of::<T>(),
        hints,
        scope,
        text_style,
    }
}

static CATALOGUE: LazyLock<Vec<ToolDef>> = LazyLock::new(|| {
    use Scope::*;
    use TextStyle::*;
    vec![
        def::<NoParams>(
            "list_available_agents",
            "List agents",
            "List the conductor agents installed in the project, with their names, capabilities and tags. Start here to find an agent_id.",
            READ,
            Read,
            Plain,
        ),
        def::<AgentParams>(
            "get_agent_info",
            "Agent details",
            "Show one agent's definition: version, author, description, tags, capabilities, files and how many conversation turns its history holds.",
            READ,
            Read,
            Plain,
        ),
        def::<NoParams>(
            "validate_conductor_system",
            "Validate the conductor",
            "Check the conductor project's configuration, storage, agents and plugins, and report problems.",
            READ,
            Read,
            Plain,
        ),
        def::<ExecuteStatelessParams>(
            "execute_agent_stateless",
            "Run an agent once",
            "Send one message to an agent and return its answer. No history is read or written: each call stands alone.",
            RUN,
            Run,
            Object,
        ),
        def::<ExecuteContextualParams>(
            "execute_agent_contextual",
            "Run an agent with history",
            "Send a message to an agent in contextual mode: it sees its earlier conversation and the turn is added to its history. Set clear_history to start afresh.",
            RUN,
            Run,
            Object,
        ),
        def::<StartSessionParams>(
            "start_interactive_session",
            "Start a session",
            "Begin a contextual conversation with an agent. With initial_input the first turn runs at once (as execute_agent_contextual); later turns go through execute_agent_contextual. No terminal REPL is kept open.",
            RUN,
            Run,
            Object,
        ),
        def::<InstallParams>(
            "install_agent_templates",
            "Install templates",
            "List the agent templates (no template_name) or install a template category or a single template agent into the project.",
            RUN,
            Run,
            Object,
        ),
        def::<BackupParams>(
            "backup_agents",
            "Back up agents",
            "Copy the project's agents to a backup folder (inside the gateway's files folder) and keep a snapshot.",
            Hints {
                read_only: false,
                destructive: false,
                idempotent: true,
            },
            Admin,
            Plain,
        ),
        def::<RestoreParams>(
            "restore_agents",
            "Restore agents",
            "Replace the project's agents with those of a backup folder. Overwrites current agent files.",
            DESTRUCTIVE,
            Admin,
            Object,
        ),
        def::<MigrateParams>(
            "migrate_storage",
            "Migrate storage",
            "Copy the agents from one storage backend to another (filesystem or mongodb) and, unless no_config_update is set, switch the project's configuration to the target.",
            DESTRUCTIVE,
            Admin,
            Object,
        ),
        def::<SetEnvironmentParams>(
            "set_environment",
            "Set environment",
            "Set the environment (and optionally the project) that later agent runs of this gateway pass to the conductor as --environment/--project.",
            Hints {
                read_only: false,
                destructive: false,
                idempotent: true,
            },
            Run,
            Object,
        ),
        def::<NoParams>(
            "get_system_config",
            "Read conductor config",
            "Return the conductor project's config.yaml (storage type and path, plugins, prompt format), parsed and as text.",
            READ,
            Read,
            Object,
        ),
        def::<AgentParams>(
            "clear_agent_history",
            "Clear agent history",
            "Empty an agent's conversation history so its next contextual run starts afresh. Does not run the agent.",
            DESTRUCTIVE,
            Admin,
            Object,
        ),
    ]
});

/// Every tool, in the contract's order.
pub fn tools() -> &'static [ToolDef] {
    &CATALOGUE
}

/// The tool called `name`.
pub fn find(name: &str) -> Option<&'static ToolDef> {
    CATALOGUE.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_tools_with_object_schemas_and_descriptions() {
        assert_eq!(tools().len(), 13);
        for tool in tools() {
            assert_eq!(
                tool.input_schema.get("type"),
                Some(&Value::from("object")),
                "{}",
                tool.name
            );
            assert!(!tool.description.is_empty());
            let text = serde_json::to_string(&*tool.input_schema).unwrap();
            assert!(
                !text.contains("$ref"),
                "{} schema has a $ref: {text}",
                tool.name
            );
        }
    }

    #[test]
    fn schemas_carry_defaults_and_field_docs() {
        let schema = &find("execute_agent_stateless").unwrap().input_schema;
        let props = schema["properties"].as_object().unwrap();
        assert_eq!(props["timeout"]["default"], 120);
        assert_eq!(
            props["output_format"]["enum"],
            serde_json::json!(["text", "json"])
        );
        assert!(
            props["agent_id"]["description"]
                .as_str()
                .unwrap()
                .contains("agent")
        );
        assert_eq!(
            schema["required"],
            serde_json::json!(["agent_id", "input_text"])
        );
    }
}
