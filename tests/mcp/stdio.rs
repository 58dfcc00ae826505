//! `conductor-gateway mcp --stdio --demo`, spawned as a desktop client would,
//! driven by rmcp's child-process transport.

use std::path::Path;
use std::process::Stdio;

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ProgressNotificationParam};
use rmcp::transport::TokioChildProcess;
use serde_json::json;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::helpers::*;

/// Spawns the binary with a config that points the double's log (and mode) into `dir`;
/// the client, the server's pid and the progress notifications it receives.
async fn spawn_stdio(
    dir: &Path,
    mode: Option<&str>,
) -> (Client, i32, UnboundedReceiver<ProgressNotificationParam>) {
    let log = dir.join("double-argv.log");
    let mut env = format!("    CONDUCTOR_DOUBLE_LOG: {}\n", log.display());
    if let Some(mode) = mode {
        env.push_str(&format!(
            "    CONDUCTOR_DOUBLE_MODE: {mode}\n    CONDUCTOR_DOUBLE_DELAY_MS: \"20\"\n    CONDUCTOR_DOUBLE_DRIP_LINES: \"2\"\n"
        ));
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
    let (handler, progress) = TestClient::new();
    let client = within("initialize over stdio", handler.serve(transport))
        .await
        .expect("the stdio server initializes");
    (client, pid, progress)
}

#[tokio::test]
async fn stdio_serves_the_catalogue_runs_every_tool_and_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("double-argv.log");
    let (client, pid, mut progress) = spawn_stdio(dir.path(), Some("drip")).await;
    let info = client.peer_info().expect("server info");
    let server = info.server_info.as_ref().expect("server identity");
    assert_eq!(server.name, "ConductorAdvancedMCP");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));

    let tools = within("tools/list", client.list_all_tools()).await.unwrap();
    assert_eq!(tools.len(), 13);
    every_tool(&log, &tools, async |name, arguments| {
        call(&client, name, arguments).await
    })
    .await;
    // Every run dripped `linha 1`: its notification came before the result.
    let first = progress.try_recv().expect("a progress notification");
    assert!(first.message.unwrap().contains("linha 1"));

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
    let (client, pid, _) = spawn_stdio(dir.path(), Some("hang")).await;
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
