//! The Redis job store (`store.backend: redis`), for several replicas.
//!
//! Each job's events go to a Redis Stream whose entry ids are the job's own
//! sequence numbers (`<seq>-0`), records to hashes that expire with the
//! retention, idempotency keys to `SET NX` with an expiry. The replica that
//! runs a job keeps it in an in-memory store too (sequence numbers, fast
//! local fan-out) and mirrors it through one ordered writer; any replica
//! replays with `XRANGE` and follows with `XREAD BLOCK`.
//!
//! - `keys`: the key names.
//! - `writer`: the batching, retrying writer.
//! - `follow`: replay and live follow from the streams.
//! - `records`: reading job records (a page of the list, a queued job).
//! - `queue`: the shared queue of jobs, taken by replicas with a free run slot.
//! - `cluster`: leases, adoption of a dead replica's jobs, cancel requests and
//!   legacy MCP messages between replicas.

mod cluster;
mod follow;
mod keys;
mod queue;
mod records;
mod writer;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::event::JobEvent;
use super::lock;
use super::memory::{
    ConversationLimits, MemoryLimits, MemoryStore, decode_conversation, encode_conversation,
};
use super::model::{JobId, JobRecord, JobState};
use super::store::{
    Claim, ConversationKey, EventStream, JobQuery, JobSpec, JobStore, JobUpdate, Recovered,
    Relayed, StoreError,
};
use follow::Follow;
use keys::Keys;
use writer::{Bounds, Op, Writer};

/// How long accepting a job waits for Redis to hold it.
const DURABLE_WITHIN: Duration = Duration::from_secs(5);

/// Where the store is and who this replica is.
pub struct RedisOptions {
    pub url: String,
    pub prefix: String,
    /// This gateway instance (the `runner` of the jobs it runs).
    pub instance: String,
    pub lease: Duration,
}

/// Jobs, events and conversations in Redis, shared by every replica.
pub struct RedisStore {
    live: MemoryStore,
    conn: ConnectionManager,
    keys: Arc<Keys>,
    writer: Writer,
    follow: Arc<Follow>,
    queue: queue::Queue,
    instance: String,
    lease: Duration,
    retention: Duration,
    conversations: ConversationLimits,
    cancels: Mutex<Option<mpsc::UnboundedReceiver<JobId>>>,
    relayed: Mutex<Option<mpsc::UnboundedReceiver<Relayed>>>,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("Redis: {e}"))
}

impl RedisStore {
    /// Connects, and (unless `stopping` is `None`, as for `config check`)
    /// keeps this replica's lease and listens for cancel requests.
    pub async fn open(
        options: RedisOptions,
        limits: MemoryLimits,
        stopping: Option<CancellationToken>,
    ) -> Result<Self, StoreError> {
        let client = redis::Client::open(options.url.as_str()).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_connection_timeout(Some(Duration::from_secs(5)));
        let conn = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(unavailable)?;
        let keys = Arc::new(Keys::new(&options.prefix));
        let writer = Writer::start(
            conn.clone(),
            keys.clone(),
            Bounds {
                max_events: limits.max_events,
                retention: limits.retention,
            },
        );
        let follow = Follow::new(client.clone(), conn.clone(), keys.clone());
        let queue = queue::Queue::new(
            client.clone(),
            conn.clone(),
            keys.clone(),
            options.instance.clone(),
            options.lease,
        );
        let inbound = stopping.map(|stopping| {
            cluster::keep_lease(
                conn.clone(),
                keys.clone(),
                options.instance.clone(),
                options.lease,
                stopping.clone(),
            );
            cluster::listen(client, &keys, &options.instance, stopping)
        });
        let (cancels, relayed) = match inbound {
            Some(i) => (Some(i.cancels), Some(i.relayed)),
            None => (None, None),
        };
        Ok(Self {
            retention: limits.retention,
            conversations: limits.conversations.clone(),
            live: MemoryStore::new(limits),
            conn,
            keys,
            writer,
            follow,
            queue,
            instance: options.instance,
            lease: options.lease,
            cancels: Mutex::new(cancels),
            relayed: Mutex::new(relayed),
        })
    }

    /// A job's record from Redis, with its last sequence number.
    async fn fetch(&self, job_id: &JobId) -> Result<Option<(JobRecord, u64)>, StoreError> {
        let mut conn = self.conn.clone();
        records::fetch(&mut conn, &self.keys, job_id)
            .await
            .map_err(unavailable)
    }

    /// Brings a job from Redis into the live store (its log continuing after
    /// its last stored event), so this replica can update and append to it.
    async fn ensure_live(&self, job_id: &JobId) -> Result<(), StoreError> {
        if self.live.contains(job_id) {
            return Ok(());
        }
        match self.fetch(job_id).await? {
            Some((record, last)) => {
                self.live.insert_record(record, last);
                Ok(())
            }
            None => Err(StoreError::NotFound(job_id.to_string())),
        }
    }
}

