//! Tools answered from the project's files instead of the CLI: reading
//! `config.yaml` and emptying an agent's history (which `--clear` could only
//! do by also running the agent's model).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::tools::outputs::{HistoryCleared, SystemConfigRead};

/// The project's `config.yaml`, parsed and as text.
pub async fn system_config(project: Option<&Path>) -> Result<SystemConfigRead, String> {
    let project =
        project.ok_or("no conductor project folder is configured (conductor.project_path)")?;
    let path = project.join("config.yaml");
    let raw = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let config: Value = serde_yaml::from_str(&raw)
        .map_err(|e| format!("{} is not valid YAML: {e}", path.display()))?;
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
) -> Result<HistoryCleared, String> {
    let project =
        project.ok_or("no conductor project folder is configured (conductor.project_path)")?;
    let workspace = storage_path(project).await?;
    let agent_dir = workspace.join("agents").join(agent_id);
    if !tokio::fs::metadata(&agent_dir)
        .await
        .is_ok_and(|m| m.is_dir())
    {
        return Err(format!(
            "agent '{agent_id}' not found in {}",
            workspace.join("agents").display()
        ));
    }
    let history = agent_dir.join("history.log");
    let cleared = match tokio::fs::read_to_string(&history).await {
        Ok(text) => text.lines().filter(|l| !l.trim().is_empty()).count(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(format!("cannot read {}: {e}", history.display())),
    };
    if cleared > 0 {
        tokio::fs::write(&history, b"")
            .await
            .map_err(|e| format!("cannot empty {}: {e}", history.display()))?;
    }
    Ok(HistoryCleared {
        agent_id: agent_id.to_string(),
        cleared_entries: cleared,
        message: format!("history of {agent_id} cleared ({cleared} entries removed)"),
    })
}

/// Where the project keeps its agents; only filesystem storage can be cleared here.
async fn storage_path(project: &Path) -> Result<PathBuf, String> {
    let config = match tokio::fs::read_to_string(project.join("config.yaml")).await {
        Ok(text) => serde_yaml::from_str::<Value>(&text).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let storage = &config["storage"];
    if storage["type"].as_str() == Some("mongodb") {
        return Err("this project keeps its agents in MongoDB; clear the history there".into());
    }
    let rel = storage["path"].as_str().unwrap_or(".conductor_workspace");
    Ok(project.join(rel))
}
