//! The SQLite file: schema, and the statements the store runs, on a plain
//! `rusqlite::Connection` (callers run them off the async threads).
//!
//! WAL mode with `synchronous = NORMAL`: a commit is durable against a crash
//! of the gateway; an operating-system crash or power loss can lose the
//! transactions committed since the last checkpoint (never corrupt the file).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::jobs::model::{JobId, JobRecord, JobState};
use crate::jobs::store::{JobQuery, JobSpec};

pub type Result<T> = rusqlite::Result<T>;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL,
    runner TEXT,
    record TEXT NOT NULL,
    spec TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at DESC);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, created_at DESC);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state);
CREATE TABLE IF NOT EXISTS events (
    job TEXT NOT NULL,
    seq INTEGER NOT NULL,
    terminal INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (job, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS conversations (
    owner TEXT NOT NULL,
    id TEXT NOT NULL,
    messages TEXT NOT NULL,
    used REAL NOT NULL,
    PRIMARY KEY (owner, id)
);
CREATE TABLE IF NOT EXISTS idempotency (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    job TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (owner, key)
);
";

/// Opens (creating) the file and its folder, in WAL mode.
pub fn open(path: &Path) -> Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn record_of(text: String) -> Result<JobRecord> {
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub fn insert_job(conn: &Connection, job: &JobRecord, spec: &JobSpec) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO jobs (id, owner, state, created_at, finished_at, runner, record, spec)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7)",
        params![
            job.job_id.as_str(),
            job.owner,
            job.state.as_str(),
            job.created_at,
            job.finished_at,
            to_json(job)?,
            to_json(spec)?,
        ],
    )?;
    Ok(())
}

pub fn update_job(conn: &Connection, job: &JobRecord, runner: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE jobs SET state = ?2, finished_at = ?3, record = ?4, runner = COALESCE(?5, runner)
         WHERE id = ?1",
        params![
            job.job_id.as_str(),
            job.state.as_str(),
            job.finished_at,
            to_json(job)?,
            runner,
        ],
    )?;
    Ok(())
}

/// Stores an event; keeps the newest `keep` of the job (its replay window,
/// as in memory), trimming now and then rather than on every event.
pub fn append_event(
    conn: &Connection,
    job: &JobId,
    seq: u64,
    terminal: bool,
    data: &str,
    keep: u64,
) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO events (job, seq, terminal, data) VALUES (?1, ?2, ?3, ?4)",
        params![job.as_str(), seq as i64, terminal, data],
    )?;
    if seq > keep && (seq.is_multiple_of(64) || terminal) {
        conn.execute(
            "DELETE FROM events WHERE job = ?1 AND seq <= ?2",
            params![job.as_str(), (seq - keep) as i64],
        )?;
    }
    Ok(())
}

/// A job, unless it finished before `finished_after` (its retention is over).
pub fn get_job(conn: &Connection, id: &JobId, finished_after: f64) -> Result<Option<JobRecord>> {
    conn.query_row(
        "SELECT record FROM jobs WHERE id = ?1 AND (finished_at IS NULL OR finished_at >= ?2)",
        params![id.as_str(), finished_after],
        |row| row.get::<_, String>(0),
    )
    .optional()?
    .map(record_of)
    .transpose()
}

/// The newest matching jobs of the page, and how many match in all (jobs
/// that finished before `finished_after` are past their retention).
pub fn list_jobs(
    conn: &Connection,
    q: &JobQuery,
    finished_after: f64,
) -> Result<(Vec<JobRecord>, usize)> {
    let state = q.state.map(JobState::as_str);
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM jobs WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR owner = ?2)
         AND (finished_at IS NULL OR finished_at >= ?3)",
        params![state, q.owner, finished_after],
        |row| row.get(0),
    )?;
    let mut statement = conn.prepare_cached(
        "SELECT record FROM jobs WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR owner = ?2)
         AND (finished_at IS NULL OR finished_at >= ?5)
         ORDER BY created_at DESC LIMIT ?3 OFFSET ?4",
    )?;
    let rows = statement.query_map(
        params![
            state,
            q.owner,
            q.limit as i64,
            q.offset as i64,
            finished_after
        ],
        |row| row.get::<_, String>(0),
    )?;
    let mut jobs = Vec::new();
    for row in rows {
        jobs.push(record_of(row?)?);
    }
    Ok((jobs, total.max(0) as usize))
}

