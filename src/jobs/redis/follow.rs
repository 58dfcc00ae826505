//! Reading a job's event log from Redis: replay with `XRANGE`, live follow
//! with `XREAD BLOCK`. One follower per followed job and process reads the
//! stream on a connection of its own (no response timeout, so a block never
//! stalls ordinary commands) and fans events out to this process's
//! subscribers; a subscriber that falls behind refills from `XRANGE`, so
//! nothing is lost or repeated.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::{StreamId, StreamRangeReply, StreamReadReply};
use redis::{AsyncConnectionConfig, Client};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use super::keys::Keys;
use crate::jobs::event::sse_frame;
use crate::jobs::lock;
use crate::jobs::model::JobId;
use crate::jobs::store::{Delivery, EventStream, StoredEvent};

/// How long one `XREAD` blocks before the follower checks it still has subscribers.
const BLOCK: Duration = Duration::from_secs(5);
/// Events a follower buffers per subscriber before that subscriber refills from `XRANGE`.
const FAN_OUT: usize = 1024;

/// The followers of this process, by job.
pub struct Follow {
    client: Client,
    conn: ConnectionManager,
    keys: Arc<Keys>,
    followers: Mutex<HashMap<JobId, broadcast::Sender<Arc<StoredEvent>>>>,
}

/// An event as stored in the stream.
fn parse(entry: &StreamId) -> Option<Arc<StoredEvent>> {
    let seq: u64 = entry.id.split('-').next()?.parse().ok()?;
    let data: String = entry.get("d")?;
    let terminal: String = entry.get("t").unwrap_or_default();
    Some(Arc::new(StoredEvent {
        seq,
        frame: sse_frame(seq, &data),
        terminal: terminal == "1",
    }))
}

impl Follow {
    pub fn new(client: Client, conn: ConnectionManager, keys: Arc<Keys>) -> Arc<Self> {
        Arc::new(Self {
            client,
            conn,
            keys,
            followers: Mutex::new(HashMap::new()),
        })
    }

    /// Events after `after`, oldest first (at most `count`).
    pub async fn range(
        &self,
        job: &JobId,
        after: u64,
        count: usize,
    ) -> redis::RedisResult<Vec<Arc<StoredEvent>>> {
        let mut conn = self.conn.clone();
        let reply: StreamRangeReply = redis::cmd("XRANGE")
            .arg(self.keys.events(job))
            .arg(format!("{}-0", after.saturating_add(1)))
            .arg("+")
            .arg("COUNT")
            .arg(count)
            .query_async(&mut conn)
            .await?;
        Ok(reply.ids.iter().filter_map(parse).collect())
    }

