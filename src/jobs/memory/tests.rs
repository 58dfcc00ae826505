//! The in-memory store: replay, live follow, gaps, resume edges, bounds.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use super::*;
use crate::jobs::Delivery;

fn limits(max_events: usize) -> MemoryLimits {
    MemoryLimits {
        max_events,
        max_bytes: 1 << 20,
        retention: Duration::from_secs(60),
        max_retained: 2,
        store_max_bytes: 64 << 20,
        conversations: ConversationLimits {
            max_messages: 3,
            max_bytes: 1 << 20,
            max_count: 2,
            ttl: Duration::from_secs(60),
        },
    }
}

fn store(max_events: usize) -> MemoryStore {
    MemoryStore::new(limits(max_events))
}

pub fn record(id: &str) -> JobRecord {
    JobRecord {
        job_id: JobId::from(id),
        state: JobState::Queued,
        owner: "anonymous".into(),
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

fn spec() -> JobSpec {
    JobSpec {
        command: crate::jobs::payload::JobCommand::Text("hi".into()),
        scopes: 7,
    }
}

fn status() -> JobEvent {
    JobEvent::StatusUpdate {
        state: JobState::Running,
        message: "m".into(),
    }
}

fn end() -> JobEvent {
    JobEvent::EndOfStream {
        state: JobState::Succeeded,
        message: "stream complete".into(),
    }
}

fn id(s: &str) -> JobId {
    JobId::from(s)
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
    s.insert(record("j"), &spec()).await.unwrap();
    s.append(&id("j"), status()).await.unwrap();
    let sub = s.subscribe(&id("j"), 0).await.unwrap();
    let late = s.subscribe(&id("j"), 1).await.unwrap();
    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            s.append(&id("j"), JobEvent::Result { result: "x".into() })
                .await
                .unwrap();
            s.append(&id("j"), end()).await.unwrap();
        })
    };
    assert_eq!(seqs(sub).await, ["1", "2", "3"]);
    assert_eq!(seqs(late).await, ["2", "3"]);
    writer.await.unwrap();
    // Appends after the end are ignored.
    assert_eq!(s.append(&id("j"), status()).await.unwrap(), 3);
}

#[tokio::test]
async fn trimmed_history_is_announced_as_a_gap() {
    let s = store(3);
    s.insert(record("j"), &spec()).await.unwrap();
    for _ in 0..5 {
        s.append(&id("j"), status()).await.unwrap();
    }
    s.append(&id("j"), end()).await.unwrap();
    assert_eq!(
        seqs(s.subscribe(&id("j"), 0).await.unwrap()).await,
        ["gap1-3", "4", "5", "6"]
    );
    assert_eq!(
        seqs(s.subscribe(&id("j"), 4).await.unwrap()).await,
        ["5", "6"]
    );
}

#[tokio::test]
async fn resuming_at_or_past_the_end_of_a_finished_job_delivers_its_end() {
    let s = store(10);
    s.insert(record("j"), &spec()).await.unwrap();
    s.append(&id("j"), status()).await.unwrap();
    s.append(&id("j"), end()).await.unwrap();
    for after in [2, 3, 1000, u64::MAX - 1, u64::MAX] {
        assert_eq!(
            seqs(s.subscribe(&id("j"), after).await.unwrap()).await,
            ["2"],
            "after {after}"
        );
    }
}

#[tokio::test]
async fn the_top_of_the_range_waits_for_the_end_instead_of_replaying() {
    let s = Arc::new(store(10));
    s.insert(record("j"), &spec()).await.unwrap();
    s.append(&id("j"), status()).await.unwrap();
    let sub = s.subscribe(&id("j"), u64::MAX).await.unwrap();
    s.append(&id("j"), status()).await.unwrap();
    s.append(&id("j"), end()).await.unwrap();
    assert_eq!(seqs(sub).await, ["3"], "no wrap to a full replay");
}

#[tokio::test]
async fn frames_have_id_and_data_but_no_event_field() {
    let s = store(10);
    s.insert(record("j"), &spec()).await.unwrap();
    s.append(
        &id("j"),
        JobEvent::JobStarted {
            message: "m".into(),
            kind: "slash".into(),
        },
    )
    .await
    .unwrap();
    let mut sub = s.subscribe(&id("j"), 0).await.unwrap();
    let Some(Delivery::Event(e)) = sub.next().await else {
        panic!("no event")
    };
    let text = std::str::from_utf8(&e.frame).unwrap();
    assert!(text.starts_with(
        "id: 1\ndata: {\"event\":\"job_started\",\"data\":{\"message\":\"m\",\"kind\":\"slash\"},\"timestamp\":"
    ));
    assert!(text.ends_with(",\"job_id\":\"j\"}\n\n"));
    assert!(!text.contains("\nevent:"));
}

