//! Fan-out: many subscribers of one event log, without the TCP stack.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use conductor_gateway::config::Settings;
use conductor_gateway::jobs::Delivery;
use conductor_gateway::jobs::JobEvent;
use conductor_gateway::jobs::memory::MemoryStore;
use conductor_gateway::jobs::model::{JobId, JobRecord, JobState, now};
use conductor_gateway::jobs::store::JobStore;
use futures::StreamExt;
use serde_json::Value;

use super::measure::ms;

pub async fn store_fanout(subscribers: usize, events: usize) {
    let mut limits = conductor_gateway::startup::memory_limits(&Settings::default());
    limits.max_events = events + 10;
    limits.max_bytes = 1 << 30;
    limits.store_max_bytes = 1 << 31;
    let store = Arc::new(MemoryStore::new(limits));
    let job: JobId = "job_bench".into();
    store
        .insert(
            JobRecord {
                job_id: job.clone(),
                owner: "anonymous".into(),
                state: JobState::Running,
                command: "bench".into(),
                kind: "tool".into(),
                metadata: Value::Null,
                created_at: now(),
                started_at: None,
                finished_at: None,
                result: None,
                error: None,
                last_event_id: 0,
            },
            &conductor_gateway::jobs::store::JobSpec {
                command: conductor_gateway::jobs::payload::JobCommand::Text("bench".into()),
                scopes: 7,
            },
        )
        .await
        .unwrap();
    let delivered = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..subscribers {
        let mut sub = store.subscribe(&job, 0).await.unwrap();
        let delivered = delivered.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            let mut bytes = 0usize;
            while let Some(d) = sub.next().await {
                if let Delivery::Event(e) = d {
                    bytes += e.frame.len();
                }
                n += 1;
            }
            delivered.fetch_add(n, Ordering::Relaxed);
            bytes
        }));
    }
    let t = Instant::now();
    for i in 0..events {
        store
            .append(
                &job,
                JobEvent::OnToolOutput {
                    tool: "bench".into(),
                    stream: conductor_gateway::conductor::StreamKind::Stdout,
                    line: format!("line {i}"),
                },
            )
            .await
            .unwrap();
        if i % 64 == 0 {
            tokio::task::yield_now().await;
        }
    }
    store
        .append(
            &job,
            JobEvent::EndOfStream {
                state: JobState::Succeeded,
                message: "done".into(),
            },
        )
        .await
        .unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = t.elapsed();
    let n = delivered.load(Ordering::Relaxed);
    println!(
        "fan-out (event log, {subscribers} subscribers x {events} events): {n} deliveries in {} = {:.2} M deliveries/s",
        ms(elapsed),
        n as f64 / elapsed.as_secs_f64() / 1e6
    );
}
