//! The 13 tools, each declared once as a type: its parameters, how valid
//! parameters become a CLI argument vector or a local action, its typed
//! output, its hints and scope, and its slash alias.
//!
//! MCP, the REST tool endpoints, the LLM's function list, the slash grammar
//! and the OpenAPI document all read [`all`], so adding a tool is one file
//! (one of the groups below) plus a line in [`CATALOGUE`].
//!
//! - `params`: parameter structs shared by several tools.
//! - `validate`: argument checks (identifiers, input size, timeouts, confined paths).
//! - `action`: what a valid call does (`Action`), validation limits, the caller's environment.
//! - `outputs`: the typed outputs (a CLI run, local answers) and the output schemas.
//! - `queries`, `runs`, `admin`, `session`: the tools, by what they do.

mod action;
mod admin;
pub mod outputs;
pub mod params;
mod queries;
mod runs;
mod session;
pub mod validate;

use std::sync::{Arc, LazyLock};

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use crate::auth::Scope;
pub use action::{Action, EnvContext, Limits, Local, parse};
pub use outputs::{Outcome, RunResult};
pub use validate::ArgError;

/// How a tool's result reads as text (the old service's two shapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    /// The CLI's stdout, or a `❌` line on failure.
    Plain,
    /// The JSON text of `{"status", "stdout", "stderr", "returncode", ...}`.
    Object,
}

/// MCP-style behaviour hints.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
}

/// Queries: nothing changes.
pub const READ: Hints = Hints {
    read_only: true,
    destructive: false,
    idempotent: true,
};
/// Runs: something happens, nothing is overwritten.
pub const RUN: Hints = Hints {
    read_only: false,
    destructive: false,
    idempotent: false,
};
/// Overwrites or deletes stored data.
pub const DESTRUCTIVE: Hints = Hints {
    read_only: false,
    destructive: true,
    idempotent: false,
};

/// The words of a slash alias after its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlashArgs {
    /// `/list`
    None,
    /// `/info <agent>`: the word is `agent_id`.
    Agent,
    /// `/run <agent> <text>`: `agent_id`, and the rest verbatim in `field`.
    AgentText { field: &'static str },
    /// `/install [name]`: an optional word in `field`.
    OptionalWord {
        field: &'static str,
        placeholder: &'static str,
    },
}

/// A tool's direct-mode command.
#[derive(Debug, Clone, Copy)]
pub struct SlashAlias {
    pub word: &'static str,
    pub args: SlashArgs,
    /// One line for `/help`.
    pub help: &'static str,
}

impl SlashAlias {
    /// `/run <agent> <text>`, as usage messages show it.
    pub fn usage(&self) -> String {
        match self.args {
            SlashArgs::None => format!("/{}", self.word),
            SlashArgs::Agent => format!("/{} <agent>", self.word),
            SlashArgs::AgentText { .. } => format!("/{} <agent> <text>", self.word),
            SlashArgs::OptionalWord { placeholder, .. } => {
                format!("/{} [{placeholder}]", self.word)
            }
        }
    }
}

/// What a tool is, apart from its types.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub hints: Hints,
    pub scope: Scope,
    pub text_style: TextStyle,
    pub slash: Option<SlashAlias>,
    /// A valid call's arguments as JSON text (docs, examples).
    pub example: &'static str,
    /// Whether a caller's text reaches the CLI (413 when it is too large).
    pub takes_input: bool,
}

/// One tool, declared as a type.
pub trait Tool {
    const SPEC: Spec;
    /// Its arguments; doc comments become schema descriptions.
    type Params: DeserializeOwned + JsonSchema;
    /// What its structured result holds.
    type Output: JsonSchema;
    /// Valid parameters to what the call does.
    fn prepare(params: Self::Params, limits: &Limits, env: &EnvContext)
    -> Result<Action, ArgError>;
}

type PrepareFn = fn(Value, &Limits, &EnvContext) -> Result<Action, ArgError>;

/// A tool of the catalogue, with its schemas built once.
#[derive(Debug, Clone)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub hints: Hints,
    pub scope: Scope,
    pub text_style: TextStyle,
    pub slash: Option<SlashAlias>,
    pub example: &'static str,
    pub takes_input: bool,
    pub input_schema: Arc<Map<String, Value>>,
    /// What `structuredContent` holds (MCP) and `result` (REST).
    pub output_schema: Arc<Map<String, Value>>,
    prepare: PrepareFn,
}

impl ToolDef {
    fn of<T: Tool>() -> Self {
        let spec = T::SPEC;
        Self {
            name: spec.name,
            title: spec.title,
            description: spec.description,
            hints: spec.hints,
            scope: spec.scope,
            text_style: spec.text_style,
            slash: spec.slash,
            example: spec.example,
            takes_input: spec.takes_input,
            input_schema: schema_of::<T::Params>(),
            output_schema: outputs::output_schema::<T::Output>(spec.text_style),
            prepare: |args, limits, env| T::prepare(parse(args)?, limits, env),
        }
    }

    /// Validates `args` (JSON; `null` reads as `{}`) into what the call does.
    pub fn prepare(
        &self,
        args: Value,
        limits: &Limits,
        env: &EnvContext,
    ) -> Result<Action, ArgError> {
        (self.prepare)(args, limits, env)
    }

    /// The example arguments as JSON.
    pub fn example_arguments(&self) -> Value {
        serde_json::from_str(self.example).unwrap_or_else(|_| Value::Object(Map::new()))
    }
}

/// The list that holds them all, in the contract's order.
static CATALOGUE: LazyLock<Vec<ToolDef>> = LazyLock::new(|| {
    vec![
        ToolDef::of::<queries::ListAgents>(),
        ToolDef::of::<queries::AgentInfo>(),
        ToolDef::of::<queries::ValidateSystem>(),
        ToolDef::of::<runs::ExecuteStateless>(),
        ToolDef::of::<runs::ExecuteContextual>(),
        ToolDef::of::<runs::StartSession>(),
        ToolDef::of::<admin::InstallTemplates>(),
        ToolDef::of::<admin::Backup>(),
        ToolDef::of::<admin::Restore>(),
        ToolDef::of::<admin::Migrate>(),
        ToolDef::of::<session::SetEnvironment>(),
        ToolDef::of::<queries::SystemConfig>(),
        ToolDef::of::<admin::ClearHistory>(),
    ]
});

/// Every tool, in the contract's order.
pub fn all() -> &'static [ToolDef] {
    &CATALOGUE
}

/// The tool called exactly `name` (names are case-sensitive).
pub fn find(name: &str) -> Option<&'static ToolDef> {
    CATALOGUE.iter().find(|t| t.name == name)
}

/// The tool whose slash alias is `word`.
pub fn by_slash(word: &str) -> Option<(&'static ToolDef, SlashAlias)> {
    CATALOGUE
        .iter()
        .find_map(|t| t.slash.filter(|s| s.word == word).map(|s| (t, s)))
}

/// Validates a call of tool `name`.
pub fn prepare(
    name: &str,
    args: Value,
    limits: &Limits,
    env: &EnvContext,
) -> Result<Action, ArgError> {
    match find(name) {
        Some(tool) => tool.prepare(args, limits, env),
        None => Err(ArgError::new("name", format!("unknown tool {name}"))),
    }
}

/// The JSON Schema of `T`, subschemas inlined (function-calling APIs reject `$ref`).
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

#[cfg(test)]
#[path = "catalogue_tests.rs"]
mod tests;