    /// The newest event of a job's log.
    pub async fn newest(&self, job: &JobId) -> redis::RedisResult<Option<Arc<StoredEvent>>> {
        let mut conn = self.conn.clone();
        let reply: StreamRangeReply = redis::cmd("XREVRANGE")
            .arg(self.keys.events(job))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut conn)
            .await?;
        Ok(reply.ids.first().and_then(parse))
    }

    /// A receiver of the job's live events, starting the job's follower
    /// (reading after `after`) if it has none.
    fn join(self: &Arc<Self>, job: &JobId, after: u64) -> broadcast::Receiver<Arc<StoredEvent>> {
        let mut followers = lock(&self.followers);
        if let Some(tx) = followers.get(job) {
            return tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(FAN_OUT);
        followers.insert(job.clone(), tx.clone());
        tokio::spawn(self.clone().follow(job.clone(), tx, after));
        rx
    }

    /// Reads the job's stream until its terminal event, or until no
    /// subscriber is left; reconnects (after where it was) when Redis goes away.
    async fn follow(
        self: Arc<Self>,
        job: JobId,
        tx: broadcast::Sender<Arc<StoredEvent>>,
        mut cursor: u64,
    ) {
        let key = self.keys.events(&job);
        let config = AsyncConnectionConfig::new().set_response_timeout(None);
        let mut conn: Option<MultiplexedConnection> = None;
        let mut backoff = Duration::from_millis(50);
        loop {
            {
                let mut followers = lock(&self.followers);
                if tx.receiver_count() == 0 {
                    followers.remove(&job);
                    return;
                }
            }
            let mut c = match conn.take() {
                Some(c) => c,
                None => match self
                    .client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                {
                    Ok(c) => c,
                    Err(_) => {
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(1));
                        continue;
                    }
                },
            };
            let reply: redis::RedisResult<Option<StreamReadReply>> = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(512)
                .arg("BLOCK")
                .arg(BLOCK.as_millis() as u64)
                .arg("STREAMS")
                .arg(&key)
                .arg(format!("{cursor}-0"))
                .query_async(&mut c)
                .await;
            match reply {
                Ok(reply) => {
                    backoff = Duration::from_millis(50);
                    conn = Some(c);
                    let entries = reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids);
                    for event in entries.filter_map(|e| parse(&e)) {
                        cursor = event.seq;
                        let terminal = event.terminal;
                        let _ = tx.send(event);
                        if terminal {
                            let mut followers = lock(&self.followers);
                            followers.remove(&job);
                            return;
                        }
                    }
                }
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    /// Replay after `after`, then live events, until the terminal one. Past
    /// the end of a closed log, the terminal event again.
    pub fn subscribe(self: &Arc<Self>, job: JobId, after: u64) -> EventStream {
        let (out, rx) = mpsc::channel(256);
        let follow = self.clone();
        tokio::spawn(async move {
            let mut sub = Subscriber {
                follow,
                job,
                last: after,
                out,
            };
            sub.run().await;
        });
        ReceiverStream::new(rx).boxed()
    }
}

/// One subscriber's position, fed by replay, the follower, and refills.
struct Subscriber {
    follow: Arc<Follow>,
    job: JobId,
    last: u64,
    out: mpsc::Sender<Delivery>,
}

/// Whether the subscription goes on.
enum Next {
    More,
    Done,
}

impl Subscriber {
    async fn run(&mut self) {
        // Joined before the replay: whatever the replay misses, the follower brings.
        let mut live = self.follow.join(&self.job, self.last);
        let start = self.last;
        match self.refill().await {
            Next::Done => return,
            Next::More => {}
        }
        if self.last == start
            && let Ok(Some(end)) = self.follow.newest(&self.job).await
            && end.terminal
            && end.seq <= start
        {
            // A resume past the end still ends.
            let _ = self.out.send(Delivery::Event(end)).await;
            return;
        }
        loop {
            let next = tokio::select! {
                _ = self.out.closed() => return,
                r = live.recv() => r,
            };
            let next = match next {
                Ok(event) if event.seq <= self.last => Next::More,
                Ok(event) if event.seq == self.last + 1 => self.deliver(event).await,
                // Behind or out of step: the stream has it all.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => self.refill().await,
                Err(broadcast::error::RecvError::Closed) => {
                    live = self.follow.join(&self.job, self.last);
                    self.refill().await
                }
            };
            if let Next::Done = next {
                return;
            }
        }
    }

    async fn deliver(&mut self, event: Arc<StoredEvent>) -> Next {
        self.last = event.seq;
        let terminal = event.terminal;
        if self.out.send(Delivery::Event(event)).await.is_err() || terminal {
            return Next::Done;
        }
        Next::More
    }

    /// Everything stored after `last`; a gap first if the oldest of those is
    /// no longer retained.
    async fn refill(&mut self) -> Next {
        loop {
            let events = match self.follow.range(&self.job, self.last, 1000).await {
                Ok(events) => events,
                // Redis away: the follower reconnects and brings what follows.
                Err(_) => return Next::More,
            };
            let Some(oldest) = events.first() else {
                return Next::More;
            };
            if oldest.seq > self.last + 1 {
                let gap = Delivery::Gap {
                    first: self.last + 1,
                    last: oldest.seq - 1,
                };
                if self.out.send(gap).await.is_err() {
                    return Next::Done;
                }
            }
            let full = events.len() == 1000;
            for event in events {
                if let Next::Done = self.deliver(event).await {
                    return Next::Done;
                }
            }
            if !full {
                return Next::More;
            }
        }
    }
}
