//! The ordered writer: every record change and event of the jobs this
//! replica runs goes, in order, through one task that sends them to Redis in
//! pipelined batches. While Redis is unreachable the batch is kept and
//! retried (appends are idempotent), so a Redis restart loses nothing this
//! replica still holds; `/health` reports the failure meanwhile.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::{mpsc, oneshot};

use super::keys::Keys;
use crate::jobs::lock;
use crate::jobs::model::{JobId, JobRecord};
use crate::jobs::store::{JobSpec, StoredEvent};

/// Appends a run of one job's events (ARGV from 4: seq, data, terminal),
/// skipping those whose sequence number is already stored (a retried batch),
/// moves the job's `last`, and after the terminal event starts the retention
/// clock and drops the job from the active set.
const APPEND: &str = r"
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local top = last
local ended = false
for i = 4, #ARGV, 3 do
  local seq = tonumber(ARGV[i])
  if seq > top then
    redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[1], ARGV[i] .. '-0', 'd', ARGV[i + 1], 't', ARGV[i + 2])
    top = seq
    if ARGV[i + 2] == '1' then ended = true end
  end
end
if top > last then redis.call('HSET', KEYS[1], 'last', top) end
if ended then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  redis.call('SREM', KEYS[3], ARGV[3])
end
return top - last
";

/// One job's consecutive events in a batch.
type Run = (JobId, Vec<Arc<StoredEvent>>);

pub enum Op {
    /// A job's record as it stands now, with what else changed.
    Record {
        record: Box<JobRecord>,
        spec: Option<Box<JobSpec>>,
        /// `by` (accepted) or `runner` (started): the instance.
        by: Option<String>,
        runner: Option<String>,
    },
    /// The event as the live log holds it (shared, not copied).
    Append { job: JobId, event: Arc<StoredEvent> },
    /// Puts a job in the shared queue (after its record and first events).
    Share(JobId),
    /// Answered once everything queued before it is in Redis.
    Flush(oneshot::Sender<()>),
}

/// What the writer needs to know of the store's bounds.
#[derive(Clone)]
pub struct Bounds {
    pub max_events: usize,
    pub retention: Duration,
}

pub struct Writer {
    tx: mpsc::UnboundedSender<Op>,
    failure: Arc<Mutex<Option<String>>>,
}

impl Writer {
    pub fn start(conn: ConnectionManager, keys: Arc<Keys>, bounds: Bounds) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let failure = Arc::new(Mutex::new(None));
        tokio::spawn(run(conn, keys, bounds, rx, failure.clone()));
        Self { tx, failure }
    }

    pub fn send(&self, op: Op) {
        let _ = self.tx.send(op);
    }

    /// Waits until what was sent so far is in Redis, at most `limit`.
    pub async fn flush(&self, limit: Duration) -> bool {
        let (done, wait) = oneshot::channel();
        self.send(Op::Flush(done));
        matches!(tokio::time::timeout(limit, wait).await, Ok(Ok(())))
    }

    /// Why the last batch failed, while it is being retried.
    pub fn failure(&self) -> Option<String> {
        lock(&self.failure).clone()
    }
}

