//! What replicas tell each other through Redis: each one's lease (renewed
//! while it lives), the adoption of a dead replica's unfinished jobs, and
//! cancel requests for jobs running elsewhere.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use redis::AsyncCommands;
use redis::Client;
use redis::aio::ConnectionManager;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::keys::Keys;
use crate::jobs::model::{JobId, JobRecord, JobState};
use crate::jobs::store::{JobSpec, Recovered};

/// Renews this instance's lease every third of its length until `stopping`.
pub fn keep_lease(
    mut conn: ConnectionManager,
    keys: Arc<Keys>,
    instance: String,
    lease: Duration,
    stopping: CancellationToken,
) {
    let key = keys.lease(&instance);
    let millis = lease.as_millis().max(1) as u64;
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval((lease / 3).max(Duration::from_millis(100)));
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    let set: redis::RedisResult<()> = redis::cmd("SET")
                        .arg(&key).arg(1).arg("PX").arg(millis)
                        .query_async(&mut conn).await;
                    if let Err(e) = set {
                        tracing::warn!(error = %e, "renewing this replica's lease in Redis failed");
                    }
                }
                // Not deleted on a stop: the drain may still be finishing jobs.
                _ = stopping.cancelled() => break,
            }
        }
    });
}

/// The unfinished jobs of instances whose lease is gone, each taken by one
/// replica only: running ones (to fail) and queued ones (to run).
pub async fn adopt(
    conn: &mut ConnectionManager,
    keys: &Keys,
    instance: &str,
) -> redis::RedisResult<Recovered> {
    let mut recovered = Recovered::default();
    let active: Vec<String> = conn.smembers(keys.active()).await?;
    for id in active {
        let job = JobId::from(id.as_str());
        let (record, spec, by, runner): (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        ) = redis::cmd("HMGET")
            .arg(keys.job(&job))
            .arg("record")
            .arg("spec")
            .arg("by")
            .arg("runner")
            .query_async(conn)
            .await?;
        let Some(record) = record.and_then(|r| serde_json::from_str::<JobRecord>(&r).ok()) else {
            let _: () = conn.srem(keys.active(), &id).await?;
            continue;
        };
        if record.state.is_terminal() {
            let _: () = conn.srem(keys.active(), &id).await?;
            continue;
        }
        let Some(holder) = runner.clone().or(by) else {
            continue;
        };
        if holder == instance || conn.exists::<_, bool>(keys.lease(&holder)).await? {
            continue;
        }
        // One replica settles each job.
        let taken: Option<String> = redis::cmd("SET")
            .arg(keys.adoption(&job))
            .arg(instance)
            .arg("NX")
            .arg("EX")
            .arg(300)
            .query_async(conn)
            .await?;
        if taken.is_none() {
            continue;
        }
        if record.state == JobState::Queued
            && let Some(spec) = spec.and_then(|s| serde_json::from_str::<JobSpec>(&s).ok())
        {
            recovered.queued.push((record, spec));
        } else {
            recovered.interrupted.push((record, Some(holder)));
        }
    }
    Ok(recovered)
}

/// Cancel requests published by any replica, as job ids; resubscribes when
/// Redis comes back.
pub fn cancel_requests(
    client: Client,
    keys: &Keys,
    stopping: CancellationToken,
) -> mpsc::UnboundedReceiver<JobId> {
    let (tx, rx) = mpsc::unbounded_channel();
    let channel = keys.cancels();
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(50);
        while !stopping.is_cancelled() {
            let mut pubsub = match client.get_async_pubsub().await {
                Ok(p) => p,
                Err(_) => {
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stopping.cancelled() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            };
            if pubsub.subscribe(&channel).await.is_err() {
                continue;
            }
            backoff = Duration::from_millis(50);
            let mut messages = pubsub.on_message();
            loop {
                tokio::select! {
                    m = messages.next() => match m {
                        Some(m) => {
                            if let Ok(id) = m.get_payload::<String>()
                                && tx.send(JobId::from(id.as_str())).is_err()
                            {
                                return;
                            }
                        }
                        None => break,
                    },
                    _ = stopping.cancelled() => return,
                }
            }
        }
    });
    rx
}
