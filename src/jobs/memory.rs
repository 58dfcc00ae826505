//! The embedded in-memory job store (the default).
//!
//! Each job's events are encoded once into SSE frames and kept in a bounded
//! ring; subscribers share them by reference and are woken through a `watch`
//! channel, so a slow subscriber never blocks the job or another subscriber,
//! and no lock is held across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::watch;

use super::lock;
use super::model::{END_OF_STREAM, JobRecord, JobState, StoredEvent, event_json, now, sse_frame};
use super::store::{Delivery, EventStream, JobQuery, JobStore, JobUpdate, StoreError};

/// Bounds of the in-memory store.
#[derive(Debug, Clone)]
pub struct MemoryLimits {
    pub max_events: usize,
    pub max_bytes: usize,
    /// How long a finished job stays readable.
    pub retention: Duration,
    /// Finished jobs kept at most (the oldest finished go first).
    pub max_retained: usize,
    pub conversation_max_messages: usize,
}

/// Jobs and event logs in this process's memory.
pub struct MemoryStore {
    limits: MemoryLimits,
    jobs: Mutex<HashMap<String, Arc<Entry>>>,
    conversations: Mutex<HashMap<String, Vec<Value>>>,
}

struct Entry {
    record: Mutex<JobRecord>,
    log: Mutex<Log>,
    /// Carries the last sequence number; subscribers wait on it.
    notify: watch::Sender<u64>,
    finished: Mutex<Option<Instant>>,
}

struct Log {
    events: VecDeque<Arc<StoredEvent>>,
    bytes: usize,
    last_seq: u64,
    closed: bool,
}

impl MemoryStore {
    pub fn new(limits: MemoryLimits) -> Self {
        Self {
            limits,
            jobs: Mutex::new(HashMap::new()),
            conversations: Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, job_id: &str) -> Result<Arc<Entry>, StoreError> {
        let mut jobs = lock(&self.jobs);
        let entry = jobs
            .get(job_id)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(job_id.to_string()))?;
        if entry.expired(self.limits.retention) {
            jobs.remove(job_id);
            return Err(StoreError::NotFound(job_id.to_string()));
        }
        Ok(entry)
    }

    /// Drops finished jobs older than the retention period (called periodically).
    pub fn expire(&self) {
        let retention = self.limits.retention;
        lock(&self.jobs).retain(|_, entry| !entry.expired(retention));
    }
}

impl Entry {
    fn expired(&self, retention: Duration) -> bool {
        lock(&self.finished).is_some_and(|at| at.elapsed() >= retention)
    }
}

#[async_trait]
impl JobStore for MemoryStore {
    async fn insert(&self, job: JobRecord) -> Result<(), StoreError> {
        let (notify, _) = watch::channel(0);
        let entry = Arc::new(Entry {
            log: Mutex::new(Log {
                events: VecDeque::new(),
                bytes: 0,
                last_seq: 0,
                closed: false,
            }),
            record: Mutex::new(job.clone()),
            notify,
            finished: Mutex::new(None),
        });
        let mut jobs = lock(&self.jobs);
        jobs.insert(job.job_id, entry);
        if jobs.len() > self.limits.max_retained {
            // Bound memory whatever the retention period: drop the oldest finished jobs.
            let mut finished: Vec<(Instant, String)> = jobs
                .iter()
                .filter_map(|(id, e)| lock(&e.finished).map(|at| (at, id.clone())))
                .collect();
            let excess = jobs.len() - self.limits.max_retained;
            finished.sort();
            for (_, id) in finished.into_iter().take(excess) {
                jobs.remove(&id);
            }
        }
        Ok(())
    }

