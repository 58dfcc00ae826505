//! Stopping a loaded gateway process with SIGTERM, many times in a row: every
//! stop drains (running work finishes and is answered) and the process exits 0.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use tokio::process::Child;

use crate::helpers::DEADLINE;
use crate::process;

/// A gateway on free loopback ports with a slow CLI double.
async fn start(dir: &std::path::Path) -> (Child, u16) {
    let workspace = process::project(dir);
    let settings = json!({
        "server": {"host": "127.0.0.1", "port": 0, "mcp_port": 0, "shutdown_grace_secs": 30},
        "conductor": {
            "project_path": workspace,
            "command": [process::BIN, "demo-cli"],
            "env": {"CONDUCTOR_DOUBLE_MODE": "slow", "CONDUCTOR_DOUBLE_DELAY_MS": "300"},
        },
        "limits": {"requests_per_second": 0},
        "store": {"backend": "sqlite", "path": dir.join("gateway.db")},
    });
    process::start(dir, &settings, &[]).await
}

/// Waits until `n` jobs are running.
async fn running(client: &reqwest::Client, base: &str, n: u64) {
    tokio::time::timeout(DEADLINE, async {
        loop {
            let jobs: Value = client
                .get(format!("{base}/api/v1/jobs?state=running"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if jobs["total"].as_u64().unwrap_or(0) >= n {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the jobs run");
}

fn sigterm(child: &Child) {
    kill(Pid::from_raw(child.id().unwrap() as i32), Signal::SIGTERM).unwrap();
}

async fn exits_cleanly(mut child: Child, attempt: usize) {
    let status = tokio::time::timeout(DEADLINE, child.wait())
        .await
        .expect("the gateway exits within the deadline")
        .unwrap();
    assert!(status.success(), "attempt {attempt}: exit {status}");
}

/// A burst that has finished, background jobs still running and no request
/// in flight: the listener drains at once, which used to race the stop.
#[tokio::test]
async fn sigterm_after_a_burst_drains_the_running_jobs_and_exits_0() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    for attempt in 0..12 {
        let dir = tempfile::tempdir().unwrap();
        let (child, port) = start(dir.path()).await;
        let base = format!("http://127.0.0.1:{port}");
        {
            let client = reqwest::Client::builder()
                .timeout(DEADLINE)
                .build()
                .unwrap();
            let burst: Vec<_> = (0..40)
                .map(|_| tokio::spawn(client.get(format!("{base}/health")).send()))
                .collect();
            for probe in burst {
                assert_eq!(probe.await.unwrap().unwrap().status(), 200);
            }
            for i in 0..2 {
                let response = client
                    .post(format!("{base}/api/v1/stream-execute"))
                    .json(&json!({"input": format!("/run CodeReviewer_Agent job {i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
            }
            running(&client, &base, 2).await;
        }
        sigterm(&child);
        exits_cleanly(child, attempt).await;
    }
}

/// Requests in flight when the stop comes are answered, then the process exits 0.
#[tokio::test]
async fn sigterm_with_requests_in_flight_answers_them_and_exits_0() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(DEADLINE)
        .build()
        .unwrap();
    for attempt in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let (child, port) = start(dir.path()).await;
        let base = format!("http://127.0.0.1:{port}");
        let runs: Vec<_> = (0..4)
            .map(|i| {
                let request = client
                    .post(format!("{base}/execute"))
                    .json(&json!({"input": format!("/run CodeReviewer_Agent request {i}")}))
                    .send();
                tokio::spawn(request)
            })
            .collect();
        // Stop once all four run, so none is still waiting to be accepted.
        running(&client, &base, 4).await;
        sigterm(&child);
        for run in runs {
            let response = run.await.unwrap().expect("a running request is answered");
            assert_eq!(response.status(), 200, "attempt {attempt}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["status"], "success", "attempt {attempt}: {body}");
        }
        exits_cleanly(child, attempt).await;
    }
}
