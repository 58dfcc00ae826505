//! The embedded in-memory job store (the default of `serve --demo`), also the
//! live half of the durable stores.
//!
//! Each job's events are encoded once into SSE frames and kept in a bounded
//! ring; subscribers share them by reference and are woken through a `watch`
//! channel, so a slow subscriber never blocks the job or another subscriber,
//! and no lock is held across an `.await`. The store as a whole has a byte
//! budget: past it the oldest finished jobs go, and new jobs are refused
//! while running ones alone fill it.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::watch;

use super::event::{JobEvent, SseMessage, sse_frame};
use super::lock;
use super::model::{JobId, JobRecord, JobState, now};
use super::store::{
    Claim, ConversationKey, EventStream, JobQuery, JobSpec, JobStore, JobUpdate, StoreError,
    StoredEvent,
};

/// Bounds of the in-memory store.
#[derive(Debug, Clone)]
pub struct MemoryLimits {
    pub max_events: usize,
    pub max_bytes: usize,
    /// How long a finished job stays readable.
    pub retention: Duration,
    /// Finished jobs kept at most (the oldest finished go first).
    pub max_retained: usize,
    /// Bytes of all jobs' records and event logs together.
    pub store_max_bytes: usize,
    pub conversations: ConversationLimits,
}

/// Bounds of conversation memory.
#[derive(Debug, Clone)]
pub struct ConversationLimits {
    /// Messages kept per conversation (the oldest go first).
    pub max_messages: usize,
    /// Bytes kept per conversation (the oldest messages go first).
    pub max_bytes: usize,
    /// Conversations kept (the least recently used go first).
    pub max_count: usize,
    /// A conversation unused this long is forgotten.
    pub ttl: Duration,
}

/// Jobs and event logs in this process's memory.
pub struct MemoryStore {
    limits: MemoryLimits,
    jobs: Mutex<HashMap<JobId, Arc<Entry>>>,
    /// Bytes of every entry's record and log.
    bytes: AtomicUsize,
    conversations: Mutex<HashMap<ConversationKey, Conversation>>,
    /// (owner, key) to the claim.
    idempotency: Mutex<HashMap<(String, String), IdempotencyClaim>>,
}

/// What an `Idempotency-Key` names, and until when.
struct IdempotencyClaim {
    job_id: JobId,
    fingerprint: String,
    at: Instant,
    window: Duration,
}

struct Conversation {
    messages: Vec<Value>,
    used: Instant,
}

/// What a record weighs in the budget, beside its log.
fn record_bytes(record: &JobRecord) -> usize {
    256 + record.command.len()
        + record.metadata.to_string().len()
        + record.result.as_ref().map_or(0, String::len)
        + record.error.as_ref().map_or(0, String::len)
}

impl MemoryStore {
    pub fn new(limits: MemoryLimits) -> Self {
        Self {
            limits,
            jobs: Mutex::new(HashMap::new()),
            bytes: AtomicUsize::new(0),
            conversations: Mutex::new(HashMap::new()),
            idempotency: Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, job_id: &JobId) -> Result<Arc<Entry>, StoreError> {
        let mut jobs = lock(&self.jobs);
        let entry = jobs
            .get(job_id)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(job_id.to_string()))?;
        if entry.expired(self.limits.retention) {
            if let Some(gone) = jobs.remove(job_id) {
                self.forget(&gone);
            }
            return Err(StoreError::NotFound(job_id.to_string()));
        }
        Ok(entry)
    }

    /// Gives back the bytes of an entry that left the map.
    fn forget(&self, entry: &Entry) {
        let weight = lock(&entry.log).bytes + record_bytes(&lock(&entry.record));
        self.bytes.fetch_sub(weight, Ordering::Relaxed);
    }

    /// Drops finished jobs older than the retention period, and conversations
    /// and idempotency keys past their age (called periodically).
    pub fn expire(&self) {
        let retention = self.limits.retention;
        lock(&self.jobs).retain(|_, entry| {
            let keep = !entry.expired(retention);
            if !keep {
                self.forget(entry);
            }
            keep
        });
        let ttl = self.limits.conversations.ttl;
        lock(&self.conversations).retain(|_, c| c.used.elapsed() < ttl);
        lock(&self.idempotency).retain(|_, c| c.at.elapsed() < c.window);
    }

