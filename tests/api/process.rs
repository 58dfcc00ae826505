//! The gateway as a separate process, for what a test cannot do in-process:
//! signals, restarts, its own environment.

use std::path::Path;
use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::DEADLINE;

pub use crate::app::BIN;

/// A demo project under `dir` (created once; reused by a restarted gateway).
pub fn project(dir: &Path) -> std::path::PathBuf {
    let workspace = dir.join("project");
    if !workspace.exists() {
        std::fs::create_dir_all(&workspace).unwrap();
        conductor_double::create_workspace(&workspace).unwrap();
    }
    workspace
}

/// Starts `conductor-gateway serve --config <dir>/config.yaml` with `settings`
/// (JSON, written as YAML) and `env`; its HTTP port once it listens.
pub async fn start(dir: &Path, settings: &Value, env: &[(&str, &str)]) -> (Child, u16) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = dir.join("config.yaml");
    std::fs::write(&config, serde_yaml::to_string(settings).unwrap()).unwrap();
    let mut child = Command::new(BIN)
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the gateway starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port = tokio::time::timeout(DEADLINE, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split(" http=").nth(1) {
                let addr = rest.split_whitespace().next().unwrap();
                return addr.rsplit(':').next().unwrap().parse::<u16>().unwrap();
            }
        }
        panic!("the gateway exited before listening");
    })
    .await
    .expect("the gateway says where it listens");
    // Keep reading so the pipe never fills.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, port)
}
