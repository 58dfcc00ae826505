//! `GET /api/v1/status/summary`: counts that follow the jobs and CLI runs
//! that went through the gateway, the load now against its limits, the
//! rate-limit refusals, and who may read it.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const READ: &str = "status-read-key-0123";
const RUN: &str = "status-run-key-01234";

async fn summary(app: &TestApp, key: Option<&str>) -> (u16, Value) {
    let mut req = app
        .client
        .request(Method::GET, app.url("/api/v1/status/summary"));
    if let Some(key) = key {
        req = req.header("Authorization", format!("Bearer {key}"));
    }
    let r = req.send().await.expect("GET summary");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Reads the summary until `done` holds, within the deadline.
async fn summary_until(app: &TestApp, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    let found = tokio::time::timeout(DEADLINE, async {
        loop {
            let (status, body) = summary(app, None).await;
            assert_eq!(status, 200, "{body}");
            if done(&body) {
                return body;
            }
            last = body;
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("the summary never showed {what}: {last}"))
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[tokio::test]
async fn counts_follow_the_jobs_and_cli_runs() {
    let app = spawn_with(|s| {
        s.jobs.max_running = 3;
        s.jobs.max_queued = 7;
    })
    .await;
    let (status, before) = summary(&app, None).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["bucket_secs"], 60);
    let minutes = before["minutes"].as_array().expect("minutes");
    assert_eq!(minutes.len(), 60);
    let starts: Vec<u64> = minutes.iter().map(|m| n(&m["start"])).collect();
    assert!(
        starts.windows(2).all(|w| w[1] == w[0] + 60),
        "consecutive minutes, oldest first: {starts:?}"
    );
    assert_eq!(
        before["jobs"],
        json!({"running": 0, "max_running": 3, "queued": 0, "max_queued": 7})
    );

    for _ in 0..3 {
        let (status, body) = app.post_json("/execute", json!({"input": "/list"})).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, failed) = app
        .post_json("/execute", json!({"input": "/info NoSuch_Agent"}))
        .await;
    assert_eq!(failed["state"], "failed", "{failed}");

    let after = summary_until(&app, "the four jobs", |s| {
        n(&s["hour"]["jobs"]["succeeded"]) >= n(&before["hour"]["jobs"]["succeeded"]) + 3
            && n(&s["hour"]["jobs"]["failed"]) > n(&before["hour"]["jobs"]["failed"])
    })
    .await;
    let hour = &after["hour"];
    assert!(
        n(&hour["cli_runs"]) >= n(&before["hour"]["cli_runs"]) + 4,
        "{hour}"
    );
    let p50 = hour["cli_p50_ms"]
        .as_f64()
        .expect("a median once runs happened");
    let p95 = hour["cli_p95_ms"]
        .as_f64()
        .expect("a p95 once runs happened");
    assert!(p50 >= 0.0 && p95 >= p50, "{hour}");
    // The hour is the sum of its minutes.
    let minutes = after["minutes"].as_array().expect("minutes");
    let sum = |field: &str| -> u64 { minutes.iter().map(|m| n(&m["jobs"][field])).sum::<u64>() };
    assert_eq!(sum("succeeded"), n(&hour["jobs"]["succeeded"]));
    assert_eq!(sum("failed"), n(&hour["jobs"]["failed"]));
    let runs: u64 = minutes.iter().map(|m| n(&m["cli_runs"])).sum();
    assert_eq!(runs, n(&hour["cli_runs"]));
    assert!(
        minutes
            .iter()
            .filter(|m| n(&m["cli_runs"]) > 0)
            .all(|m| m["cli_p50_ms"].is_f64() && m["cli_p95_ms"].is_f64()),
        "every minute with runs has its quantiles"
    );
}

#[tokio::test]
async fn running_jobs_and_open_streams_show_now() {
    let app = gateway().double_mode("hang", 0).start().await;
    let job = app.start_job(json!({"input": "/list"})).await;
    let stream = app.open_stream(&job, None).await;
    assert_eq!(stream.status(), 200);
    summary_until(&app, "the running job and its stream", |s| {
        n(&s["jobs"]["running"]) == 1 && n(&s["streams"]["sse"]) >= 1
    })
    .await;

    let (status, body) = app
        .post_json(&format!("/api/v1/jobs/{job}/cancel"), json!({}))
        .await;
    assert!(status == 200 || status == 202, "{status} {body}");
    drop(stream);
    let after = summary_until(&app, "the cancelled job, its stream closed", |s| {
        n(&s["jobs"]["running"]) == 0
            && n(&s["hour"]["jobs"]["cancelled"]) >= 1
            && n(&s["streams"]["sse"]) == 0
    })
    .await;
    assert_eq!(after["streams"]["mcp_sessions"], 0);
}

#[tokio::test]
async fn rate_limit_refusals_are_counted() {
    let app = gateway()
        .keys(&[
            (READ, "reader", &["read"]),
            (RUN, "runner", &["read", "run"]),
        ])
        .settings(|s| {
            s.limits.requests_per_second = 1;
            s.limits.burst = 1;
        })
        .start()
        .await;
    let (status, before) = summary(&app, Some(READ)).await;
    assert_eq!(status, 200, "{before}");
    // The runner's own budget: its second request at once is refused.
    let mut refused = 0;
    for _ in 0..3 {
        let r = app
            .client
            .get(app.url("/api/v1/jobs"))
            .header("Authorization", format!("Bearer {RUN}"))
            .send()
            .await
            .expect("GET jobs");
        refused += u64::from(r.status().as_u16() == 429);
    }
    assert!(refused >= 1, "the rate limit refused nothing");
    // The reader's budget refills within about a second: wait for it.
    let after = tokio::time::timeout(DEADLINE, async {
        loop {
            let (status, body) = summary(&app, Some(READ)).await;
            if status == 200 {
                return body;
            }
            assert_eq!(status, 429, "{body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the reader may read again within the deadline");
    assert!(
        n(&after["hour"]["rate_limited"]) >= n(&before["hour"]["rate_limited"]) + refused,
        "{after}"
    );
}

#[tokio::test]
async fn a_reader_key_may_read_it_and_an_anonymous_caller_may_not() {
    let app = gateway()
        .keys(&[
            (READ, "reader", &["read"]),
            (RUN, "runner", &["read", "run"]),
        ])
        .start()
        .await;
    let (status, body) = summary(&app, None).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["detail"].is_string(), "{body}");
    let (status, body) = summary(&app, Some("not-a-key-at-all-000")).await;
    assert_eq!(status, 401, "{body}");
    for key in [READ, RUN] {
        let (status, body) = summary(&app, Some(key)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["minutes"].as_array().map(Vec::len), Some(60));
    }
}
