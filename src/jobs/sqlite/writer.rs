//! The one writer of the SQLite file: a thread that takes writes in order
//! from a channel and commits whatever has piled up in one transaction, so a
//! CLI printing thousands of lines a second costs a few commits a second,
//! and never waits for the disk itself.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::db;
use crate::jobs::model::{JobId, JobRecord};
use crate::jobs::store::{JobSpec, StoredEvent};

/// Writes done in one transaction at most.
const BATCH: usize = 2048;

/// What a call answers once its batch is committed.
type Reply = Box<dyn FnOnce() + Send>;

/// A question run on the writer's connection, inside a batch.
type Question = Box<dyn FnOnce(&Connection) -> Reply + Send>;

/// A write, or a question answered from the writer's connection after every
/// write queued before it.
pub enum Op {
    Insert(Box<JobRecord>, Box<JobSpec>),
    Update(Box<JobRecord>, Option<String>),
    /// The event as the live log holds it (shared, not copied).
    Append {
        job: JobId,
        event: Arc<StoredEvent>,
        /// Events of the job kept (`jobs.event_log_max_events`).
        keep: u64,
    },
    /// Runs inside the batch's transaction; its answer goes out after the commit.
    Call(Question),
}

/// The sending side, and the last failure (health reads it).
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<Op>,
    failure: Arc<Mutex<Option<String>>>,
}

impl Writer {
    /// Starts the writer thread on its own connection to `path`.
    pub fn start(path: &Path) -> db::Result<Self> {
        let conn = db::open(path)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let failure = Arc::new(Mutex::new(None));
        let seen = failure.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, rx, seen))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Self { tx, failure })
    }

    /// Queues a write; it is committed with its batch.
    pub fn send(&self, op: Op) {
        if self.tx.send(op).is_err() {
            tracing::error!("the SQLite writer has stopped: a write was lost");
        }
    }

    /// Runs `f` on the writer's connection after every write queued so far
    /// and waits for its answer (after the commit).
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> T + Send + 'static,
    ) -> Option<T> {
        let (answer, reply) = oneshot::channel();
        self.send(Op::Call(Box::new(move |conn| {
            let value = f(conn);
            Box::new(move || {
                let _ = answer.send(value);
            })
        })));
        reply.await.ok()
    }

    /// Waits until every write queued so far is committed.
    pub async fn flush(&self) {
        self.call(|_| ()).await;
    }

    /// Why the last batch failed, if it did.
    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

fn run(
    mut conn: Connection,
    mut rx: mpsc::UnboundedReceiver<Op>,
    failure: Arc<Mutex<Option<String>>>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(op) = rx.blocking_recv() {
        batch.push(op);
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let mut replies = Vec::new();
        let outcome = write(&mut conn, batch.drain(..), &mut replies);
        *failure.lock().unwrap_or_else(|e| e.into_inner()) = match outcome {
            Ok(()) => None,
            Err(e) => {
                tracing::error!(error = %e, "the job store could not write to its SQLite file");
                Some(e.to_string())
            }
        };
        for reply in replies {
            reply();
        }
    }
}

fn write(
    conn: &mut Connection,
    ops: impl Iterator<Item = Op>,
    replies: &mut Vec<Reply>,
) -> db::Result<()> {
    let tx = conn.transaction()?;
    let mut first_error = None;
    for op in ops {
        let done = match op {
            Op::Insert(job, spec) => db::insert_job(&tx, &job, &spec),
            Op::Update(job, runner) => db::update_job(&tx, &job, runner.as_deref()),
            Op::Append { job, event, keep } => {
                db::append_event(&tx, &job, event.seq, event.terminal, event.data(), keep)
            }
            Op::Call(f) => {
                replies.push(f(&tx));
                Ok(())
            }
        };
        if let Err(e) = done {
            first_error.get_or_insert(e);
        }
    }
    tx.commit()?;
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
