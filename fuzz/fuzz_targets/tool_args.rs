//! Fuzzes `tools::prepare`, the validation between a caller's JSON
//! arguments and the CLI's argument vector, for every catalogue tool. Field
//! names come mostly from the tools' real parameters so the fuzzer gets past
//! the schema into the checks. Beyond "never panics": every argv it accepts
//! follows the CLI grammar (tests/common/argv_shape.rs), so caller text only
//! ever reaches the CLI joined to `--input=` (or `--environment=`/`--project=`),
//! identifiers match their pattern and paths stay inside the files folder.

#![no_main]

#[path = "../../tests/common/argv_shape.rs"]
mod argv_shape;

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use arbitrary::Arbitrary;
use conductor_gateway::tools::{Limits, prepare};
use conductor_gateway::tools::{self as catalogue, Action as Prepared, EnvContext};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

static ROOT: LazyLock<(tempfile::TempDir, PathBuf)> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("files");
    std::fs::create_dir_all(&root).expect("files folder");
    let canonical = root.canonicalize().expect("canonical root");
    (dir, canonical)
});

static LIMITS: LazyLock<Limits> = LazyLock::new(|| Limits {
    max_input_bytes: 4096,
    max_timeout: 3600,
    cli_timeout: Duration::from_secs(300),
    timeout_margin: Duration::from_secs(15),
    files_root: Some(ROOT.1.clone()),
});

#[derive(Debug, Arbitrary)]
enum Key {
    AgentId,
    InputText,
    Timeout,
    OutputFormat,
    ClearHistory,
    InitialInput,
    TemplateName,
    BackupPath,
    FromType,
    ToType,
    Path,
    NoConfigUpdate,
    Environment,
    Project,
    Other(String),
}

impl Key {
    fn name(&self) -> &str {
        match self {
            Key::AgentId => "agent_id",
            Key::InputText => "input_text",
            Key::Timeout => "timeout",
            Key::OutputFormat => "output_format",
            Key::ClearHistory => "clear_history",
            Key::InitialInput => "initial_input",
            Key::TemplateName => "template_name",
            Key::BackupPath => "backup_path",
            Key::FromType => "from_type",
            Key::ToType => "to_type",
            Key::Path => "path",
            Key::NoConfigUpdate => "no_config_update",
            Key::Environment => "environment",
            Key::Project => "project",
            Key::Other(s) => s,
        }
    }
}

/// Values the checks care about, besides arbitrary ones.
#[derive(Debug, Arbitrary)]
enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Text(String),
    Flag(String),
    Word(u8),
    Nested(Vec<String>),
}

impl Val {
    fn json(self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::from(b),
            Val::Int(n) => Value::from(n),
            Val::Uint(n) => Value::from(n),
            Val::Float(f) => serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Val::Text(s) => Value::from(s),
            Val::Flag(s) => Value::from(format!("--{s}")),
            Val::Word(w) => Value::from(
                [
                    "text",
                    "json",
                    "filesystem",
                    "mongodb",
                    "CodeReviewer_Agent",
                    "list",
                    "..",
                    "../x",
                    "/etc",
                    "a/../../b",
                    "backups/one",
                    "-x",
                    " ",
                    "a\0b",
                    "120",
                ][usize::from(w) % 15],
            ),
            Val::Nested(items) => Value::from(items),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    tool: u8,
    fields: Vec<(Key, Val)>,
    environment: Option<String>,
    project: Option<String>,
}

fuzz_target!(|input: Input| {
    let tools = catalogue::all();
    let tool = &tools[usize::from(input.tool) % tools.len()];
    let mut args = Map::new();
    for (key, val) in input.fields {
        args.insert(key.name().to_string(), val.json());
    }
    let given_input = ["input_text", "initial_input"]
        .iter()
        .find_map(|k| args.get(*k).and_then(Value::as_str).map(str::to_string));
    let ctx = EnvContext {
        environment: input.environment,
        project: input.project,
    };
    let Ok(prepared) = prepare(tool.name, Value::Object(args), &LIMITS, &ctx) else {
        return;
    };
    if let Prepared::Cli { args, deadline } = prepared {
        if let Err(why) = argv_shape::check_argv(&args, Some(&ROOT.1)) {
            panic!("{}: {why}: {args:?}", tool.name);
        }
        assert!(deadline > Duration::ZERO);
        if let Some(joined) = args.iter().find_map(|a| a.strip_prefix("--input=")) {
            assert_eq!(
                Some(joined),
                given_input.as_deref(),
                "the input text was altered"
            );
        }
    }
});
