//! Gateway benchmarks (not tests): tool-call overhead, job latency, MCP and
//! fan-out (memory is measured per job store by `cargo bench --bench store`).
//! Run with `cargo bench --bench gateway`; figures are recorded in
//! docs/benchmarks.md. Each section prints medians over many runs.

#[path = "../../tests/common/app.rs"]
mod app;
mod fanout;
mod mcp;
mod measure;

use std::process::Stdio;
use std::time::{Duration, Instant};

use conductor_gateway::config::Settings;
use futures::StreamExt;
use serde_json::{Value, json};

use measure::{median, ms, p90};

pub const EXE: &str = env!("CARGO_BIN_EXE_conductor-gateway");
/// A gateway for the benches: the tests' harness, with the double quiet,
/// no rate limit, room for many streams and concurrent runs.
pub async fn start(tweak: impl FnOnce(&mut Settings)) -> app::Gateway {
    app::gateway()
        .quiet_double()
        .settings(|s| {
            s.limits.max_streams_per_client = 100_000;
            s.conductor.max_concurrent = 64;
            tweak(s);
        })
        .start()
        .await
}

pub async fn spawn_direct(cwd: &std::path::Path) -> Duration {
    let t = Instant::now();
    let out = tokio::process::Command::new(EXE)
        .args(["demo-cli", "--list"])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    t.elapsed()
}

async fn tool_overhead(runs: usize) {
    let app = start(|_| {}).await;
    let url = format!("{}/api/v1/tools/list_available_agents", app.base);
    // Warm both paths.
    for _ in 0..20 {
        spawn_direct(app.workspace.path()).await;
        app.client.post(&url).json(&json!({})).send().await.unwrap();
    }
    let mut direct = Vec::new();
    let mut via = Vec::new();
    for _ in 0..runs {
        direct.push(spawn_direct(app.workspace.path()).await);
        let t = Instant::now();
        let r: Value = app
            .client
            .post(&url)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        via.push(t.elapsed());
        assert_eq!(r["status"], "success");
    }
    let (d, v) = (median(direct), median(via.clone()));
    println!(
        "tool call overhead: direct spawn median {} | POST /api/v1/tools/list_available_agents median {} (p90 {}) | added {}",
        ms(d),
        ms(v),
        ms(p90(via.clone())),
        ms(v.saturating_sub(d))
    );
    let mut jobs = Vec::new();
    let mut first = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r: Value = app
            .client
            .post(format!("{}/execute", app.base))
            .json(&json!({"tool": "list_available_agents"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jobs.push(t.elapsed());
        assert_eq!(r["status"], "success");

        let t = Instant::now();
        let r: Value = app
            .client
            .post(format!("{}/api/v1/stream-execute", app.base))
            .json(&json!({"input": "/help"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = r["job_id"].as_str().unwrap();
        let mut stream = app
            .client
            .get(format!("{}/api/v1/stream/{job}", app.base))
            .send()
            .await
            .unwrap()
            .bytes_stream();
        let mut seen = Vec::new();
        while let Some(chunk) = stream.next().await {
            seen.extend_from_slice(&chunk.unwrap());
            if seen.windows(5).any(|w| w == b"data:") {
                break;
            }
        }
        first.push(t.elapsed());
    }
    let j = median(jobs);
    println!(
        "job fixed cost: POST /execute {{tool: list_available_agents}} median {} | beyond the tool itself {}",
        ms(j),
        ms(j.saturating_sub(d))
    );
    println!(
        "stream-execute to first event at a subscriber (POST + GET + first frame): median {} (p90 {})",
        ms(median(first.clone())),
        ms(p90(first))
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let want = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    runtime.block_on(async {
        if want("overhead") {
            tool_overhead(300).await;
        }
        if want("mcp") {
            mcp::mcp(300).await;
            mcp::mcp_parallel().await;
        }
        if want("fanout") {
            fanout::store_fanout(1000, 1000).await;
        }
    });
}
