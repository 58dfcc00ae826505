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

/// One run: until every append returned, and until the last was visible outside the store.
type Run = (Duration, Option<Duration>);

async fn memory(jobs: usize) -> Run {
    let store = common::memory();
    let mut ids = Vec::new();
    for _ in 0..jobs {
        ids.push(new_job(store.as_ref()).await);
    }
    (append_all(&store, &ids).await, None)
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

async fn sqlite(jobs: usize) -> Run {
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
    (took, Some(durable))
}

async fn redis(url: &str, jobs: usize, run: usize) -> Run {
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
    (took, Some(seen - started))
}

/// Each measurement runs this often; the median run is reported.
const RUNS: usize = 3;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn report(backend: &str, jobs: usize, runs: Vec<Run>) {
    let events = jobs * EVENTS;
    let returned = median(runs.iter().map(|r| r.0).collect());
    row(
        "append",
        backend,
        &format!("{}, until every append returned", label(jobs)),
        &rate(events, returned),
    );
    let visible: Vec<Duration> = runs.iter().filter_map(|r| r.1).collect();
    if visible.is_empty() {
        return;
    }
    let outside = if backend == "sqlite" {
        "until all committed (seen on a second connection to the file)"
    } else {
        "until the last event reached a subscriber on a second replica"
    };
    row(
        "append",
        backend,
        &format!("{}, {outside}", label(jobs)),
        &rate(events, median(visible)),
    );
}

pub async fn appends(redis_url: Option<&str>) {
    for jobs in [1, 10] {
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            runs.push(memory(jobs).await);
        }
        report("memory", jobs, runs);
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            runs.push(sqlite(jobs).await);
        }
        report("sqlite", jobs, runs);
        let Some(url) = redis_url else {
            row("append", "redis", &label(jobs), "skipped (no redis-server)");
            continue;
        };
        let mut runs = Vec::new();
        for run in 0..RUNS {
            runs.push(redis(url, jobs, jobs * 100 + run).await);
        }
        report("redis", jobs, runs);
    }
}
