//! Tools answered from the project's files instead of the CLI: reading
//! `config.yaml` and emptying an agent's history (which `--clear` could only
//! do by also running the agent's model).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::tools::outputs::{HistoryCleared, SystemConfigRead};

/// Why a local tool could not answer; the message is the tool's error text.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("no conductor project folder is configured (conductor.project_path)")]
    NoProject,
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not valid YAML: {source}", path.display())]
    Yaml {
        path: PathBuf,
        source: serde_yaml::Error,
    },
    #[error("agent '{agent_id}' not found in {}", agents.display())]
    UnknownAgent { agent_id: String, agents: PathBuf },
    #[error("this project keeps its agents in MongoDB; clear the history there")]
    MongoStorage,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> LocalError {
    let path = path.to_path_buf();
    move |source| LocalError::Io {
        action,
        path,
        source,
    }
}

/// The project's `config.yaml`, parsed and as text.
pub async fn system_config(project: Option<&Path>) -> Result<SystemConfigRead, LocalError> {
    let project = project.ok_or(LocalError::NoProject)?;
    let path = project.join("config.yaml");
    let raw = tokio::fs::read_to_string(&path)
        .await
        .map_err(io("read", &path))?;
    let config: Value = serde_yaml::from_str(&raw).map_err(|source| LocalError::Yaml {
        path: path.clone(),
        source,
    })?;
    Ok(SystemConfigRead {
        path: path.to_string_lossy().into_owned(),
        config,
        raw,
    })
}

/// Empties `<storage.path>/agents/<agent_id>/history.log`; says how many turns went.
pub async fn clear_history(
    project: Option<&Path>,
    agent_id: &str,
) -> Result<HistoryCleared, LocalError> {
    let project = project.ok_or(LocalError::NoProject)?;
    let workspace = storage_path(project).await?;
    let agent_dir = workspace.join("agents").join(agent_id);
    if !tokio::fs::metadata(&agent_dir)
        .await
        .is_ok_and(|m| m.is_dir())
    {
        return Err(LocalError::UnknownAgent {
            agent_id: agent_id.to_string(),
            agents: workspace.join("agents"),
        });
    }
    let history = agent_dir.join("history.log");
    let cleared = match tokio::fs::read_to_string(&history).await {
        Ok(text) => text.lines().filter(|l| !l.trim().is_empty()).count(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(io("read", &history)(e)),
    };
    if cleared > 0 {
        tokio::fs::write(&history, b"")
            .await
            .map_err(io("empty", &history))?;
    }
    Ok(HistoryCleared {
        agent_id: agent_id.to_string(),
        cleared_entries: cleared,
        message: format!("history of {agent_id} cleared ({cleared} entries removed)"),
    })
}

/// Where the project keeps its agents; only filesystem storage can be cleared here.
async fn storage_path(project: &Path) -> Result<PathBuf, LocalError> {
    let config = match tokio::fs::read_to_string(project.join("config.yaml")).await {
        Ok(text) => serde_yaml::from_str::<Value>(&text).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let storage = &config["storage"];
    if storage["type"].as_str() == Some("mongodb") {
        return Err(LocalError::MongoStorage);
    }
    let rel = storage["path"].as_str().unwrap_or(".conductor_workspace");
    Ok(project.join(rel))
}
