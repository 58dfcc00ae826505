//! The shared queue: jobs a replica could not start at once go to a Redis
//! Stream read by the consumer group `runners`, and a replica reads it only
//! while it holds a free run slot, so work goes to whichever replica has
//! room. A job is taken by one replica only (the same claim that settles a
//! dead replica's jobs); an entry a replica read and then died on is claimed
//! by another after a lease.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use redis::{AsyncCommands, AsyncConnectionConfig, Client};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::keys::Keys;
use crate::jobs::model::JobId;

const GROUP: &str = "runners";

/// Takes the claim on a job that was handed to the shared queue (a job
/// queued on one replica only is that replica's).
const CLAIM: &str = r"
if redis.call('HGET', KEYS[1], 'shared') ~= '1' then return 0 end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
return 0
";

pub struct Queue {
    client: Client,
    conn: ConnectionManager,
    keys: Arc<Keys>,
    instance: String,
    lease: Duration,
    /// The blocking reads' own connection (no response timeout).
    blocking: tokio::sync::Mutex<Option<MultiplexedConnection>>,
}

impl Queue {
    pub fn new(
        client: Client,
        conn: ConnectionManager,
        keys: Arc<Keys>,
        instance: String,
        lease: Duration,
    ) -> Self {
        Self {
            client,
            conn,
            keys,
            instance,
            lease,
            blocking: tokio::sync::Mutex::new(None),
        }
    }

    /// Creates the stream and its group unless they exist (also after Redis lost them).
    async fn ensure_group(&self) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        let created: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(self.keys.queue())
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut conn)
            .await;
        match created {
            Err(e) if e.code() != Some("BUSYGROUP") => Err(e),
            _ => Ok(()),
        }
    }

    /// Jobs waiting in the queue.
    pub async fn len(&self) -> redis::RedisResult<usize> {
        let mut conn = self.conn.clone();
        conn.xlen(self.keys.queue()).await
    }

    /// The next job for this replica and the run slot it takes, waiting at
    /// most `wait`; claimed for it alone. A job read when no slot is free
    /// goes back to the queue in the same step (the queue's length never
    /// dips), and an entry leaves the queue only once its job has a slot.
    pub async fn take(
        &self,
        wait: Duration,
        slots: &Arc<Semaphore>,
    ) -> redis::RedisResult<Option<(JobId, OwnedSemaphorePermit)>> {
        self.ensure_group().await?;
        let entry = match self.reclaim().await? {
            Some(entry) => Some(entry),
            None => self.read(wait).await?,
        };
        let Some(entry) = entry else { return Ok(None) };
        let job: Option<String> = entry.get("job");
        let mut done = redis::pipe();
        done.atomic()
            .cmd("XACK")
            .arg(self.keys.queue())
            .arg(GROUP)
            .arg(&entry.id)
            .ignore()
            .cmd("XDEL")
            .arg(self.keys.queue())
            .arg(&entry.id)
            .ignore();
        let mut conn = self.conn.clone();
        let Some(job) = job.map(|j| JobId::from(j.as_str())) else {
            done.query_async::<()>(&mut conn).await?;
            return Ok(None);
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            // The slot went meanwhile: back to the queue, for any replica.
            done.cmd("XADD")
                .arg(self.keys.queue())
                .arg("*")
                .arg("job")
                .arg(job.as_str())
                .ignore();
            done.query_async::<()>(&mut conn).await?;
            return Ok(None);
        };
        let claimed = self.claim(&job).await?;
        done.query_async::<()>(&mut conn).await?;
        Ok(claimed.then_some((job, permit)))
    }

    /// Claims a job of the shared queue for this replica alone (the claim
    /// that also settles a dead replica's jobs); whether it got it.
    pub async fn claim(&self, job: &JobId) -> redis::RedisResult<bool> {
        let mut conn = self.conn.clone();
        let hold = (self.lease * 3).max(Duration::from_secs(30)).as_secs();
        let claimed: i64 = redis::cmd("EVAL")
            .arg(CLAIM)
            .arg(2)
            .arg(self.keys.job(job))
            .arg(self.keys.adoption(job))
            .arg(&self.instance)
            .arg(hold)
            .query_async(&mut conn)
            .await?;
        Ok(claimed == 1)
    }

    /// An entry another replica read and then stopped on (idle past a lease).
    async fn reclaim(&self) -> redis::RedisResult<Option<StreamId>> {
        let mut conn = self.conn.clone();
        let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(self.keys.queue())
            .arg(GROUP)
            .arg(&self.instance)
            .arg(self.lease.as_millis() as u64)
            .arg("0-0")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut conn)
            .await?;
        Ok(reply.claimed.into_iter().next())
    }

    async fn read(&self, wait: Duration) -> redis::RedisResult<Option<StreamId>> {
        let mut blocking = self.blocking.lock().await;
        let mut conn = match blocking.take() {
            Some(c) => c,
            None => {
                let config = AsyncConnectionConfig::new().set_response_timeout(None);
                self.client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?
            }
        };
        let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg(&self.instance)
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(wait.as_millis().max(1) as u64)
            .arg("STREAMS")
            .arg(self.keys.queue())
            .arg(">")
            .query_async(&mut conn)
            .await?;
        *blocking = Some(conn);
        Ok(reply
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .next())
    }
}
