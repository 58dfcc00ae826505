//! Restart recovery on SQLite: a file with 10,000 retained (finished) jobs
//! of a few events each and 10 unfinished ones; the store is dropped, and
//! `open` + `recover()` are timed on the same file.

use std::sync::Arc;
use std::time::{Duration, Instant};

use conductor_gateway::jobs::sqlite::SqliteStore;
use conductor_gateway::jobs::store::{JobQuery, JobUpdate};
use conductor_gateway::jobs::{JobEvent, JobState, JobStore};
use futures::StreamExt;

use super::common::{self, count, line, ms, new_job, row};

const FINISHED: usize = 10_000;
const UNFINISHED: usize = 10;
const REOPENS: usize = 5;

/// A job that ran and succeeded: started, three lines, its result and end.
async fn finished_job(store: Arc<dyn JobStore>) {
    let job = new_job(store.as_ref()).await;
    store
        .append(
            &job,
            JobEvent::JobStarted {
                message: "Job started: run_agent".into(),
                kind: "tool".into(),
            },
        )
        .await
        .expect("appending");
    for i in 1..=3 {
        store.append(&job, line(i)).await.expect("appending");
    }
    store
        .append(
            &job,
            JobEvent::Result {
                result: "done".into(),
            },
        )
        .await
        .expect("appending");
    store
        .update(
            &job,
            JobUpdate::Finished {
                state: JobState::Succeeded,
                result: Some("done".into()),
                error: None,
            },
        )
        .await
        .expect("finishing");
    store.append(&job, common::end()).await.expect("closing");
}

pub async fn recovery() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("gateway.db");
    let mut limits = common::limits();
    // Every finished job is kept (the default keeps 1,000; expiry does not run here).
    limits.max_retained = FINISHED * 2;
    let filled = Instant::now();
    {
        let store: Arc<dyn JobStore> =
            Arc::new(SqliteStore::open(&path, limits.clone()).expect("opening SQLite"));
        futures::stream::iter(0..FINISHED)
            .map(|_| finished_job(store.clone()))
            .buffer_unordered(64)
            .collect::<Vec<()>>()
            .await;
        for _ in 0..UNFINISHED {
            let job = new_job(store.as_ref()).await;
            store.append(&job, line(1)).await.expect("appending");
        }
        // After every queued write (a read waits for them).
        let (_, total) = store
            .list(JobQuery {
                limit: 1,
                ..JobQuery::default()
            })
            .await
            .expect("listing");
        assert_eq!(total, FINISHED + UNFINISHED, "every job is in the file");
    }
    let fill = filled.elapsed();
    // The writer thread closes its connection after the store is gone.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut times = Vec::new();
    for _ in 0..REOPENS {
        let started = Instant::now();
        let store = SqliteStore::open(&path, limits.clone()).expect("reopening SQLite");
        let recovered = store.recover().await.expect("recovering");
        let took = started.elapsed();
        assert_eq!(
            recovered.interrupted.len(),
            UNFINISHED,
            "the unfinished jobs are found"
        );
        times.push(took);
        drop(store);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let worst = times.iter().max().copied().unwrap_or_default();
    let verdict = if worst <= Duration::from_secs(1) {
        "met"
    } else {
        "missed"
    };
    row(
        "recovery",
        "sqlite",
        &format!(
            "open + recover(), {} finished jobs (6 events each) + {UNFINISHED} running, {:.1} MB file",
            count(FINISHED as f64),
            size as f64 / 1e6
        ),
        &format!(
            "{} (all {REOPENS} runs: {}; target ≤ 1 s: {verdict}; filling took {:.1} s)",
            ms(worst),
            times.iter().map(|t| ms(*t)).collect::<Vec<_>>().join(", "),
            fill.as_secs_f64()
        ),
    );
}
