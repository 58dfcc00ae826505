//! Two gateway processes on one Redis, as a load balancer would see them.

use std::path::Path;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use nix::sys::signal::Signal;
use serde_json::{Value, json};

use crate::helpers::{DEADLINE, Sse, assert_all_gone, collect_events, invocations};
use crate::process::{Gateway, cli_pids, project};
use crate::redis_server::RedisServer;

/// A replica's settings: the double in `mode`, jobs in the shared Redis under
/// `prefix`, a two-second lease (the shortest allowed), one run slot.
pub fn settings(dir: &Path, redis: &RedisServer, prefix: &str, mode: &str) -> Value {
    json!({
        "server": {"host": "127.0.0.1", "port": 0, "mcp_port": 0, "shutdown_grace_secs": 5},
        "conductor": {
            "project_path": project(dir),
            "command": [crate::process::BIN, "demo-cli"],
            "kill_grace_ms": 200,
            "env": {
                "CONDUCTOR_DOUBLE_MODE": mode,
                "CONDUCTOR_DOUBLE_DELAY_MS": "100",
                "CONDUCTOR_DOUBLE_DRIP_LINES": "20",
                "CONDUCTOR_DOUBLE_LOG": dir.join("double.log"),
            },
        },
        "jobs": {"max_running": 1},
        "limits": {"requests_per_second": 0},
        "store": {"backend": "redis", "redis_url": redis.url(), "redis_prefix": prefix, "lease_secs": 2},
    })
}

/// Redis and two replicas (the first running the double in `mode`).
async fn cluster(root: &Path, mode: &str) -> (RedisServer, Gateway, Gateway) {
    let redis = RedisServer::start(&dir(root, "redis")).await;
    let a = Gateway::start(
        &dir(root, "a"),
        &settings(&dir(root, "a"), &redis, "gw", mode),
    )
    .await;
    let b = Gateway::start(
        &dir(root, "b"),
        &settings(&dir(root, "b"), &redis, "gw", ""),
    )
    .await;
    (redis, a, b)
}

pub fn dir(root: &Path, name: &str) -> std::path::PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn start_job(on: &Gateway, input: &str) -> String {
    let started = on
        .post("/api/v1/stream-execute", json!({"input": input}))
        .await;
    started["job_id"].as_str().expect("a job id").to_string()
}

fn ids(events: &[Sse]) -> Vec<u64> {
    events.iter().map(|e| e.id.parse().unwrap()).collect()
}

fn names(events: &[Sse]) -> Vec<&str> {
    events.iter().map(|e| e.name()).collect()
}

#[tokio::test]
async fn a_job_started_on_one_replica_streams_from_the_other_and_resumes_on_either() {
    let root = tempfile::tempdir().unwrap();
    let (_redis, a, b) = cluster(root.path(), "drip").await;
    let id = start_job(&a, "/run CodeReviewer_Agent hello").await;

    // Followed live through the other replica, to the end.
    let on_b = b.stream(&id, None).await;
    assert_eq!(names(&on_b).first(), Some(&"job_started"), "{on_b:?}");
    assert_eq!(names(&on_b).last(), Some(&"end_of_stream"));
    assert_eq!(ids(&on_b), (1..=on_b.len() as u64).collect::<Vec<_>>());
    assert_eq!(
        a.stream(&id, None).await,
        on_b,
        "the same events, the same ids"
    );

    let k = on_b.len() / 2;
    let after = on_b[k - 1].id.parse().unwrap();
    assert_eq!(a.stream(&id, Some(after)).await, on_b[k..]);
    assert_eq!(b.stream(&id, Some(after)).await, on_b[k..]);
    assert_eq!(b.job(&id).await["state"], "succeeded");
    a.stop(Signal::SIGTERM).await;
    b.stop(Signal::SIGTERM).await;
}