    /// Appends an event; the stored event, or `None` when the log was
    /// already closed (an append after `end_of_stream` is ignored).
    pub fn append_stored(
        &self,
        job_id: &JobId,
        event: JobEvent,
    ) -> Result<Option<Arc<StoredEvent>>, StoreError> {
        let entry = self.entry(job_id)?;
        let terminal = event.is_terminal();
        let json = SseMessage {
            event,
            timestamp: now(),
            job_id: job_id.clone(),
        }
        .to_json();
        let (stored, grew) = {
            let mut log = lock(&entry.log);
            if log.closed {
                return Ok(None);
            }
            let before = log.bytes;
            log.last_seq += 1;
            let stored = Arc::new(StoredEvent {
                seq: log.last_seq,
                frame: sse_frame(log.last_seq, &json),
                terminal,
            });
            log.bytes += stored.frame.len();
            log.events.push_back(stored.clone());
            log.closed = terminal;
            // Trim the oldest events, never the newest one.
            while log.events.len() > 1
                && (log.events.len() > self.limits.max_events || log.bytes > self.limits.max_bytes)
            {
                if let Some(old) = log.events.pop_front() {
                    log.bytes -= old.frame.len();
                }
            }
            (stored, log.bytes as isize - before as isize)
        };
        if grew >= 0 {
            self.bytes.fetch_add(grew as usize, Ordering::Relaxed);
        } else {
            self.bytes.fetch_sub((-grew) as usize, Ordering::Relaxed);
        }
        lock(&entry.record).last_event_id = stored.seq;
        if terminal {
            // Retention counts from the end of the stream, so no subscriber misses it.
            *lock(&entry.finished) = Some(Instant::now());
        }
        entry.notify.send_replace(stored.seq);
        if terminal && self.bytes.load(Ordering::Relaxed) > self.limits.store_max_bytes {
            self.evict();
        }
        Ok(Some(stored))
    }

    /// Adds a job whose log continues after `last_seq` (a durable store's job
    /// brought back to life; new jobs start at 0).
    pub fn insert_record(&self, job: JobRecord, last_seq: u64) {
        let (notify, _) = watch::channel(last_seq);
        self.bytes.fetch_add(record_bytes(&job), Ordering::Relaxed);
        let entry = Arc::new(Entry {
            log: Mutex::new(Log {
                events: VecDeque::new(),
                bytes: 0,
                last_seq,
                closed: false,
            }),
            record: Mutex::new(job.clone()),
            notify,
            finished: Mutex::new(None),
        });
        if let Some(old) = lock(&self.jobs).insert(job.job_id, entry) {
            self.forget(&old);
        }
        self.evict();
    }

    /// The oldest sequence number still in a live job's log (the next one
    /// when nothing is retained yet); `None` when the job is not here.
    pub fn first_seq(&self, job_id: &JobId) -> Option<u64> {
        let entry = lock(&self.jobs).get(job_id).cloned()?;
        let log = lock(&entry.log);
        Some(log.events.front().map_or(log.last_seq + 1, |e| e.seq))
    }

    /// Forgets a job (its record now lives elsewhere, e.g. handed to another replica).
    pub fn remove(&self, job_id: &JobId) {
        if let Some(gone) = lock(&self.jobs).remove(job_id) {
            self.forget(&gone);
        }
    }

    /// Whether a job is here (and not expired).
    pub fn contains(&self, job_id: &JobId) -> bool {
        self.entry(job_id).is_ok()
    }

    /// Drops the oldest finished jobs until the store holds at most
    /// `max_retained` jobs and fits its byte budget.
    fn evict(&self) {
        let mut jobs = lock(&self.jobs);
        let over_count = jobs.len().saturating_sub(self.limits.max_retained);
        if over_count == 0 && self.bytes.load(Ordering::Relaxed) <= self.limits.store_max_bytes {
            return;
        }
        let mut finished: Vec<(Instant, JobId)> = jobs
            .iter()
            .filter_map(|(id, e)| lock(&e.finished).map(|at| (at, id.clone())))
            .collect();
        finished.sort();
        for (n, (_, id)) in finished.into_iter().enumerate() {
            if n >= over_count && self.bytes.load(Ordering::Relaxed) <= self.limits.store_max_bytes
            {
                break;
            }
            if let Some(gone) = jobs.remove(&id) {
                self.forget(&gone);
            }
        }
    }
}

#[async_trait]
impl JobStore for MemoryStore {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn expire(&self) {
        MemoryStore::expire(self);
    }

    async fn insert(&self, job: JobRecord, _: &JobSpec) -> Result<(), StoreError> {
        self.insert_record(job, 0);
        Ok(())
    }

    async fn update(&self, job_id: &JobId, update: JobUpdate) -> Result<JobRecord, StoreError> {
        let entry = self.entry(job_id)?;
        let mut record = lock(&entry.record);
        let before = record_bytes(&record);
        match update {
            JobUpdate::State(state) => record.state = state,
            JobUpdate::Started { .. } => {
                record.state = JobState::Running;
                record.started_at = Some(now());
            }
            JobUpdate::Finished {
                state,
                result,
                error,
            } => {
                record.state = state;
                record.finished_at = Some(now());
                record.result = result;
                record.error = error;
            }
        }
        let after = record_bytes(&record);
        self.bytes.fetch_add(after, Ordering::Relaxed);
        self.bytes.fetch_sub(before, Ordering::Relaxed);
        Ok(record.clone())
    }

