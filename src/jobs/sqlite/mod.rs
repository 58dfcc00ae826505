//! The SQLite job store (`store.backend: sqlite`, the default of `serve`):
//! jobs, their events, conversations and idempotency keys survive restarts.
//!
//! Live jobs are also kept in an in-memory store, which assigns sequence
//! numbers and fans events out: subscribers never poll the database. Every
//! record change and event is queued, in order, to one writer thread that
//! commits in batches (`writer`); reads of what is no longer live go to the
//! file on a reader connection, after the writes queued before them.
//!
//! - `db`: the schema and statements.
//! - `writer`: the batching writer thread.

mod db;
mod writer;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use rusqlite::Connection;
use serde_json::Value;

use super::event::{JobEvent, sse_frame};
use super::memory::{
    ConversationLimits, MemoryLimits, MemoryStore, decode_conversation, encode_conversation,
};
use super::model::{JobId, JobRecord, JobState, now};
use super::store::{
    Claim, ConversationKey, Delivery, EventStream, JobQuery, JobSpec, JobStore, JobUpdate,
    Recovered, StoreError, StoredEvent,
};
use writer::{Op, Writer};

/// Jobs, events and conversations in one SQLite file.
pub struct SqliteStore {
    live: MemoryStore,
    writer: Writer,
    reader: Arc<Mutex<Connection>>,
    retention: Duration,
    max_retained: usize,
    max_events: u64,
    conversations: ConversationLimits,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("SQLite: {e}"))
}

impl SqliteStore {
    /// Opens (or creates) the file at `path`.
    pub fn open(path: &Path, limits: MemoryLimits) -> Result<Self, StoreError> {
        let writer = Writer::start(path).map_err(unavailable)?;
        let reader = db::open(path).map_err(unavailable)?;
        Ok(Self {
            retention: limits.retention,
            max_retained: limits.max_retained,
            max_events: limits.max_events as u64,
            conversations: limits.conversations.clone(),
            live: MemoryStore::new(limits),
            writer,
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    /// Runs a read on the reader connection, after every write queued so far.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> db::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.writer.flush().await;
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(|e| e.into_inner());
            f(&conn)
        })
        .await
        .map_err(unavailable)?
        .map_err(unavailable)
    }

    /// Jobs that finished before this are past their retention.
    fn finished_after(&self) -> f64 {
        now() - self.retention.as_secs_f64()
    }

    /// Brings a job from the file back into the live store (its log
    /// continuing after its last stored event), so it can be updated and appended to.
    async fn ensure_live(&self, job_id: &JobId) -> Result<(), StoreError> {
        if self.live.contains(job_id) {
            return Ok(());
        }
        let id = job_id.clone();
        let since = self.finished_after();
        let found = self
            .read(move |conn| Ok((db::get_job(conn, &id, since)?, db::last_event(conn, &id)?)))
            .await?;
        match found {
            (Some(record), last) => {
                let last_seq = last.map_or(0, |(seq, _)| seq);
                self.live.insert_record(record, last_seq);
                Ok(())
            }
            (None, _) => Err(StoreError::NotFound(job_id.to_string())),
        }
    }

    /// A stored event as the live store frames it.
    fn stored(seq: u64, terminal: bool, data: &str) -> Delivery {
        Delivery::Event(Arc::new(StoredEvent {
            seq,
            frame: sse_frame(seq, data),
            terminal,
        }))
    }
}

