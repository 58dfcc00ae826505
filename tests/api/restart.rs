//! Restarts with the SQLite store: finished jobs keep their records and
//! replay with the same ids; a job running when the gateway died fails (and
//! its processes are killed); a queued job runs after the restart.

use nix::sys::signal::Signal;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::process::{self, Gateway};

fn settings(dir: &std::path::Path, mode: &str) -> Value {
    json!({
        "server": {"host": "127.0.0.1", "port": 0, "mcp_port": 0, "shutdown_grace_secs": 5},
        "conductor": {
            "project_path": process::project(dir),
            "command": [process::BIN, "demo-cli"],
            "kill_grace_ms": 200,
            "env": {
                "CONDUCTOR_DOUBLE_MODE": mode,
                "CONDUCTOR_DOUBLE_LOG": dir.join("double.log"),
            },
        },
        "jobs": {"max_running": 1},
        "limits": {"requests_per_second": 0},
        "store": {"backend": "sqlite", "path": dir.join("gateway.db")},
    })
}

#[tokio::test]
async fn finished_jobs_survive_a_restart_and_replay_with_the_same_ids() {
    let dir = tempfile::tempdir().unwrap();
    let first = Gateway::start(dir.path(), &settings(dir.path(), "")).await;
    let done = first.post("/execute", json!({"input": "/list"})).await;
    assert_eq!(done["status"], "success", "{done}");
    let id = done["job_id"].as_str().unwrap().to_string();
    let before = first.stream(&id, None).await;
    first.stop(Signal::SIGTERM).await;

    let second = Gateway::start(dir.path(), &settings(dir.path(), "")).await;
    let job = second.job(&id).await;
    assert_eq!(job["state"], "succeeded");
    assert_eq!(
        second.stream(&id, None).await,
        before,
        "the same events, the same ids"
    );
    assert_eq!(second.stream(&id, Some(2)).await, before[2..]);
    let listed = second.get_json("/api/v1/jobs").await;
    assert_eq!(listed["total"], 1);
    second.stop(Signal::SIGTERM).await;
}

#[tokio::test]
async fn after_a_kill_the_running_job_fails_its_processes_die_and_the_queued_one_runs() {
    let dir = tempfile::tempdir().unwrap();
    let first = Gateway::start(dir.path(), &settings(dir.path(), "hang")).await;
    let running = first
        .post(
            "/api/v1/stream-execute",
            json!({"input": "/run CodeReviewer_Agent hang"}),
        )
        .await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    first.until(&running, "running").await;
    // One run slot: this one waits.
    let queued = first
        .post("/api/v1/stream-execute", json!({"input": "/list"}))
        .await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(first.job(&queued).await["state"], "queued");
    // The hanging double and its child, as it logged them.
    let log = dir.path().join("double.log");
    let pids = process::cli_pids(&log).await;
    first.stop(Signal::SIGKILL).await;
    assert!(
        pids.iter().any(|p| !process_gone(*p)),
        "the kill left the CLI running"
    );

    // Restarted without the hang, so the queued job can finish.
    let second = Gateway::start(dir.path(), &settings(dir.path(), "")).await;
    assert_all_gone(&pids).await;
    let failed = second.job(&running).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(
        failed["error"].as_str().unwrap().contains("restarted"),
        "{failed}"
    );
    let events = second.stream(&running, None).await;
    let names: Vec<&str> = events.iter().map(|e| e.name()).collect();
    assert_eq!(names.first(), Some(&"job_started"));
    assert_eq!(names.last(), Some(&"end_of_stream"));
    assert!(names.contains(&"error"), "{names:?}");
    let ids: Vec<u64> = events.iter().map(|e| e.id.parse().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] + 1),
        "consecutive ids: {ids:?}"
    );

    second.until(&queued, "succeeded").await;
    let events = second.stream(&queued, None).await;
    assert_eq!(events.last().unwrap().name(), "end_of_stream");
    assert!(events.iter().any(|e| e.name() == "result"));
    second.stop(Signal::SIGTERM).await;
}
