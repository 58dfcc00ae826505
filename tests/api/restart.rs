//! Restarts with the SQLite store: finished jobs keep their records and
//! replay with the same ids; a job running when the gateway died fails (and
//! its processes are killed); a queued job runs after the restart.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use tokio::process::Child;

use crate::helpers::*;
use crate::process;

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

struct Gateway {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Gateway {
    async fn start(dir: &std::path::Path, mode: &str) -> Self {
        let (child, port) = process::start(dir, &settings(dir, mode), &[]).await;
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .timeout(DEADLINE)
                .build()
                .unwrap(),
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap()
    }

    async fn job(&self, id: &str) -> Value {
        let r = self
            .client
            .get(format!("{}/api/v1/jobs/{id}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{id} is known");
        r.json().await.unwrap()
    }

    async fn stream(&self, id: &str, after: Option<u64>) -> Vec<Sse> {
        let mut req = self.client.get(format!("{}/api/v1/stream/{id}", self.base));
        if let Some(after) = after {
            req = req.header("Last-Event-ID", after.to_string());
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        collect_events(r, usize::MAX).await
    }

    async fn stop(mut self, signal: Signal) {
        kill(Pid::from_raw(self.child.id().unwrap() as i32), signal).unwrap();
        tokio::time::timeout(DEADLINE, self.child.wait())
            .await
            .expect("the gateway exits")
            .unwrap();
    }

    /// Waits until the job is in `state`.
    async fn until(&self, id: &str, state: &str) {
        tokio::time::timeout(DEADLINE, async {
            while self.job(id).await["state"] != state {
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{id} never became {state}"));
    }
}

#[tokio::test]
async fn finished_jobs_survive_a_restart_and_replay_with_the_same_ids() {
    let dir = tempfile::tempdir().unwrap();
    let first = Gateway::start(dir.path(), "").await;
    let done = first.post("/execute", json!({"input": "/list"})).await;
    assert_eq!(done["status"], "success", "{done}");
    let id = done["job_id"].as_str().unwrap().to_string();
    let before = first.stream(&id, None).await;
    first.stop(Signal::SIGTERM).await;

    let second = Gateway::start(dir.path(), "").await;
    let job = second.job(&id).await;
    assert_eq!(job["state"], "succeeded");
    assert_eq!(
        second.stream(&id, None).await,
        before,
        "the same events, the same ids"
    );
    assert_eq!(second.stream(&id, Some(2)).await, before[2..]);
    let listed: Value = second
        .client
        .get(format!("{}/api/v1/jobs", second.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1);
    second.stop(Signal::SIGTERM).await;
}

#[tokio::test]
async fn after_a_kill_the_running_job_fails_its_processes_die_and_the_queued_one_runs() {
    let dir = tempfile::tempdir().unwrap();
    let first = Gateway::start(dir.path(), "hang").await;
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
    let pids: Vec<i32> = tokio::time::timeout(DEADLINE, async {
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let found: Vec<i32> = text
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
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
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the double reports its processes");
    first.stop(Signal::SIGKILL).await;
    assert!(
        pids.iter().any(|p| !process_gone(*p)),
        "the kill left the CLI running"
    );

    // Restarted without the hang, so the queued job can finish.
    let second = Gateway::start(dir.path(), "").await;
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
