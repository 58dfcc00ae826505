//! `conductor-gateway mcp --stdio --demo`, spawned as a desktop client would,
//! driven by rmcp's child-process transport.

use std::path::Path;
use std::process::Stdio;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::json;

use crate::helpers::*;

/// Spawns the binary with a config that points the double's log (and mode) into `dir`.
async fn spawn_stdio(dir: &Path, mode: Option<&str>) -> (Client, i32) {
    let log = dir.join("double-argv.log");
    let mut env = format!("    CONDUCTOR_DOUBLE_LOG: {}\n", log.display());
    if let Some(mode) = mode {
        env.push_str(&format!("    CONDUCTOR_DOUBLE_MODE: {mode}\n"));
    }
    let config = dir.join("config.yaml");
    std::fs::write(
        &config,
        format!(
            "conductor:\n  kill_grace_ms: 200\n  env:\n{env}mcp:\n  progress_interval_ms: 50\n"
        ),
    )
    .unwrap();
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(["mcp", "--stdio", "--demo", "--config"])
        .arg(&config);
    let (transport, _stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let pid = transport.id().expect("a pid") as i32;
    let (handler, _progress) = TestClient::new();
    let client = within("initialize over stdio", handler.serve(transport))
        .await
        .expect("the stdio server initializes");
    (client, pid)
}

fn argvs(log: &Path) -> Vec<serde_json::Value> {
    log_entries(log)
        .into_iter()
        .filter_map(|e| e.get("argv").cloned())
        .collect()
}

#[tokio::test]
async fn stdio_serves_the_catalogue_and_runs_the_demo_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (client, pid) = spawn_stdio(dir.path(), None).await;
    let info = client.peer_info().expect("server info");
    let server = info.server_info.as_ref().expect("server identity");
    assert_eq!(server.name, "ConductorAdvancedMCP");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));

    let tools = within("tools/list", client.list_all_tools()).await.unwrap();
    assert_eq!(tools.len(), 13);

    let list = call(&client, "list_available_agents", json!({})).await;
    assert_eq!(list.is_error, Some(false));
    assert!(text(&list).contains("CodeReviewer_Agent"));
    let info = call(
        &client,
        "get_agent_info",
        json!({"agent_id": "DocWriter_Agent"}),
    )
    .await;
    assert_eq!(info.is_error, Some(false), "{info:?}");
    assert_eq!(
        argvs(&dir.path().join("double-argv.log")),
        vec![json!(["--list"]), json!(["--info", "DocWriter_Agent"])]
    );
    let bad = call(&client, "get_agent_info", json!({"agent_id": ""})).await;
    assert_eq!(bad.is_error, Some(true));
    assert!(text(&bad).contains("agent_id"));

    // Closing stdin ends the server.
    client.cancel().await.unwrap();
    all_gone(&[pid]).await;
}

#[tokio::test]
async fn closing_stdin_mid_call_kills_the_process_tree() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("double-argv.log");
    let (client, pid) = spawn_stdio(dir.path(), Some("hang")).await;
    let peer = client.peer().clone();
    tokio::spawn(async move {
        let _ = peer
            .call_tool_once(CallToolRequestParams::new("validate_conductor_system"))
            .await;
    });
    let hung = eventually("the hanging double", || {
        log_entries(&log).iter().find_map(|e| {
            Some((
                e.get("pid")?.as_i64()? as i32,
                e.get("child_pid")?.as_i64()? as i32,
            ))
        })
    })
    .await;
    let mut all = pids(&[hung]);
    assert!(all.iter().all(|p| alive(*p)));
    client.cancel().await.unwrap();
    all.push(pid);
    all_gone(&all).await;
}
