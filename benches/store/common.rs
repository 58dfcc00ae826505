//! What every section shares: job records and events as the gateway makes
//! them, the three stores, percentiles, and the table the bench prints.

use std::sync::Arc;
use std::time::Duration;

use conductor_gateway::conductor::StreamKind;
use conductor_gateway::config::Settings;
use conductor_gateway::jobs::memory::{MemoryLimits, MemoryStore};
use conductor_gateway::jobs::model::now;
use conductor_gateway::jobs::payload::JobCommand;
use conductor_gateway::jobs::redis::{RedisOptions, RedisStore};
use conductor_gateway::jobs::sqlite::SqliteStore;
use conductor_gateway::jobs::store::JobSpec;
use conductor_gateway::jobs::{JobEvent, JobId, JobRecord, JobState, JobStore};
use tokio_util::sync::CancellationToken;

/// The gateway's default bounds (`jobs.*`, `llm.conversation_*`).
pub fn limits() -> MemoryLimits {
    conductor_gateway::startup::memory_limits(&Settings::default())
}

/// A job as accepted and started.
pub fn running(id: &JobId) -> JobRecord {
    let at = now();
    JobRecord {
        job_id: id.clone(),
        state: JobState::Running,
        owner: "bench".into(),
        command: "run_agent".into(),
        kind: "tool".into(),
        metadata: serde_json::json!({"conversation_id": "bench"}),
        created_at: at,
        started_at: Some(at),
        finished_at: None,
        result: None,
        error: None,
        last_event_id: 0,
    }
}

pub fn spec() -> JobSpec {
    JobSpec {
        command: JobCommand::Tool {
            name: "run_agent".into(),
            arguments: serde_json::json!({"agent": "planner", "task": "refactor the parser"}),
        },
        scopes: 3,
    }
}

/// One line of CLI output, as `on_tool_output` carries it (about 90 bytes of text).
pub fn line(i: usize) -> JobEvent {
    JobEvent::OnToolOutput {
        tool: "run_agent".into(),
        stream: StreamKind::Stdout,
        line: format!("[planner] step {i}: read src/parser/lexer.rs (412 lines), next: tokens"),
    }
}

/// The event that closes a log.
pub fn end() -> JobEvent {
    JobEvent::EndOfStream {
        state: JobState::Succeeded,
        message: "stream complete".into(),
    }
}

/// A job, inserted as running.
pub async fn new_job(store: &dyn JobStore) -> JobId {
    let id = JobId::new();
    store
        .insert(running(&id), &spec())
        .await
        .expect("inserting a job");
    id
}

pub fn memory() -> Arc<dyn JobStore> {
    Arc::new(MemoryStore::new(limits()))
}

pub fn sqlite(dir: &tempfile::TempDir) -> Arc<dyn JobStore> {
    Arc::new(SqliteStore::open(&dir.path().join("gateway.db"), limits()).expect("opening SQLite"))
}

/// One replica's store on the bench's Redis.
pub async fn redis(
    url: &str,
    prefix: &str,
    instance: &str,
    stop: &CancellationToken,
) -> Arc<dyn JobStore> {
    let options = RedisOptions {
        url: url.into(),
        prefix: prefix.into(),
        instance: instance.into(),
        lease: Duration::from_secs(10),
    };
    Arc::new(
        RedisStore::open(options, limits(), Some(stop.clone()))
            .await
            .expect("connecting to Redis"),
    )
}

/// The `p`th percentile (0–100) of `xs`.
pub fn percentile(xs: &mut [Duration], p: usize) -> Duration {
    xs.sort();
    xs[((xs.len() - 1) * p) / 100]
}

pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// `12,345`-style thousands.
pub fn count(n: f64) -> String {
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn header() {
    println!("| section | backend | what | measured |");
    println!("|---|---|---|---|");
}

pub fn row(section: &str, backend: &str, what: &str, measured: &str) {
    println!("| {section} | {backend} | {what} | {measured} |");
}
