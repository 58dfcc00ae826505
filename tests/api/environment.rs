//! What reaches the conductor CLI's environment: an allow-list, the names in
//! `conductor.pass_env`, and `conductor.env`; never the gateway's secrets,
//! whatever the case of their names. Run as a process, because a test
//! cannot safely change its own environment.

use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::DEADLINE;

const BIN: &str = env!("CARGO_BIN_EXE_conductor-gateway");

#[tokio::test]
async fn the_cli_gets_the_allow_list_and_nothing_else() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("project");
    std::fs::create_dir_all(&workspace).unwrap();
    conductor_double::create_workspace(&workspace).unwrap();
    let log = dir.path().join("double.log");
    let config = dir.path().join("config.yaml");
    let settings = json!({
        "server": {"host": "127.0.0.1", "port": 0, "mcp_port": 0},
        "store": {"backend": "memory"},
        "conductor": {
            "project_path": workspace,
            "command": [BIN, "demo-cli"],
            "pass_env": ["PASS_ME"],
            "env": {"CONDUCTOR_DOUBLE_MODE": "env", "CONDUCTOR_DOUBLE_LOG": log},
        },
    });
    std::fs::write(&config, serde_yaml::to_string(&settings).unwrap()).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .env("OPENAI_API_KEY", "sk-gateway-secret")
        .env("gateway_llm__model", "lowercase-still-ours")
        .env("Openai_Api_Key", "sk-mixed-case-secret")
        .env("AWS_SECRET_ACCESS_KEY", "cloud-secret")
        .env("PASS_ME", "passed")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
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
    .expect("the gateway listens");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let client = reqwest::Client::builder()
        .timeout(DEADLINE)
        .build()
        .unwrap();
    let answer: Value = client
        .post(format!("http://127.0.0.1:{port}/execute"))
        .json(&json!({"input": "/list"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["status"], "success", "{answer}");
    let text = std::fs::read_to_string(&log).unwrap();
    let entry: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| e.get("env").is_some())
        .expect("the double logged its environment");
    let env = entry["env"].as_object().unwrap();
    assert_eq!(env["PASS_ME"], "passed");
    assert_eq!(env["LC_ALL"], "C.UTF-8");
    assert!(env.contains_key("PATH"));
    assert_eq!(env["CONDUCTOR_DOUBLE_MODE"], "env", "conductor.env is set");
    let dump = serde_json::to_string(env).unwrap();
    for secret in [
        "sk-gateway-secret",
        "lowercase-still-ours",
        "sk-mixed-case-secret",
        "cloud-secret",
    ] {
        assert!(!dump.contains(secret), "{secret} reached the CLI: {dump}");
    }
    let allowed = [
        "PATH", "HOME", "LANG", "TERM", "TZ", "USER", "LOGNAME", "TMPDIR",
    ];
    for name in env.keys() {
        assert!(
            allowed.contains(&name.as_str())
                || name.starts_with("LC_")
                || name == "PASS_ME"
                || name.starts_with("CONDUCTOR_DOUBLE_")
                || name == "CONDUCTOR_GATEWAY_RUN",
            "{name} is not on the allow-list"
        );
    }
    let _ = child.kill().await;
}