#[tokio::test]
async fn the_oldest_finished_jobs_go_first_past_the_cap() {
    let s = store(10);
    for name in ["a", "b", "c"] {
        s.insert(record(name), &spec()).await.unwrap();
        s.append(&id(name), end()).await.unwrap();
    }
    s.insert(record("running"), &spec()).await.unwrap();
    assert!(s.get(&id("a")).await.unwrap().is_none());
    assert!(s.get(&id("b")).await.unwrap().is_none());
    assert!(s.get(&id("c")).await.unwrap().is_some());
    assert!(
        s.get(&id("running")).await.unwrap().is_some(),
        "running jobs are never dropped"
    );
}

#[tokio::test]
async fn the_byte_budget_drops_finished_jobs_and_then_refuses() {
    let mut l = limits(10_000);
    l.max_retained = 1000;
    l.store_max_bytes = 64 * 1024;
    let s = store_with(l);
    let fat = "x".repeat(8 * 1024);
    for n in 0..20 {
        let name = format!("j{n}");
        s.insert(record(&name), &spec()).await.unwrap();
        s.append(
            &id(&name),
            JobEvent::Result {
                result: fat.clone(),
            },
        )
        .await
        .unwrap();
        s.append(&id(&name), end()).await.unwrap();
    }
    assert!(s.has_room());
    assert!(s.get(&id("j0")).await.unwrap().is_none(), "the oldest went");
    assert!(s.get(&id("j19")).await.unwrap().is_some());
    // Running jobs alone past the budget: nothing to drop, no room.
    for n in 0..10 {
        let name = format!("r{n}");
        s.insert(record(&name), &spec()).await.unwrap();
        s.append(
            &id(&name),
            JobEvent::Result {
                result: fat.clone(),
            },
        )
        .await
        .unwrap();
    }
    assert!(!s.has_room());
}

fn store_with(l: MemoryLimits) -> MemoryStore {
    MemoryStore::new(l)
}

#[tokio::test]
async fn list_pages_by_owner_newest_first() {
    let s = store(10);
    let mut l = limits(10);
    l.max_retained = 100;
    let s2 = store_with(l);
    drop(s);
    for (n, owner) in ["ann", "bob", "ann"].iter().enumerate() {
        let mut r = record(&format!("j{n}"));
        r.owner = owner.to_string();
        r.created_at = n as f64;
        s2.insert(r, &spec()).await.unwrap();
    }
    let (page, total) = s2
        .list(JobQuery {
            owner: Some("ann".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(page[0].job_id, id("j2"));
    let (_, all) = s2
        .list(JobQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all, 3);
}

#[tokio::test]
async fn conversations_are_per_owner_and_bounded() {
    let s = store(10);
    let key = |owner: &str, id: &str| ConversationKey {
        owner: owner.into(),
        id: id.into(),
    };
    s.save_conversation(&key("ann", "c"), (0..5).map(|i| json!(i)).collect())
        .await
        .unwrap();
    assert_eq!(
        s.conversation(&key("ann", "c")).await.unwrap(),
        vec![json!(2), json!(3), json!(4)]
    );
    assert!(s.conversation(&key("bob", "c")).await.unwrap().is_empty());
    s.save_conversation(&key("ann", "d"), vec![json!(1)])
        .await
        .unwrap();
    s.save_conversation(&key("ann", "e"), vec![json!(1)])
        .await
        .unwrap();
    assert!(
        s.conversation(&key("ann", "c")).await.unwrap().is_empty(),
        "past the count the least recently used goes"
    );
    let bytes = ConversationLimits {
        max_messages: 100,
        max_bytes: 10,
        max_count: 1,
        ttl: Duration::from_secs(1),
    };
    let kept = bound_conversation(vec![json!("aaaa"), json!("bbbb"), json!("c")], &bytes);
    assert_eq!(kept, vec![json!("bbbb"), json!("c")]);
}

#[tokio::test]
async fn idempotency_keys_are_per_owner() {
    let s = store(10);
    let window = Duration::from_secs(60);
    let claim = s
        .claim_idempotency("ann", "k", "f1", &id("j1"), window)
        .await
        .unwrap();
    assert_eq!(claim, Claim::New);
    let again = s
        .claim_idempotency("ann", "k", "f2", &id("j2"), window)
        .await
        .unwrap();
    assert_eq!(
        again,
        Claim::Existing {
            job_id: id("j1"),
            fingerprint: "f1".into()
        }
    );
    let other = s
        .claim_idempotency("bob", "k", "f1", &id("j3"), window)
        .await
        .unwrap();
    assert_eq!(other, Claim::New, "another principal's key is its own");
    s.release_idempotency("ann", "k").await.unwrap();
    assert_eq!(
        s.claim_idempotency("ann", "k", "f1", &id("j4"), window)
            .await
            .unwrap(),
        Claim::New
    );
}
