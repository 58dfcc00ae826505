//! Time to the first event (append on one store, receive on a subscriber of
//! the same store, or of a second Redis replica), and events per second to
//! 100 jobs × 10 subscribers each through Redis.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conductor_gateway::jobs::{Delivery, JobId, JobStore};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::common::{self, count, line, ms, new_job, percentile, row};

/// Timed samples per row, after `WARMUP` untimed ones.
const SAMPLES: usize = 2000;
const WARMUP: usize = 100;

/// Appends one event at a time on `on` and times until `to`'s subscriber has it.
async fn samples(on: &dyn JobStore, to: &dyn JobStore) -> Vec<Duration> {
    let job = new_job(on).await;
    let mut stream = to.subscribe(&job, 0).await.expect("subscribing");
    let mut times = Vec::with_capacity(SAMPLES);
    for i in 1..=WARMUP + SAMPLES {
        let started = Instant::now();
        let seq = on.append(&job, line(i)).await.expect("appending");
        loop {
            match stream.next().await {
                Some(Delivery::Event(e)) if e.seq == seq => break,
                Some(Delivery::Event(e)) if e.seq < seq => continue,
                other => panic!("expected event {seq}, got {other:?}"),
            }
        }
        if i > WARMUP {
            times.push(started.elapsed());
        }
    }
    on.append(&job, common::end())
        .await
        .expect("closing the log");
    times
}

fn report(backend: &str, what: &str, mut times: Vec<Duration>, target: Option<Duration>) {
    let p50 = percentile(&mut times, 50);
    let p99 = percentile(&mut times, 99);
    let verdict = match target {
        Some(t) if p99 <= t => format!(" (target p99 ≤ {}: met)", ms(t)),
        Some(t) if p50 <= t => format!(" (target ≤ {}: met at p50, missed at p99)", ms(t)),
        Some(t) => format!(" (target ≤ {}: missed)", ms(t)),
        None => String::new(),
    };
    row(
        "first event",
        backend,
        &format!("{what}, {SAMPLES} samples"),
        &format!(
            "p50 {} · p99 {} · max {}{verdict}",
            ms(p50),
            ms(p99),
            ms(percentile(&mut times, 100))
        ),
    );
}

pub async fn first_event(redis_url: Option<&str>) {
    let same = "append → subscriber of the same store";
    let store = common::memory();
    report(
        "memory",
        same,
        samples(store.as_ref(), store.as_ref()).await,
        None,
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = common::sqlite(&dir);
    report(
        "sqlite",
        same,
        samples(store.as_ref(), store.as_ref()).await,
        None,
    );
    let Some(url) = redis_url else {
        row("first event", "redis", same, "skipped (no redis-server)");
        return;
    };
    let stop = CancellationToken::new();
    let a = common::redis(url, "bench-first", "bench-a", &stop).await;
    let b = common::redis(url, "bench-first", "bench-b", &stop).await;
    report("redis", same, samples(a.as_ref(), a.as_ref()).await, None);
    report(
        "redis",
        "append on replica A → subscriber on replica B (through Redis)",
        samples(a.as_ref(), b.as_ref()).await,
        Some(Duration::from_millis(2)),
    );
    stop.cancel();
}

const JOBS: usize = 100;
const SUBSCRIBERS: usize = 10;
const EVENTS: usize = 1000;

/// 100 jobs appending on replica A at once, 10 subscribers each on replica B.
pub async fn fanout(url: &str) {
    let stop = CancellationToken::new();
    let a = common::redis(url, "bench-fanout", "bench-a", &stop).await;
    let b = common::redis(url, "bench-fanout", "bench-b", &stop).await;
    let mut jobs: Vec<JobId> = Vec::new();
    for _ in 0..JOBS {
        jobs.push(new_job(a.as_ref()).await);
    }
    let delivered = Arc::new(AtomicUsize::new(0));
    let mut subscribers = Vec::new();
    for job in &jobs {
        for _ in 0..SUBSCRIBERS {
            let mut stream = b.subscribe(job, 0).await.expect("subscribing on B");
            let delivered = delivered.clone();
            subscribers.push(tokio::spawn(async move {
                let mut seen = 0;
                let mut gaps = 0;
                while let Some(d) = stream.next().await {
                    match d {
                        Delivery::Event(e) => {
                            seen += 1;
                            if e.terminal {
                                break;
                            }
                        }
                        Delivery::Gap { .. } => gaps += 1,
                    }
                }
                delivered.fetch_add(seen, Ordering::Relaxed);
                (seen, gaps, Instant::now())
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let appenders: Vec<_> = jobs
        .iter()
        .map(|job| {
            let (a, job) = (a.clone(), job.clone());
            tokio::spawn(async move {
                for i in 1..=EVENTS {
                    a.append(&job, line(i)).await.expect("appending");
                }
                a.append(&job, common::end())
                    .await
                    .expect("closing the log");
            })
        })
        .collect();
    for task in appenders {
        task.await.expect("an appending task");
    }
    let appended = started.elapsed();
    let mut last = started;
    let mut short = 0;
    let mut gaps = 0;
    for task in subscribers {
        let (seen, gap, at) = task.await.expect("a subscriber");
        last = last.max(at);
        gaps += gap;
        if seen != EVENTS + 1 {
            short += 1;
        }
    }
    stop.cancel();
    let took = last - started;
    let events = JOBS * (EVENTS + 1);
    let deliveries = delivered.load(Ordering::Relaxed);
    let what = format!(
        "{JOBS} jobs × {} events on replica A, {SUBSCRIBERS} subscribers each on replica B",
        count(EVENTS as f64)
    );
    row(
        "fan-out",
        "redis",
        &what,
        &format!(
            "{} events/s, {} deliveries/s ({} deliveries in {:.0} ms; appends returned in {:.0} ms; {short} subscribers short, {gaps} gaps)",
            count(events as f64 / took.as_secs_f64()),
            count(deliveries as f64 / took.as_secs_f64()),
            count(deliveries as f64),
            took.as_secs_f64() * 1e3,
            appended.as_secs_f64() * 1e3,
        ),
    );
}
