//! Reading job records from Redis: one record, a filtered page of the list,
//! the record and spec of a queued job; pruning the index.

use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use super::keys::Keys;
use crate::jobs::model::{JobId, JobRecord, JobState};
use crate::jobs::store::{JobQuery, JobSpec};

/// The page of `query`, newest first, and how many jobs match. Filtering
/// reads only each job's `state` and `owner`; whole records are read for the
/// page alone. Ids whose hashes expired leave the index.
pub async fn list(
    conn: &mut ConnectionManager,
    keys: &Keys,
    query: &JobQuery,
) -> redis::RedisResult<(Vec<JobRecord>, usize)> {
    let ids: Vec<String> = conn.zrevrange(keys.index(), 0, -1).await?;
    let fields = hmget(conn, keys, &ids, &["state", "owner"]).await?;
    let mut gone = Vec::new();
    let mut matching = Vec::new();
    for (id, found) in ids.into_iter().zip(fields) {
        let [Some(state), Some(owner)] = [&found[0], &found[1]] else {
            gone.push(id);
            continue;
        };
        if query.state.is_some_and(|s| s.as_str() != state)
            || query.owner.as_ref().is_some_and(|o| o != owner)
        {
            continue;
        }
        matching.push(id);
    }
    if !gone.is_empty() {
        let _: redis::RedisResult<()> = conn.zrem(keys.index(), gone).await;
    }
    let total = matching.len();
    let page: Vec<String> = matching
        .into_iter()
        .skip(query.offset)
        .take(query.limit)
        .collect();
    let found = hmget(conn, keys, &page, &["record", "last"]).await?;
    let records = found
        .into_iter()
        .filter_map(|f| {
            let mut record = serde_json::from_str::<JobRecord>(f[0].as_deref()?).ok()?;
            let last = f[1].as_deref().and_then(|l| l.parse().ok()).unwrap_or(0);
            record.last_event_id = record.last_event_id.max(last);
            Some(record)
        })
        .collect();
    Ok((records, total))
}

/// `fields` of each job's hash, in one round trip.
async fn hmget(
    conn: &mut ConnectionManager,
    keys: &Keys,
    ids: &[String],
    fields: &[&str],
) -> redis::RedisResult<Vec<Vec<Option<String>>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    for id in ids {
        pipe.cmd("HMGET")
            .arg(keys.job(&JobId::from(id.as_str())))
            .arg(fields);
    }
    pipe.query_async(conn).await
}

/// A job's record and spec, if it is still queued.
pub async fn queued(
    conn: &mut ConnectionManager,
    keys: &Keys,
    job_id: &JobId,
) -> redis::RedisResult<Option<(JobRecord, JobSpec)>> {
    let (record, spec): (Option<String>, Option<String>) = redis::cmd("HMGET")
        .arg(keys.job(job_id))
        .arg("record")
        .arg("spec")
        .query_async(conn)
        .await?;
    let record = record.and_then(|r| serde_json::from_str::<JobRecord>(&r).ok());
    let spec = spec.and_then(|s| serde_json::from_str::<JobSpec>(&s).ok());
    Ok(match (record, spec) {
        (Some(record), Some(spec)) if record.state == JobState::Queued => Some((record, spec)),
        _ => None,
    })
}

/// A job's record, with its last sequence number.
pub async fn fetch(
    conn: &mut ConnectionManager,
    keys: &Keys,
    job_id: &JobId,
) -> redis::RedisResult<Option<(JobRecord, u64)>> {
    let (record, last): (Option<String>, Option<u64>) = redis::cmd("HMGET")
        .arg(keys.job(job_id))
        .arg("record")
        .arg("last")
        .query_async(conn)
        .await?;
    Ok(record
        .and_then(|r| serde_json::from_str::<JobRecord>(&r).ok())
        .map(|mut record| {
            let last = last.unwrap_or(0);
            record.last_event_id = record.last_event_id.max(last);
            (record, last)
        }))
}

/// Ids created before `before` whose hashes expired leave the index (the oldest first).
pub async fn prune_index(conn: &mut ConnectionManager, keys: &Keys, before: f64) {
    let old: redis::RedisResult<Vec<String>> = redis::cmd("ZRANGEBYSCORE")
        .arg(keys.index())
        .arg("-inf")
        .arg(before)
        .arg("LIMIT")
        .arg(0)
        .arg(1000)
        .query_async(conn)
        .await;
    let Ok(old) = old else { return };
    for id in old {
        let exists: redis::RedisResult<bool> =
            conn.exists(keys.job(&JobId::from(id.as_str()))).await;
        if let Ok(false) = exists {
            let _: redis::RedisResult<()> = conn.zrem(keys.index(), &id).await;
        }
    }
}
