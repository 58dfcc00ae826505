//! The conductor project on disk as the double reads it: `./config.yaml`, the agents under
//! `<storage.path>/agents/<id>/` (definition.yaml, persona.md, history.log, session.json).

use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

/// Files of an agent home, in the order `--info` reports them.
pub const AGENT_FILES: [&str; 6] = [
    "definition.yaml",
    "persona.md",
    "session.json",
    "knowledge.json",
    "history.log",
    "playbook.yaml",
];

/// Why `config.yaml` could not be used, worded as the CLI's `ConfigurationError`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("Arquivo de configuração não encontrado em: config.yaml")]
    NotFound,
    #[error("Erro ao carregar ou validar a configuração: {0}")]
    Invalid(String),
}

pub struct Config {
    pub storage_type: String,
    pub storage_path: String,
    pub tool_plugins: Vec<String>,
}

impl Config {
    /// Loads `./config.yaml`; the error text is the CLI's `ConfigurationError` message.
    pub fn load(cwd: &Path) -> Result<Config, ConfigError> {
        let text = match fs::read_to_string(cwd.join("config.yaml")) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound);
            }
            Err(e) => return Err(ConfigError::Invalid(e.to_string())),
        };
        let doc: Value =
            serde_yaml::from_str(&text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let storage = &doc["storage"];
        Ok(Config {
            storage_type: scalar(&storage["type"]).unwrap_or_else(|| "filesystem".into()),
            storage_path: scalar(&storage["path"]).unwrap_or_else(|| ".conductor_workspace".into()),
            tool_plugins: strings(&doc["tool_plugins"]),
        })
    }

    pub fn workspace(&self, cwd: &Path) -> PathBuf {
        cwd.join(&self.storage_path)
    }

    pub fn agents_dir(&self, cwd: &Path) -> PathBuf {
        self.workspace(cwd).join("agents")
    }
}

/// An agent with a readable `definition.yaml` (what discovery accepts).
pub struct Agent {
    pub id: String,
    pub dir: PathBuf,
    def: Value,
}

impl Agent {
    pub fn load(agents_dir: &Path, id: &str) -> Option<Agent> {
        // An id is one directory name; anything else could reach outside the workspace.
        if id.is_empty() || id.contains('/') || id == "." || id == ".." {
            return None;
        }
        let dir = agents_dir.join(id);
        let text = fs::read_to_string(dir.join("definition.yaml")).ok()?;
        let def: Value = serde_yaml::from_str(&text).ok()?;
        def.is_mapping().then(|| Agent {
            id: id.to_string(),
            dir,
            def,
        })
    }

    /// A scalar field as Python's `str()` would show it.
    pub fn text(&self, key: &str) -> Option<String> {
        self.def.get(key).and_then(scalar)
    }

    /// Name with the default discovery fills in.
    pub fn name(&self) -> String {
        self.text("name").unwrap_or_else(|| self.id.clone())
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        self.def.get(key).map(strings).unwrap_or_default()
    }

    pub fn has(&self, key: &str) -> bool {
        self.def.get(key).is_some()
    }
}

/// Agents sorted by directory name; directories without a definition are skipped.
pub fn discover(agents_dir: &Path) -> Vec<Agent> {
    let mut agents: Vec<Agent> = subdirs(agents_dir)
        .iter()
        .filter_map(|id| Agent::load(agents_dir, id))
        .collect();
    agents.sort_by(|a, b| a.id.cmp(&b.id));
    agents
}

/// Names of the sub-directories of `dir`, sorted (the CLI uses directory order, which is
/// arbitrary; sorting keeps the double deterministic).
pub fn subdirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The JSONL entries of `history.log` (one interaction per non-empty line).
pub fn history(agent_dir: &Path) -> Vec<String> {
    let text = fs::read_to_string(agent_dir.join("history.log")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        _ => None,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|items| items.iter().filter_map(scalar).collect())
        .unwrap_or_default()
}
