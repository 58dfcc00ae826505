//! Event appends per second: one job, and ten jobs appending at once. SQLite
//! and Redis return from `append` before the write is durable (one writer
//! commits in batches), so for them the bench also times until the last
//! event is visible from outside the store: on a second connection to the
//! SQLite file, or to a subscriber of a second `RedisStore` replica.

use std::sync::Arc;
use std::time::{Duration, Instant};

use conductor_gateway::jobs::{Delivery, JobId, JobStore};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::common::{self, count, line, new_job, row};

/// Events per job.
const EVENTS: usize = 10_000;

/// Appends `EVENTS` lines to each job, the jobs at once; how long until every append returned.
async fn append_all(store: &Arc<dyn JobStore>, jobs: &[JobId]) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = jobs
        .iter()
        .map(|job| {
            let (store, job) = (store.clone(), job.clone());
            tokio::spawn(async move {
                for i in 1..=EVENTS {
                    store.append(&job, line(i)).await.expect("appending");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("an appending task");
    }
    started.elapsed()
}

fn rate(events: usize, took: Duration) -> String {
    format!(
        "{}/s ({} events in {:.0} ms)",
        count(events as f64 / took.as_secs_f64()),
        count(events as f64),
        took.as_secs_f64() * 1e3
    )
}

fn label(jobs: usize) -> String {
    if jobs == 1 {
        format!("appends, 1 job × {} events", count(EVENTS as f64))
    } else {
        format!(
            "appends, {jobs} jobs at once × {} events",
            count(EVENTS as f64)
        )
    }
}

async fn memory(jobs: usize) {
    let store = common::memory();
    let mut ids = Vec::new();
    for _ in 0..jobs {
        ids.push(new_job(store.as_ref()).await);
    }
    let took = append_all(&store, &ids).await;
    row("append", "memory", &label(jobs), &rate(jobs * EVENTS, took));
}

/// The highest stored sequence number of `job`, read on a connection of its own.
fn stored_up_to(conn: &rusqlite::Connection, job: &JobId) -> u64 {
    conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM events WHERE job = ?1",
        [job.as_str()],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
    .unwrap_or(0)
}

async fn sqlite(jobs: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = common::sqlite(&dir);
    let mut ids = Vec::new();
    for _ in 0..jobs {
        ids.push(new_job(store.as_ref()).await);
    }
    let path = dir.path().join("gateway.db");
    let started = Instant::now();
    let took = append_all(&store, &ids).await;
    let durable = tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(&path).expect("a second connection to the file");
        for job in &ids {
            while stored_up_to(&conn, job) < EVENTS as u64 {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        started.elapsed()
    })
    .await
    .expect("reading the file");
    row("append", "sqlite", &label(jobs), &rate(jobs * EVENTS, took));
    row(
        "append",
        "sqlite",
        &format!(
            "{}, until all committed (seen on a second connection)",
            label(jobs)
        ),
        &rate(jobs * EVENTS, durable),
    );
}

async fn redis(url: &str, jobs: usize, run: usize) {
    let stop = CancellationToken::new();
    let prefix = format!("bench-append-{run}");
    let a = common::redis(url, &prefix, "bench-a", &stop).await;
    let b = common::redis(url, &prefix, "bench-b", &stop).await;
    let mut ids = Vec::new();
    let mut last = Vec::new();
    for _ in 0..jobs {
        let id = new_job(a.as_ref()).await;
        // On the other replica, from Redis: only the last event.
        let mut stream = b
            .subscribe(&id, EVENTS as u64 - 1)
            .await
            .expect("subscribing on the second replica");
        last.push(tokio::spawn(async move {
            match stream.next().await {
                Some(Delivery::Event(e)) if e.seq == EVENTS as u64 => Instant::now(),
                other => panic!("expected event {EVENTS}, got {other:?}"),
            }
        }));
        ids.push(id);
    }
    // The followers' first XREAD is under way before the clock starts.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let took = append_all(&a, &ids).await;
    let mut seen = started;
    for at in last {
        seen = seen.max(at.await.expect("the second replica's subscriber"));
    }
    for id in &ids {
        a.append(id, common::end()).await.expect("closing the log");
    }
    stop.cancel();
    row("append", "redis", &label(jobs), &rate(jobs * EVENTS, took));
    row(
        "append",
        "redis",
        &format!(
            "{}, until the last is seen on a second replica",
            label(jobs)
        ),
        &rate(jobs * EVENTS, seen - started),
    );
}

pub async fn appends(redis_url: Option<&str>) {
    for jobs in [1, 10] {
        memory(jobs).await;
        sqlite(jobs).await;
        match redis_url {
            Some(url) => redis(url, jobs, jobs).await,
            None => row("append", "redis", &label(jobs), "skipped (no redis-server)"),
        }
    }
}