/// Events of `job` with a sequence number in `after+1 ..= upto`, in order:
/// (seq, terminal, JSON).
pub fn events(
    conn: &Connection,
    job: &JobId,
    after: u64,
    upto: u64,
) -> Result<Vec<(u64, bool, String)>> {
    let mut statement = conn.prepare_cached(
        "SELECT seq, terminal, data FROM events WHERE job = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq",
    )?;
    let rows = statement.query_map(
        params![
            job.as_str(),
            after.min(i64::MAX as u64) as i64,
            upto.min(i64::MAX as u64) as i64
        ],
        |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?, row.get(2)?)),
    )?;
    rows.collect()
}

/// The last event of `job`: (seq, terminal).
pub fn last_event(conn: &Connection, job: &JobId) -> Result<Option<(u64, bool)>> {
    conn.query_row(
        "SELECT seq, terminal FROM events WHERE job = ?1 ORDER BY seq DESC LIMIT 1",
        params![job.as_str()],
        |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?)),
    )
    .optional()
}

/// Jobs left running or queued: (record, spec, runner).
pub fn unfinished(conn: &Connection) -> Result<Vec<(JobRecord, JobSpec, Option<String>)>> {
    let mut statement = conn.prepare(
        "SELECT record, spec, runner FROM jobs WHERE state IN ('queued', 'running', 'awaiting_approval')
         ORDER BY created_at",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (record, spec, runner) = row?;
        let spec: JobSpec = serde_json::from_str(&spec).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?;
        out.push((record_of(record)?, spec, runner));
    }
    Ok(out)
}

/// Drops finished jobs (and their events) older than `before`, and beyond
/// the newest `keep` finished ones; expired conversations and keys.
pub fn expire(
    conn: &Connection,
    before: f64,
    keep: usize,
    now: f64,
    conversations_before: f64,
) -> Result<usize> {
    let gone = conn.execute(
        "DELETE FROM jobs WHERE finished_at IS NOT NULL AND (finished_at < ?1 OR id IN (
             SELECT id FROM jobs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT -1 OFFSET ?2))",
        params![before, keep as i64],
    )?;
    if gone > 0 {
        conn.execute(
            "DELETE FROM events WHERE job NOT IN (SELECT id FROM jobs)",
            [],
        )?;
    }
    conn.execute("DELETE FROM idempotency WHERE expires < ?1", params![now])?;
    conn.execute(
        "DELETE FROM conversations WHERE used < ?1",
        params![conversations_before],
    )?;
    Ok(gone)
}

pub fn conversation(conn: &Connection, owner: &str, id: &str) -> Result<Option<String>> {
    conn.query_row(
        "SELECT messages FROM conversations WHERE owner = ?1 AND id = ?2",
        params![owner, id],
        |row| row.get(0),
    )
    .optional()
}

pub fn save_conversation(
    conn: &Connection,
    owner: &str,
    id: &str,
    messages: &str,
    now: f64,
    max_count: usize,
) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO conversations (owner, id, messages, used) VALUES (?1, ?2, ?3, ?4)",
        params![owner, id, messages, now],
    )?;
    conn.execute(
        "DELETE FROM conversations WHERE rowid IN (
             SELECT rowid FROM conversations ORDER BY used DESC LIMIT -1 OFFSET ?1)",
        params![max_count as i64],
    )?;
    Ok(())
}

/// Maps `(owner, key)` to `job` unless a live claim exists: `None` when
/// claimed now, else the existing (job, fingerprint).
pub fn claim(
    conn: &Connection,
    owner: &str,
    key: &str,
    fingerprint: &str,
    job: &JobId,
    now: f64,
    expires: f64,
) -> Result<Option<(String, String)>> {
    let existing: Option<(String, String, f64)> = conn
        .query_row(
            "SELECT job, fingerprint, expires FROM idempotency WHERE owner = ?1 AND key = ?2",
            params![owner, key],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    if let Some((job, print, until)) = existing
        && until > now
    {
        return Ok(Some((job, print)));
    }
    conn.execute(
        "INSERT OR REPLACE INTO idempotency (owner, key, job, fingerprint, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![owner, key, job.as_str(), fingerprint, expires],
    )?;
    Ok(None)
}

pub fn release(conn: &Connection, owner: &str, key: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM idempotency WHERE owner = ?1 AND key = ?2",
        params![owner, key],
    )?;
    Ok(())
}
