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
use crate::jobs::store::{JobSpec, Recovered, Relayed};

/// Publishes a relayed MCP message if the session is held for its owner.
const RELAY: &str = r"
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return -1 end
return redis.call('PUBLISH', KEYS[2], ARGV[3])
";

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

/// What other replicas send this one: cancel requests (job ids) and legacy
/// MCP messages for its sessions.
pub struct Inbound {
    pub cancels: mpsc::UnboundedReceiver<JobId>,
    pub relayed: mpsc::UnboundedReceiver<Relayed>,
}

/// Listens on the cancel channel and this replica's relay channel;
/// resubscribes when Redis comes back.
pub fn listen(client: Client, keys: &Keys, instance: &str, stopping: CancellationToken) -> Inbound {
    let (cancel_tx, cancels) = mpsc::unbounded_channel();
    let (relay_tx, relayed) = mpsc::unbounded_channel();
    let cancel_channel = keys.cancels();
    let relay_channel = keys.relay(instance);
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
            if pubsub.subscribe(&cancel_channel).await.is_err()
                || pubsub.subscribe(&relay_channel).await.is_err()
            {
                continue;
            }
            backoff = Duration::from_millis(50);
            let mut messages = pubsub.on_message();
            loop {
                let message = tokio::select! {
                    m = messages.next() => m,
                    _ = stopping.cancelled() => return,
                };
                let Some(message) = message else { break };
                let Ok(payload) = message.get_payload::<String>() else {
                    continue;
                };
                if message.get_channel_name() == cancel_channel {
                    let _ = cancel_tx.send(JobId::from(payload.as_str()));
                } else if let Ok(relayed) = serde_json::from_str::<Relayed>(&payload) {
                    let _ = relay_tx.send(relayed);
                }
            }
        }
    });
    Inbound { cancels, relayed }
}

/// Records (or forgets) that this replica holds a legacy MCP session for `owner`.
pub async fn hold_session(
    conn: &mut ConnectionManager,
    keys: &Keys,
    session: &str,
    owner: Option<&str>,
) -> redis::RedisResult<()> {
    match owner {
        Some(owner) => conn.hset(keys.sessions(), session, owner).await,
        None => conn.hdel(keys.sessions(), session).await,
    }
}

/// Publishes a message to the replica holding its session, only for the
/// session's own key; whether that replica was listening.
pub async fn relay(
    conn: &mut ConnectionManager,
    keys: &Keys,
    replica: &str,
    message: &Relayed,
) -> redis::RedisResult<bool> {
    let payload = serde_json::to_string(message).unwrap_or_default();
    let listeners: i64 = redis::cmd("EVAL")
        .arg(RELAY)
        .arg(2)
        .arg(keys.sessions())
        .arg(keys.relay(replica))
        .arg(&message.session)
        .arg(&message.owner)
        .arg(payload)
        .query_async(conn)
        .await?;
    Ok(listeners > 0)
}
