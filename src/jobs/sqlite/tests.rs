//! The SQLite store across "restarts": a store dropped and opened again on
//! the same file keeps jobs, events, conversations and idempotency keys.

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;

use super::*;
use crate::jobs::payload::JobCommand;

fn limits() -> MemoryLimits {
    MemoryLimits {
        max_events: 10_000,
        max_bytes: 1 << 24,
        retention: Duration::from_secs(3600),
        max_retained: 100,
        store_max_bytes: 1 << 28,
        conversations: ConversationLimits {
            max_messages: 10,
            max_bytes: 1 << 20,
            max_count: 10,
            ttl: Duration::from_secs(3600),
        },
    }
}

fn record(id: &str, state: JobState) -> JobRecord {
    JobRecord {
        job_id: JobId::from(id),
        state,
        owner: "ann".into(),
        command: "/list".into(),
        kind: "slash".into(),
        metadata: json!({"n": 1}),
        created_at: now(),
        started_at: None,
        finished_at: None,
        result: None,
        error: None,
        last_event_id: 0,
    }
}

fn spec() -> JobSpec {
    JobSpec {
        command: JobCommand::Text("hello".into()),
        scopes: 3,
    }
}

async fn frames(stream: EventStream) -> Vec<String> {
    stream
        .map(|d| match d {
            Delivery::Event(e) => String::from_utf8(e.frame.to_vec()).unwrap(),
            Delivery::Gap { first, last } => format!("gap {first}-{last}"),
        })
        .collect()
        .await
}

fn status() -> JobEvent {
    JobEvent::StatusUpdate {
        state: JobState::Running,
        message: "running".into(),
    }
}

fn end() -> JobEvent {
    JobEvent::EndOfStream {
        state: JobState::Succeeded,
        message: "stream complete".into(),
    }
}

#[tokio::test]
async fn a_finished_job_replays_the_same_frames_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.db");
    let id = JobId::from("job_a");
    let before = {
        let store = SqliteStore::open(&path, limits()).unwrap();
        store
            .insert(record("job_a", JobState::Queued), &spec())
            .await
            .unwrap();
        store.append(&id, status()).await.unwrap();
        store
            .update(
                &id,
                JobUpdate::Started {
                    runner: "i1".into(),
                },
            )
            .await
            .unwrap();
        store
            .append(
                &id,
                JobEvent::Result {
                    result: "ok".into(),
                },
            )
            .await
            .unwrap();
        store
            .update(
                &id,
                JobUpdate::Finished {
                    state: JobState::Succeeded,
                    result: Some("ok".into()),
                    error: None,
                },
            )
            .await
            .unwrap();
        store.append(&id, end()).await.unwrap();
        let frames = frames(store.subscribe(&id, 0).await.unwrap()).await;
        store.writer.flush().await;
        frames
    };
    assert_eq!(before.len(), 3);
    let store = SqliteStore::open(&path, limits()).unwrap();
    let job = store.get(&id).await.unwrap().expect("the record survived");
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.result.as_deref(), Some("ok"));
    assert_eq!(job.last_event_id, 3);
    assert_eq!(frames(store.subscribe(&id, 0).await.unwrap()).await, before);
    assert_eq!(
        frames(store.subscribe(&id, 1).await.unwrap()).await,
        before[1..]
    );
    assert_eq!(
        frames(store.subscribe(&id, 99).await.unwrap()).await,
        before[2..],
        "past the end: the end again"
    );
    let (page, total) = store
        .list(JobQuery {
            owner: Some("ann".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((page.len(), total), (1, 1));
    assert!(store.recover().await.unwrap().queued.is_empty());
}

#[tokio::test]
async fn unfinished_jobs_come_back_as_queued_or_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.db");
    {
        let store = SqliteStore::open(&path, limits()).unwrap();
        store
            .insert(record("job_q", JobState::Queued), &spec())
            .await
            .unwrap();
        store.append(&JobId::from("job_q"), status()).await.unwrap();
        store
            .insert(record("job_r", JobState::Queued), &spec())
            .await
            .unwrap();
        store
            .update(
                &JobId::from("job_r"),
                JobUpdate::Started {
                    runner: "dead".into(),
                },
            )
            .await
            .unwrap();
        store.writer.flush().await;
    }
    let store = SqliteStore::open(&path, limits()).unwrap();
    let recovered = store.recover().await.unwrap();
    assert_eq!(recovered.queued.len(), 1);
    assert_eq!(recovered.queued[0].0.job_id, JobId::from("job_q"));
    assert_eq!(recovered.queued[0].1, spec());
    assert_eq!(recovered.interrupted.len(), 1);
    assert_eq!(recovered.interrupted[0].1.as_deref(), Some("dead"));
    // The queued job's log goes on after its stored events, without a gap.
    let seq = store.append(&JobId::from("job_q"), end()).await.unwrap();
    assert_eq!(seq, 2);
    let all = frames(store.subscribe(&JobId::from("job_q"), 0).await.unwrap()).await;
    assert_eq!(all.len(), 2);
    assert!(all[0].starts_with("id: 1\n") && all[1].starts_with("id: 2\n"));
}

#[tokio::test]
async fn conversations_and_idempotency_keys_survive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.db");
    let key = ConversationKey {
        owner: "ann".into(),
        id: "c1".into(),
    };
    {
        let store = SqliteStore::open(&path, limits()).unwrap();
        store
            .save_conversation(&key, vec![json!({"role": "user", "content": "hi"})])
            .await
            .unwrap();
        let claim = store
            .claim_idempotency(
                "ann",
                "k",
                "f",
                &JobId::from("job_1"),
                Duration::from_secs(60),
            )
            .await
            .unwrap();
        assert_eq!(claim, Claim::New);
    }
    let store = SqliteStore::open(&path, limits()).unwrap();
    assert_eq!(store.conversation(&key).await.unwrap().len(), 1);
    let again = store
        .claim_idempotency(
            "ann",
            "k",
            "f",
            &JobId::from("job_2"),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(
        again,
        Claim::Existing {
            job_id: JobId::from("job_1"),
            fingerprint: "f".into()
        }
    );
    assert!(store.ping().await.is_ok());
}