    async fn get(&self, job_id: &JobId) -> Result<Option<JobRecord>, StoreError> {
        match self.entry(job_id) {
            Ok(entry) => Ok(Some(lock(&entry.record).clone())),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn list(&self, query: JobQuery) -> Result<(Vec<JobRecord>, usize), StoreError> {
        self.expire();
        // Only the page's records are copied: the rest are looked at in place.
        let mut matching: Vec<(f64, Arc<Entry>)> = lock(&self.jobs)
            .values()
            .filter_map(|e| {
                let r = lock(&e.record);
                let state_ok = query.state.is_none_or(|s| r.state == s);
                let owner_ok = query.owner.as_deref().is_none_or(|o| r.owner == o);
                (state_ok && owner_ok).then(|| (r.created_at, e.clone()))
            })
            .collect();
        matching.sort_by(|a, b| b.0.total_cmp(&a.0));
        let total = matching.len();
        let page = matching
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .map(|(_, e)| lock(&e.record).clone())
            .collect();
        Ok((page, total))
    }

    async fn append(&self, job_id: &JobId, event: JobEvent) -> Result<u64, StoreError> {
        match self.append_stored(job_id, event)? {
            Some(stored) => Ok(stored.seq),
            None => Ok(lock(&self.entry(job_id)?.log).last_seq),
        }
    }

    async fn subscribe(&self, job_id: &JobId, after: u64) -> Result<EventStream, StoreError> {
        let entry = self.entry(job_id)?;
        let rx = entry.notify.subscribe();
        let state = Follow {
            entry,
            rx,
            // The top of the range must not wrap round to a full replay.
            next: after.saturating_add(1),
            pending: VecDeque::new(),
            done: false,
        };
        Ok(futures::stream::unfold(state, Follow::next_delivery).boxed())
    }

    async fn conversation(&self, key: &ConversationKey) -> Result<Vec<Value>, StoreError> {
        let mut conversations = lock(&self.conversations);
        let ttl = self.limits.conversations.ttl;
        match conversations.get_mut(key) {
            Some(c) if c.used.elapsed() < ttl => {
                c.used = Instant::now();
                Ok(c.messages.clone())
            }
            _ => Ok(Vec::new()),
        }
    }

    async fn save_conversation(
        &self,
        key: &ConversationKey,
        messages: Vec<Value>,
    ) -> Result<(), StoreError> {
        let messages = bound_conversation(messages, &self.limits.conversations);
        let mut conversations = lock(&self.conversations);
        if !conversations.contains_key(key)
            && conversations.len() >= self.limits.conversations.max_count
            && let Some(oldest) = conversations
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(k, _)| k.clone())
        {
            conversations.remove(&oldest);
        }
        conversations.insert(
            key.clone(),
            Conversation {
                messages,
                used: Instant::now(),
            },
        );
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
        let mut claims = lock(&self.idempotency);
        let slot = (owner.to_string(), key.to_string());
        if let Some(claim) = claims.get(&slot)
            && claim.at.elapsed() < claim.window
        {
            return Ok(Claim::Existing {
                job_id: claim.job_id.clone(),
                fingerprint: claim.fingerprint.clone(),
            });
        }
        claims.insert(
            slot,
            IdempotencyClaim {
                job_id: job_id.clone(),
                fingerprint: fingerprint.to_string(),
                at: Instant::now(),
                window,
            },
        );
        Ok(Claim::New)
    }

    async fn release_idempotency(&self, owner: &str, key: &str) -> Result<(), StoreError> {
        lock(&self.idempotency).remove(&(owner.to_string(), key.to_string()));
        Ok(())
    }

    fn has_room(&self) -> bool {
        if self.bytes.load(Ordering::Relaxed) <= self.limits.store_max_bytes {
            return true;
        }
        self.evict();
        self.bytes.load(Ordering::Relaxed) <= self.limits.store_max_bytes
    }
}

/// The newest messages that fit the count and byte bounds.
pub fn bound_conversation(mut messages: Vec<Value>, limits: &ConversationLimits) -> Vec<Value> {
    if messages.len() > limits.max_messages {
        messages.drain(..messages.len() - limits.max_messages);
    }
    let mut total: usize = messages.iter().map(|m| m.to_string().len()).sum();
    let mut cut = 0;
    while total > limits.max_bytes && cut < messages.len() {
        total -= messages[cut].to_string().len();
        cut += 1;
    }
    messages.drain(..cut);
    messages
}

/// A conversation as the durable stores keep it: bounded, as JSON text.
pub fn encode_conversation(messages: Vec<Value>, limits: &ConversationLimits) -> String {
    let messages = bound_conversation(messages, limits);
    serde_json::to_string(&messages).unwrap_or_else(|_| "[]".into())
}

/// A stored conversation's messages; none when absent or unreadable.
pub fn decode_conversation(text: Option<String>) -> Vec<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

mod log;

use log::{Entry, Follow, Log};

#[cfg(test)]
mod tests;
