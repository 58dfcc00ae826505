//! The gateway as a separate process, for what a test cannot do in-process:
//! signals, restarts, its own environment.

#![allow(dead_code)]

use std::path::Path;
use std::process::Stdio;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{DEADLINE, Sse, collect_events, read_log};

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
    let (child, http, _) = start_listening(dir, settings, env).await;
    (child, http)
}

/// As `start`, with the MCP port too when MCP is on.
pub async fn start_listening(
    dir: &Path,
    settings: &Value,
    env: &[(&str, &str)],
) -> (Child, u16, Option<u16>) {
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
    let (port, mcp) = tokio::time::timeout(DEADLINE, async {
        let mut said = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            said.push_str(&line);
            said.push('\n');
            if let Some(rest) = line.split(" http=").nth(1) {
                let addr = rest.split_whitespace().next().unwrap();
                let http = addr.rsplit(':').next().unwrap().parse::<u16>().unwrap();
                let mcp = line.split(" mcp=Some(").nth(1).map(|rest| {
                    let addr = rest.split(')').next().unwrap();
                    addr.rsplit(':').next().unwrap().parse::<u16>().unwrap()
                });
                return (http, mcp);
            }
        }
        panic!("the gateway exited before listening:\n{said}");
    })
    .await
    .expect("the gateway says where it listens");
    // Keep reading so the pipe never fills; the log stays beside the config.
    let log = dir.join("gateway.log");
    tokio::spawn(async move {
        use std::io::Write;
        let mut file = std::fs::File::create(log).ok();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(f) = file.as_mut() {
                let _ = writeln!(f, "{line}");
            }
        }
    });
    (child, port, mcp)
}

/// A gateway process and a client of its HTTP port.
pub struct Gateway {
    pub child: Child,
    pub base: String,
    /// The MCP listener's base URL, when MCP is on.
    pub mcp: Option<String>,
    pub client: reqwest::Client,
}

impl Gateway {
    /// Starts `serve` with `settings` (see `start`).
    pub async fn start(dir: &Path, settings: &Value) -> Self {
        let (child, port, mcp) = start_listening(dir, settings, &[]).await;
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            mcp: mcp.map(|port| format!("http://127.0.0.1:{port}")),
            client: reqwest::Client::builder()
                .timeout(DEADLINE)
                .build()
                .unwrap(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap()
    }

    /// `GET path`, which must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    pub async fn job(&self, id: &str) -> Value {
        self.get_json(&format!("/api/v1/jobs/{id}")).await
    }

    pub async fn stream(&self, id: &str, after: Option<u64>) -> Vec<Sse> {
        let mut req = self.client.get(format!("{}/api/v1/stream/{id}", self.base));
        if let Some(after) = after {
            req = req.header("Last-Event-ID", after.to_string());
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        collect_events(r, usize::MAX).await
    }

    pub async fn stop(mut self, signal: Signal) {
        kill(Pid::from_raw(self.child.id().unwrap() as i32), signal).unwrap();
        tokio::time::timeout(DEADLINE, self.child.wait())
            .await
            .expect("the gateway exits")
            .unwrap();
    }

    /// Waits until `/health` says whether the job store answers (`checks.store.ok`),
    /// and returns the body.
    pub async fn until_store_ok(&self, ok: bool) -> Value {
        tokio::time::timeout(DEADLINE, async {
            loop {
                let url = format!("{}/health", self.base);
                let health: Value = match self.client.get(url).send().await {
                    Ok(r) => r.json().await.unwrap_or(Value::Null),
                    Err(_) => Value::Null,
                };
                if health["checks"]["store"]["ok"] == ok {
                    return health;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("the store check never became {ok}"))
    }

    /// Waits until the job is in `state`.
    pub async fn until(&self, id: &str, state: &str) {
        tokio::time::timeout(DEADLINE, async {
            while self.job(id).await["state"] != state {
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{id} never became {state}"));
    }
}

/// The pids the CLI double logged (itself and the child it left), once it has.
pub async fn cli_pids(log: &Path) -> Vec<i32> {
    tokio::time::timeout(DEADLINE, async {
        loop {
            let found: Vec<i32> = read_log(log)
                .iter()
                .filter_map(|e| {
                    Some([
                        e.get("pid")?.as_i64()? as i32,
                        e.get("child_pid")?.as_i64()? as i32,
                    ])
                })
                .flatten()
                .collect();
            if !found.is_empty() {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the double reports its processes")
}