#[tokio::test]
async fn a_cancel_through_one_replica_kills_the_run_on_the_other() {
    let root = tempfile::tempdir().unwrap();
    let (_redis, a, b) = cluster(root.path(), "hang").await;
    let id = start_job(&a, "/run CodeReviewer_Agent hang").await;
    a.until(&id, "running").await;
    let pids = cli_pids(&root.path().join("a/double.log")).await;

    let r = b
        .client
        .post(format!("{}/api/v1/jobs/{id}/cancel", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cancelled: Value = r.json().await.unwrap();
    assert_eq!(cancelled["state"], "cancelled", "{cancelled}");
    assert_all_gone(&pids).await;
    assert_eq!(a.job(&id).await["state"], "cancelled");
    a.stop(Signal::SIGTERM).await;
    b.stop(Signal::SIGTERM).await;
}

#[tokio::test]
async fn a_killed_replica_s_job_fails_within_its_lease_and_its_subscribers_are_told() {
    let root = tempfile::tempdir().unwrap();
    let (_redis, a, b) = cluster(root.path(), "hang").await;
    let id = start_job(&a, "/run CodeReviewer_Agent hang").await;
    a.until(&id, "running").await;
    let pids = cli_pids(&root.path().join("a/double.log")).await;
    let following = b
        .client
        .get(format!("{}/api/v1/stream/{id}", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(following.status(), 200);

    a.stop(Signal::SIGKILL).await;
    let events = collect_events(following, usize::MAX).await;
    assert_eq!(names(&events).last(), Some(&"end_of_stream"), "{events:?}");
    let error = events
        .iter()
        .find(|e| e.name() == "error")
        .expect("an error event");
    assert!(
        error.data.to_string().contains("lease expired"),
        "{error:?}"
    );
    let ids = ids(&events);
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    let job = b.job(&id).await;
    assert_eq!(job["state"], "failed", "{job}");
    // The replica that settled the job also stopped what the dead one left on this host.
    assert_all_gone(&pids).await;
    b.stop(Signal::SIGTERM).await;
}

#[tokio::test]
async fn a_subscriber_resumes_after_a_redis_restart_without_loss_or_duplicates() {
    let root = tempfile::tempdir().unwrap();
    let (mut redis, a, b) = cluster(root.path(), "drip").await;
    let id = start_job(&a, "/run CodeReviewer_Agent hello").await;
    let r = b
        .client
        .get(format!("{}/api/v1/stream/{id}", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut events = r.bytes_stream().eventsource();
    let mut seen: Vec<Sse> = Vec::new();
    let mut next = async || {
        let e = tokio::time::timeout(DEADLINE, events.next())
            .await
            .expect("an event within the deadline")
            .expect("the stream goes on")
            .expect("a well-formed event");
        serde_json::from_str::<Value>(&e.data).map(|data| Sse {
            id: e.id,
            event_field: e.event,
            data,
        })
    };
    seen.push(next().await.unwrap());

    redis.stop().await;
    // Both replicas say so while Redis is gone.
    for replica in [&a, &b] {
        let health = replica.until_store_ok(false).await;
        assert_eq!(health["status"], "degraded");
        assert_eq!(health["checks"]["store"]["backend"], "redis");
    }
    redis.restart().await;
    for replica in [&a, &b] {
        replica.until_store_ok(true).await;
    }
    while seen.last().map(|e| e.name()) != Some("end_of_stream") {
        seen.push(next().await.unwrap());
    }
    assert_eq!(ids(&seen), (1..=seen.len() as u64).collect::<Vec<_>>());
    assert!(names(&seen).contains(&"result"), "{:?}", names(&seen));
    assert_eq!(a.stream(&id, None).await, seen);
    a.stop(Signal::SIGTERM).await;
    b.stop(Signal::SIGTERM).await;
}

#[tokio::test]
async fn a_job_submitted_while_redis_is_down_is_refused_and_never_left_queued() {
    let root = tempfile::tempdir().unwrap();
    let (mut redis, a, b) = cluster(root.path(), "").await;
    redis.stop().await;
    let r = a
        .client
        .post(format!("{}/api/v1/stream-execute", a.base))
        .json(&json!({"input": "/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert!(body.to_string().contains("Redis"), "{body}");
    redis.restart().await;
    a.until_store_ok(true).await;
    // The writer sends what it kept once Redis is back: the refused job, finished.
    for replica in [&a, &b] {
        let listed = tokio::time::timeout(DEADLINE, async {
            loop {
                let listed = replica.get_json("/api/v1/jobs").await;
                if listed["total"] == 1 {
                    return listed;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the refused job reaches Redis");
        assert_eq!(listed["jobs"][0]["state"], "failed", "{listed}");
        let error = listed["jobs"][0]["error"].as_str().unwrap();
        assert!(error.starts_with("refused"), "{error}");
    }
    a.stop(Signal::SIGTERM).await;
    b.stop(Signal::SIGTERM).await;
}

/// The invocations the double logged under `dir`.
fn argvs(dir: &Path) -> Vec<Vec<String>> {
    invocations(&dir.join("double.log"))
}

async fn cancel(on: &Gateway, id: &str) -> Value {
    let r = on
        .client
        .post(format!("{}/api/v1/jobs/{id}/cancel", on.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_job_the_busy_replica_cannot_start_runs_on_the_one_with_a_free_slot() {
    let root = tempfile::tempdir().unwrap();
    let (_redis, a, b) = cluster(root.path(), "hang").await;
    let busy = start_job(&a, "/run CodeReviewer_Agent hang").await;
    a.until(&busy, "running").await;

    // A's only slot is taken: the job goes to the shared queue, and B takes it.
    let id = start_job(&a, "/list").await;
    b.until(&id, "succeeded").await;
    let events = a.stream(&id, None).await;
    assert_eq!(names(&events).first(), Some(&"job_started"));
    assert_eq!(names(&events).last(), Some(&"end_of_stream"));
    assert!(names(&events).contains(&"result"), "{:?}", names(&events));
    assert_eq!(ids(&events), (1..=events.len() as u64).collect::<Vec<_>>());
    assert!(
        argvs(&root.path().join("b"))
            .iter()
            .any(|a| a[0] == "--list")
    );
    assert!(
        !argvs(&root.path().join("a"))
            .iter()
            .any(|a| a[0] == "--list")
    );

    assert_eq!(cancel(&b, &busy).await["state"], "cancelled");
    a.stop(Signal::SIGTERM).await;
    b.stop(Signal::SIGTERM).await;
}

#[tokio::test]
async fn a_job_waiting_in_the_shared_queue_is_cancelled_from_any_replica() {
    let root = tempfile::tempdir().unwrap();
    let redis = RedisServer::start(&dir(root.path(), "redis")).await;
    let (da, db) = (dir(root.path(), "a"), dir(root.path(), "b"));
    let a = Gateway::start(&da, &settings(&da, &redis, "gw", "hang")).await;
    let b = Gateway::start(&db, &settings(&db, &redis, "gw", "hang")).await;
    // Both slots taken.
    let mut busy = Vec::new();
    for on in [&a, &b] {
        let id = start_job(on, "/run CodeReviewer_Agent hang").await;
        on.until(&id, "running").await;
        busy.push(id);
    }
    let waiting = start_job(&a, "/list").await;
    assert_eq!(b.job(&waiting).await["state"], "queued");
    assert_eq!(cancel(&b, &waiting).await["state"], "cancelled");
    let events = a.stream(&waiting, None).await;
    assert_eq!(names(&events).last(), Some(&"end_of_stream"), "{events:?}");
    assert_eq!(events.last().unwrap().data["data"]["state"], "cancelled");

    // Freed slots read the queue to its end, and do not run it.
    for id in &busy {
        assert_eq!(cancel(&a, id).await["state"], "cancelled");
    }
    redis.until_empty("gw:queue").await;
    assert_eq!(a.job(&waiting).await["state"], "cancelled");
    let lists = argvs(&da)
        .iter()
        .chain(argvs(&db).iter())
        .filter(|a| a[0] == "--list")
        .count();
    assert_eq!(lists, 0, "the cancelled job never ran");
    a.stop(Signal::SIGTERM).await;
    b.stop(Signal::SIGTERM).await;
}