async fn run(
    mut conn: ConnectionManager,
    keys: Arc<Keys>,
    bounds: Bounds,
    mut rx: mpsc::UnboundedReceiver<Op>,
    failure: Arc<Mutex<Option<String>>>,
) {
    let script = redis::Script::new(APPEND);
    // 0 deletes at once, as the memory store forgets at once.
    let retention = bounds.retention.as_secs();
    while let Some(first) = rx.recv().await {
        let mut ops = vec![first];
        while ops.len() < 512 {
            match rx.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        let mut pipe = redis::pipe();
        let mut flushes = Vec::new();
        // Consecutive events of one job go in one script call.
        let mut run: Option<Run> = None;
        for op in ops {
            if !matches!(op, Op::Append { .. }) {
                append_run(&mut pipe, &script, &keys, &bounds, run.take());
            }
            match op {
                Op::Record {
                    record,
                    spec,
                    by,
                    runner,
                } => {
                    let key = keys.job(&record.job_id);
                    let json = serde_json::to_string(&record).unwrap_or_default();
                    // `state` and `owner` beside it: the list filters on them alone.
                    pipe.hset_multiple(
                        &key,
                        &[
                            ("record", json.as_str()),
                            ("state", record.state.as_str()),
                            ("owner", record.owner.as_str()),
                        ],
                    )
                    .ignore();
                    if let Some(spec) = spec {
                        let json = serde_json::to_string(&spec).unwrap_or_default();
                        pipe.hset(&key, "spec", json).ignore();
                    }
                    if let Some(by) = by {
                        pipe.hset(&key, "by", by).ignore();
                    }
                    if let Some(runner) = runner {
                        pipe.hset(&key, "runner", runner).ignore();
                    }
                    let id = record.job_id.as_str();
                    pipe.zadd(keys.index(), id, record.created_at).ignore();
                    if record.state.is_terminal() {
                        pipe.srem(keys.active(), id).ignore();
                        pipe.expire(&key, retention as i64).ignore();
                    } else {
                        pipe.sadd(keys.active(), id).ignore();
                    }
                }
                Op::Append { job, event } => {
                    if run.as_ref().is_some_and(|(j, _)| *j != job) {
                        append_run(&mut pipe, &script, &keys, &bounds, run.take());
                    }
                    run.get_or_insert_with(|| (job, Vec::new())).1.push(event);
                    continue;
                }
                Op::Share(job) => {
                    pipe.hset(keys.job(&job), "shared", 1).ignore();
                    pipe.cmd("XADD")
                        .arg(keys.queue())
                        .arg("*")
                        .arg("job")
                        .arg(job.as_str())
                        .ignore();
                }
                Op::Flush(done) => flushes.push(done),
            }
        }
        append_run(&mut pipe, &script, &keys, &bounds, run.take());
        let mut backoff = Duration::from_millis(50);
        loop {
            match send(&mut conn, &pipe, &script).await {
                Ok(()) => {
                    *lock(&failure) = None;
                    break;
                }
                Err(e) => {
                    let why = e.to_string();
                    if lock(&failure).as_deref() != Some(why.as_str()) {
                        tracing::warn!(error = %why, "writing to Redis failed; retrying");
                    }
                    *lock(&failure) = Some(why);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Adds one job's run of events to the batch (by the script's digest: `send`
/// loads the script when Redis lacks it).
fn append_run(
    pipe: &mut redis::Pipeline,
    script: &redis::Script,
    keys: &Keys,
    bounds: &Bounds,
    run: Option<Run>,
) {
    let Some((job, events)) = run else { return };
    let call = pipe
        .cmd("EVALSHA")
        .arg(script.get_hash())
        .arg(3)
        .arg(keys.job(&job))
        .arg(keys.events(&job))
        .arg(keys.active())
        .arg(bounds.max_events.max(1))
        .arg(bounds.retention.as_secs())
        .arg(job.as_str());
    for event in events {
        call.arg(event.seq)
            .arg(event.data())
            .arg(if event.terminal { "1" } else { "0" });
    }
    call.ignore();
}

/// One round trip for the whole batch; when Redis does not know the append
/// script (a restart), it is loaded and the batch sent again (every command
/// in it may be repeated).
async fn send(
    conn: &mut ConnectionManager,
    pipe: &redis::Pipeline,
    script: &redis::Script,
) -> redis::RedisResult<()> {
    if pipe.is_empty() {
        return Ok(());
    }
    match pipe.query_async::<()>(conn).await {
        Err(e) if e.code() == Some("NOSCRIPT") => {
            script.prepare_invoke().load_async(conn).await?;
            pipe.query_async::<()>(conn).await
        }
        other => other,
    }
}