#[async_trait]
impl JobStore for RedisStore {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn insert(&self, job: JobRecord, spec: &JobSpec) -> Result<(), StoreError> {
        let id = job.job_id.clone();
        self.live.insert(job.clone(), spec).await?;
        self.writer.send(Op::Record {
            record: Box::new(job),
            spec: Some(Box::new(spec.clone())),
            by: Some(self.instance.clone()),
            runner: None,
        });
        // A job is accepted once Redis holds it.
        if self.writer.flush(DURABLE_WITHIN).await {
            return Ok(());
        }
        let why = self.writer.failure().unwrap_or_else(|| "no answer".into());
        // Refused: the record still queued for Redis must not stay `queued` there.
        let refused = format!("refused: the job store was unavailable ({why})");
        self.update(
            &id,
            JobUpdate::Finished {
                state: JobState::Failed,
                result: None,
                error: Some(refused.clone()),
            },
        )
        .await?;
        self.append(
            &id,
            JobEvent::EndOfStream {
                state: JobState::Failed,
                message: refused,
            },
        )
        .await?;
        Err(unavailable(why))
    }

    async fn update(&self, job_id: &JobId, update: JobUpdate) -> Result<JobRecord, StoreError> {
        self.ensure_live(job_id).await?;
        let runner = match &update {
            JobUpdate::Started { runner } => Some(runner.clone()),
            _ => None,
        };
        let record = self.live.update(job_id, update).await?;
        self.writer.send(Op::Record {
            record: Box::new(record.clone()),
            spec: None,
            by: None,
            runner,
        });
        Ok(record)
    }

    async fn get(&self, job_id: &JobId) -> Result<Option<JobRecord>, StoreError> {
        if let Some(record) = self.live.get(job_id).await? {
            return Ok(Some(record));
        }
        Ok(self.fetch(job_id).await?.map(|(record, _)| record))
    }

    async fn list(&self, query: JobQuery) -> Result<(Vec<JobRecord>, usize), StoreError> {
        let mut conn = self.conn.clone();
        let (mut page, total) = records::list(&mut conn, &self.keys, &query)
            .await
            .map_err(unavailable)?;
        for job in page.iter_mut() {
            // Live records are fresher than what the writer has sent so far.
            if let Some(live) = self.live.get(&job.job_id).await? {
                *job = live;
            }
        }
        Ok((page, total))
    }

    async fn append(&self, job_id: &JobId, event: JobEvent) -> Result<u64, StoreError> {
        self.ensure_live(job_id).await?;
        let Some(stored) = self.live.append_stored(job_id, event)? else {
            // The log is closed: nothing was appended.
            return self
                .live
                .get(job_id)
                .await
                .map(|r| r.map_or(0, |r| r.last_event_id));
        };
        let terminal = stored.terminal;
        let seq = stored.seq;
        self.writer.send(Op::Append {
            job: job_id.clone(),
            event: stored,
        });
        if terminal && let Some(record) = self.live.get(job_id).await? {
            self.writer.send(Op::Record {
                record: Box::new(record),
                spec: None,
                by: None,
                runner: None,
            });
        }
        Ok(seq)
    }

    async fn subscribe(&self, job_id: &JobId, after: u64) -> Result<EventStream, StoreError> {
        if let Some(first) = self.live.first_seq(job_id)
            && after.saturating_add(1) >= first
        {
            return self.live.subscribe(job_id, after).await;
        }
        let mut conn = self.conn.clone();
        let exists: bool = conn
            .exists(self.keys.job(job_id))
            .await
            .map_err(unavailable)?;
        if !exists {
            return Err(StoreError::NotFound(job_id.to_string()));
        }
        Ok(self.follow.subscribe(job_id.clone(), after))
    }

    async fn conversation(&self, key: &ConversationKey) -> Result<Vec<Value>, StoreError> {
        let mut conn = self.conn.clone();
        let text: Option<String> = conn
            .get(self.keys.conversation(&key.owner, &key.id))
            .await
            .map_err(unavailable)?;
        Ok(decode_conversation(text))
    }

    async fn save_conversation(
        &self,
        key: &ConversationKey,
        messages: Vec<Value>,
    ) -> Result<(), StoreError> {
        let text = encode_conversation(messages, &self.conversations);
        let mut conn = self.conn.clone();
        let ttl = self.conversations.ttl.as_secs().max(1);
        conn.set_ex::<_, _, ()>(self.keys.conversation(&key.owner, &key.id), text, ttl)
            .await
            .map_err(unavailable)
    }