#[async_trait]
impl JobStore for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn insert(&self, job: JobRecord, spec: &JobSpec) -> Result<(), StoreError> {
        self.live.insert(job.clone(), spec).await?;
        self.writer
            .send(Op::Insert(Box::new(job), Box::new(spec.clone())));
        // A job is durable once it was accepted.
        self.writer.flush().await;
        Ok(())
    }

    async fn update(&self, job_id: &JobId, update: JobUpdate) -> Result<JobRecord, StoreError> {
        self.ensure_live(job_id).await?;
        let runner = match &update {
            JobUpdate::Started { runner } => Some(runner.clone()),
            _ => None,
        };
        let record = self.live.update(job_id, update).await?;
        self.writer
            .send(Op::Update(Box::new(record.clone()), runner));
        Ok(record)
    }

    async fn get(&self, job_id: &JobId) -> Result<Option<JobRecord>, StoreError> {
        if let Some(record) = self.live.get(job_id).await? {
            return Ok(Some(record));
        }
        let id = job_id.clone();
        let since = self.finished_after();
        self.read(move |conn| db::get_job(conn, &id, since)).await
    }

    async fn list(&self, query: JobQuery) -> Result<(Vec<JobRecord>, usize), StoreError> {
        let q = query.clone();
        let since = self.finished_after();
        let (mut page, total) = self
            .read(move |conn| db::list_jobs(conn, &q, since))
            .await?;
        // Live records are fresher (the last event id moves with every event).
        for job in page.iter_mut() {
            if let Some(live) = self.live.get(&job.job_id).await? {
                *job = live;
            }
        }
        Ok((page, total))
    }

    async fn append(&self, job_id: &JobId, event: JobEvent) -> Result<u64, StoreError> {
        self.ensure_live(job_id).await?;
        let stored = self.live.append_stored(job_id, event)?;
        let Some(stored) = stored else {
            // The log is closed: nothing was appended.
            return self
                .live
                .get(job_id)
                .await
                .map(|r| r.map_or(0, |r| r.last_event_id));
        };
        self.writer.send(Op::Append {
            job: job_id.clone(),
            event: stored.clone(),
            keep: self.max_events,
        });
        if stored.terminal
            && let Some(record) = self.live.get(job_id).await?
        {
            // The record's last event id, as it stands at the end.
            self.writer.send(Op::Update(Box::new(record), None));
        }
        Ok(stored.seq)
    }

    async fn subscribe(&self, job_id: &JobId, after: u64) -> Result<EventStream, StoreError> {
        let live_from = self.live.first_seq(job_id);
        if let Some(first) = live_from
            && after.saturating_add(1) >= first
        {
            return self.live.subscribe(job_id, after).await;
        }
        // From the file: everything after `after` up to where the live log starts.
        let upto = live_from.map_or(u64::MAX, |first| first - 1);
        let id = job_id.clone();
        let since = self.finished_after();
        let (exists, stored, last) = self
            .read(move |conn| {
                Ok((
                    db::get_job(conn, &id, since)?.is_some(),
                    db::events(conn, &id, after, upto)?,
                    db::last_event(conn, &id)?,
                ))
            })
            .await?;
        if !exists && live_from.is_none() {
            return Err(StoreError::NotFound(job_id.to_string()));
        }
        let mut replay: Vec<Delivery> = Vec::with_capacity(stored.len() + 1);
        // Events before the stored window are gone, as in memory: say so.
        let next = stored.first().map(|(seq, _, _)| *seq).or(live_from);
        if let Some(first) = next
            && first > after.saturating_add(1)
        {
            replay.push(Delivery::Gap {
                first: after + 1,
                last: first - 1,
            });
        }
        replay.extend(
            stored
                .iter()
                .map(|(seq, terminal, data)| Self::stored(*seq, *terminal, data)),
        );
        if let Some(first) = live_from {
            let rest = self.live.subscribe(job_id, first - 1).await?;
            return Ok(futures::stream::iter(replay).chain(rest).boxed());
        }
        if replay.is_empty()
            && let Some((seq, true)) = last
        {
            // Past the end of a finished job: its end again, so the client stops.
            let id = job_id.clone();
            let end = self
                .read(move |conn| db::events(conn, &id, seq - 1, seq))
                .await?;
            replay.extend(end.iter().map(|(s, t, d)| Self::stored(*s, *t, d)));
        }
        Ok(futures::stream::iter(replay).boxed())
    }

    async fn conversation(&self, key: &ConversationKey) -> Result<Vec<Value>, StoreError> {
        let (owner, id) = (key.owner.clone(), key.id.clone());
        // Past their age they are dropped by `expire`.
        let text = self
            .read(move |conn| db::conversation(conn, &owner, &id))
            .await?;
        Ok(decode_conversation(text))
    }

    async fn save_conversation(
        &self,
        key: &ConversationKey,
        messages: Vec<Value>,
    ) -> Result<(), StoreError> {
        let text = encode_conversation(messages, &self.conversations);
        let (owner, id) = (key.owner.clone(), key.id.clone());
        let max = self.conversations.max_count;
        self.writer
            .call(move |conn| db::save_conversation(conn, &owner, &id, &text, now(), max))
            .await
            .transpose()
            .map_err(unavailable)?;
        Ok(())
    }

    async fn claim_idempotency(
        &self,
        owner: &str,
        key: &str,
        fingerprint: &str,
        job_id: &JobId,
        window: Duration,
    ) -> Result<Claim, StoreError> {
        let (owner, key, fingerprint, job) = (
            owner.to_string(),
            key.to_string(),
            fingerprint.to_string(),
            job_id.clone(),
        );
        let at = now();
        let claimed = self
            .writer
            .call(move |conn| {
                db::claim(
                    conn,
                    &owner,
                    &key,
                    &fingerprint,
                    &job,
                    at,
                    at + window.as_secs_f64(),
                )
            })
            .await
            .ok_or_else(|| unavailable("the writer stopped"))?
            .map_err(unavailable)?;
        Ok(match claimed {
            None => Claim::New,
            Some((job_id, fingerprint)) => Claim::Existing {
                job_id: JobId::from(job_id),
                fingerprint,
            },
        })
    }

    async fn release_idempotency(&self, owner: &str, key: &str) -> Result<(), StoreError> {
        let (owner, key) = (owner.to_string(), key.to_string());
        self.writer
            .call(move |conn| db::release(conn, &owner, &key))
            .await
            .transpose()
            .map_err(unavailable)?;
        Ok(())
    }

    fn has_room(&self) -> bool {
        self.live.has_room()
    }

    async fn recover(&self) -> Result<Recovered, StoreError> {
        let unfinished = self.read(db::unfinished).await?;
        let mut recovered = Recovered::default();
        for (record, spec, runner) in unfinished {
            self.ensure_live(&record.job_id).await?;
            match record.state {
                JobState::Queued => recovered.queued.push((record, spec)),
                _ => recovered.interrupted.push((record, runner)),
            }
        }
        Ok(recovered)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        match self.writer.failure() {
            Some(why) => Err(unavailable(why)),
            None => Ok(()),
        }
    }

    async fn expire(&self) {
        self.live.expire();
        let before = now() - self.retention.as_secs_f64();
        let conversations_before = now() - self.conversations.ttl.as_secs_f64();
        let keep = self.max_retained;
        let at = now();
        let gone = self
            .writer
            .call(move |conn| db::expire(conn, before, keep, at, conversations_before))
            .await;
        if let Some(Err(e)) = gone {
            tracing::warn!(error = %e, "expiring old jobs in SQLite failed");
        }
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