    async fn update(&self, job_id: &str, update: JobUpdate) -> Result<JobRecord, StoreError> {
        let entry = self.entry(job_id)?;
        let mut record = lock(&entry.record);
        match update {
            JobUpdate::Started => {
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
        Ok(record.clone())
    }

    async fn get(&self, job_id: &str) -> Result<Option<JobRecord>, StoreError> {
        match self.entry(job_id) {
            Ok(entry) => Ok(Some(lock(&entry.record).clone())),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn list(&self, query: JobQuery) -> Result<(Vec<JobRecord>, usize), StoreError> {
        self.expire();
        let entries: Vec<Arc<Entry>> = lock(&self.jobs).values().cloned().collect();
        let mut records: Vec<JobRecord> = entries
            .iter()
            .map(|e| lock(&e.record).clone())
            .filter(|r| query.state.is_none_or(|s| r.state == s))
            .collect();
        records.sort_by(|a, b| b.created_at.total_cmp(&a.created_at));
        let total = records.len();
        let page = records
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .collect();
        Ok((page, total))
    }

    async fn append(&self, job_id: &str, event: &str, data: Value) -> Result<u64, StoreError> {
        let entry = self.entry(job_id)?;
        let json = event_json(job_id, event, &data, now());
        let terminal = event == END_OF_STREAM;
        let seq = {
            let mut log = lock(&entry.log);
            if log.closed {
                return Ok(log.last_seq);
            }
            log.last_seq += 1;
            let stored = Arc::new(StoredEvent {
                seq: log.last_seq,
                frame: sse_frame(log.last_seq, &json),
                terminal,
            });
            log.bytes += stored.frame.len();
            log.events.push_back(stored);
            log.closed = terminal;
            // Trim the oldest events, never the newest one.
            while log.events.len() > 1
                && (log.events.len() > self.limits.max_events || log.bytes > self.limits.max_bytes)
            {
                if let Some(old) = log.events.pop_front() {
                    log.bytes -= old.frame.len();
                }
            }
            log.last_seq
        };
        lock(&entry.record).last_event_id = seq;
        if terminal {
            // Retention counts from the end of the stream, so no subscriber misses it.
            *lock(&entry.finished) = Some(Instant::now());
        }
        entry.notify.send_replace(seq);
        Ok(seq)
    }

    async fn subscribe(&self, job_id: &str, after: u64) -> Result<EventStream, StoreError> {
        let entry = self.entry(job_id)?;
        let rx = entry.notify.subscribe();
        let state = Follow {
            entry,
            rx,
            next: after + 1,
            pending: VecDeque::new(),
            done: false,
        };
        Ok(futures::stream::unfold(state, Follow::next_delivery).boxed())
    }

    async fn conversation(&self, id: &str) -> Result<Vec<Value>, StoreError> {
        Ok(lock(&self.conversations)
            .get(id)
            .cloned()
            .unwrap_or_default())
    }

    async fn save_conversation(
        &self,
        id: &str,
        mut messages: Vec<Value>,
    ) -> Result<(), StoreError> {
        let max = self.limits.conversation_max_messages;
        if messages.len() > max {
            messages.drain(..messages.len() - max);
        }
        lock(&self.conversations).insert(id.to_string(), messages);
        Ok(())
    }
}

/// One subscriber's position in a log.
struct Follow {
    entry: Arc<Entry>,
    rx: watch::Receiver<u64>,
    next: u64,
    pending: VecDeque<Delivery>,
    done: bool,
}

impl Follow {
    async fn next_delivery(mut self) -> Option<(Delivery, Self)> {
        loop {
            if let Some(d) = self.pending.pop_front() {
                if let Delivery::Event(e) = &d
                    && e.terminal
                {
                    self.done = true;
                }
                return Some((d, self));
            }
            if self.done {
                return None;
            }
            // Mark the current version seen before reading the log, so an append
            // that lands after the read still wakes us.
            self.rx.borrow_and_update();
            let closed = self.fill();
            if !self.pending.is_empty() {
                continue;
            }
            if closed {
                return None;
            }
            if self.rx.changed().await.is_err() {
                return None;
            }
        }
    }

    /// Copies references to every retained event at or after `next`; true when the log is closed.
    fn fill(&mut self) -> bool {
        let log = lock(&self.entry.log);
        let Some(first) = log.events.front().map(|e| e.seq) else {
            return log.closed;
        };
        if self.next > log.last_seq {
            return log.closed;
        }
        if self.next < first {
            self.pending.push_back(Delivery::Gap {
                first: self.next,
                last: first - 1,
            });
            self.next = first;
        }
        let start = (self.next - first) as usize;
        self.pending.extend(
            log.events
                .iter()
                .skip(start)
                .map(|e| Delivery::Event(e.clone())),
        );
        self.next = log.last_seq + 1;
        log.closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store(max_events: usize) -> MemoryStore {
        MemoryStore::new(MemoryLimits {
            max_events,
            max_bytes: 1 << 20,
            retention: Duration::from_secs(60),
            max_retained: 2,
            conversation_max_messages: 3,
        })
    }

    fn record(id: &str) -> JobRecord {
        JobRecord {
            job_id: id.into(),
            state: JobState::Queued,
            command: "/list".into(),
            kind: "slash".into(),
            metadata: Value::Null,
            created_at: now(),
            started_at: None,
            finished_at: None,
            result: None,
            error: None,
            last_event_id: 0,
        }
    }

    async fn seqs(stream: EventStream) -> Vec<String> {
        stream
            .map(|d| match d {
                Delivery::Event(e) => e.seq.to_string(),
                Delivery::Gap { first, last } => format!("gap{first}-{last}"),
            })
            .collect()
            .await
    }

    #[tokio::test]
    async fn replay_then_live_then_end() {
        let s = Arc::new(store(100));
        s.insert(record("j")).await.unwrap();
        s.append("j", "job_started", json!({})).await.unwrap();
        let sub = s.subscribe("j", 0).await.unwrap();
        let late = s.subscribe("j", 1).await.unwrap();
        let writer = {
            let s = s.clone();
            tokio::spawn(async move {
                s.append("j", "result", json!({"result": "x"}))
                    .await
                    .unwrap();
                s.append("j", END_OF_STREAM, json!({})).await.unwrap();
            })
        };
        assert_eq!(seqs(sub).await, ["1", "2", "3"]);
        assert_eq!(seqs(late).await, ["2", "3"]);
        writer.await.unwrap();
        // Appends after the end are ignored.
        assert_eq!(s.append("j", "x", json!({})).await.unwrap(), 3);
    }

    #[tokio::test]
    async fn trimmed_history_is_announced_as_a_gap() {
        let s = store(3);
        s.insert(record("j")).await.unwrap();
        for _ in 0..5 {
            s.append("j", "status_update", json!({})).await.unwrap();
        }
        s.append("j", END_OF_STREAM, json!({})).await.unwrap();
        assert_eq!(
            seqs(s.subscribe("j", 0).await.unwrap()).await,
            ["gap1-3", "4", "5", "6"]
        );
        assert_eq!(seqs(s.subscribe("j", 4).await.unwrap()).await, ["5", "6"]);
        assert_eq!(
            seqs(s.subscribe("j", 6).await.unwrap()).await,
            Vec::<String>::new()
        );
    }

    #[tokio::test]
    async fn frames_have_id_and_data_but_no_event_field() {
        let s = store(10);
        s.insert(record("j")).await.unwrap();
        s.append("j", "job_started", json!({"message": "m"}))
            .await
            .unwrap();
        let mut sub = s.subscribe("j", 0).await.unwrap();
        let Some(Delivery::Event(e)) = sub.next().await else {
            panic!("no event")
        };
        let text = std::str::from_utf8(&e.frame).unwrap();
        assert!(text.starts_with(
            "id: 1\ndata: {\"event\":\"job_started\",\"data\":{\"message\":\"m\"},\"timestamp\":"
        ));
        assert!(text.ends_with(",\"job_id\":\"j\"}\n\n"));
        assert!(!text.contains("\nevent:"));
    }

    #[tokio::test]
    async fn the_oldest_finished_jobs_go_first_past_the_cap() {
        let s = store(10);
        for id in ["a", "b", "c"] {
            s.insert(record(id)).await.unwrap();
            s.append(id, END_OF_STREAM, json!({})).await.unwrap();
        }
        s.insert(record("running")).await.unwrap();
        assert!(s.get("a").await.unwrap().is_none());
        assert!(s.get("b").await.unwrap().is_none());
        assert!(s.get("c").await.unwrap().is_some());
        assert!(
            s.get("running").await.unwrap().is_some(),
            "running jobs are never dropped"
        );
    }

    #[tokio::test]
    async fn conversations_are_bounded() {
        let s = store(10);
        s.save_conversation("c", (0..5).map(|i| json!(i)).collect())
            .await
            .unwrap();
        assert_eq!(
            s.conversation("c").await.unwrap(),
            vec![json!(2), json!(3), json!(4)]
        );
    }
}