    async fn claim_idempotency(
        &self,
        owner: &str,
        key: &str,
        fingerprint: &str,
        job_id: &JobId,
        window: Duration,
    ) -> Result<Claim, StoreError> {
        let name = self.keys.idempotency(owner, key);
        let value = serde_json::json!({ "job_id": job_id, "fingerprint": fingerprint }).to_string();
        let mut conn = self.conn.clone();
        let millis = window.as_millis().max(1) as u64;
        // Twice at most: the earlier claim may expire between the two commands.
        for _ in 0..2 {
            let set: Option<String> = redis::cmd("SET")
                .arg(&name)
                .arg(&value)
                .arg("NX")
                .arg("PX")
                .arg(millis)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            if set.is_some() {
                return Ok(Claim::New);
            }
            let existing: Option<String> = conn.get(&name).await.map_err(unavailable)?;
            if let Some(claim) = existing.and_then(|e| serde_json::from_str::<Value>(&e).ok()) {
                return Ok(Claim::Existing {
                    job_id: JobId::from(claim["job_id"].as_str().unwrap_or_default()),
                    fingerprint: claim["fingerprint"].as_str().unwrap_or_default().into(),
                });
            }
        }
        Err(unavailable("the idempotency key changed while it was read"))
    }

    async fn release_idempotency(&self, owner: &str, key: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        conn.del::<_, ()>(self.keys.idempotency(owner, key))
            .await
            .map_err(unavailable)
    }

    fn has_room(&self) -> bool {
        self.live.has_room()
    }

    async fn recover(&self) -> Result<Recovered, StoreError> {
        self.adopt_orphans().await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        if let Some(why) = self.writer.failure() {
            return Err(unavailable(why));
        }
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn expire(&self) {
        self.live.expire();
        let mut conn = self.conn.clone();
        let before = super::model::now() - self.retention.as_secs_f64();
        records::prune_index(&mut conn, &self.keys, before).await;
    }

    fn lease(&self) -> Option<Duration> {
        Some(self.lease)
    }

    async fn adopt_orphans(&self) -> Result<Recovered, StoreError> {
        let mut conn = self.conn.clone();
        let recovered = cluster::adopt(&mut conn, &self.keys, &self.instance)
            .await
            .map_err(unavailable)?;
        for (job, _) in recovered.interrupted.iter() {
            self.ensure_live(&job.job_id).await?;
        }
        for (job, _) in recovered.queued.iter() {
            self.ensure_live(&job.job_id).await?;
            // Ours now: if this replica dies too, the next one adopts it.
            self.writer.send(Op::Record {
                record: Box::new(job.clone()),
                spec: None,
                by: Some(self.instance.clone()),
                runner: None,
            });
        }
        Ok(recovered)
    }

    async fn request_cancel(&self, job_id: &JobId) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        conn.publish::<_, _, ()>(self.keys.cancels(), job_id.as_str())
            .await
            .map_err(unavailable)
    }

    fn cancel_requests(&self) -> Option<mpsc::UnboundedReceiver<JobId>> {
        lock(&self.cancels).take()
    }

    async fn share(&self, job_id: &JobId) -> Result<(), StoreError> {
        self.writer.send(Op::Share(job_id.clone()));
        if !self.writer.flush(DURABLE_WITHIN).await {
            let why = self.writer.failure().unwrap_or_else(|| "no answer".into());
            return Err(unavailable(why));
        }
        // Whichever replica takes it runs it: reads go to Redis from now on.
        self.live.remove(job_id);
        Ok(())
    }

    async fn claim_queued(&self, job_id: &JobId) -> Result<bool, StoreError> {
        self.queue.claim(job_id).await.map_err(unavailable)
    }

    async fn shared_queue_len(&self) -> Result<usize, StoreError> {
        self.queue.len().await.map_err(unavailable)
    }

    async fn take_shared(
        &self,
        wait: Duration,
        slots: &Arc<Semaphore>,
    ) -> Result<Option<(JobRecord, JobSpec, OwnedSemaphorePermit)>, StoreError> {
        let taken = self.queue.take(wait, slots).await.map_err(unavailable)?;
        let Some((job_id, permit)) = taken else {
            return Ok(None);
        };
        let mut conn = self.conn.clone();
        let Some((record, spec)) = records::queued(&mut conn, &self.keys, &job_id)
            .await
            .map_err(unavailable)?
        else {
            return Ok(None);
        };
        self.ensure_live(&job_id).await?;
        // Ours now: if this replica dies, the next one adopts it.
        self.writer.send(Op::Record {
            record: Box::new(record.clone()),
            spec: None,
            by: Some(self.instance.clone()),
            runner: None,
        });
        Ok(Some((record, spec, permit)))
    }

    fn replica(&self) -> Option<&str> {
        Some(&self.instance)
    }

    async fn hold_session(&self, session: &str, owner: Option<&str>) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        cluster::hold_session(&mut conn, &self.keys, session, owner)
            .await
            .map_err(unavailable)
    }

    async fn relay(&self, replica: &str, message: &Relayed) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        cluster::relay(&mut conn, &self.keys, replica, message)
            .await
            .map_err(unavailable)
    }

    fn relayed(&self) -> Option<mpsc::UnboundedReceiver<Relayed>> {
        lock(&self.relayed).take()
    }
}
