//! A stream that drops mid-job: the client reconnects with `Last-Event-ID`, says so, shows no
//! event twice, and gives up after its retries.

use serde_json::{Value, json};

use crate::standin::{Behaviour, JOB, StandIn};
use crate::support::*;

/// A job of ten events: started, a tool step with six output lines, the result, the end.
fn script(standin: &StandIn) {
    standin.push(
        "job_started",
        json!({"message": "Job started: /list", "kind": "slash"}),
    );
    standin.push(
        "on_tool_start",
        json!({"tool": "list_available_agents", "input": {}}),
    );
    for n in 1..=6 {
        standin.push(
            "on_tool_output",
            json!({"tool": "list_available_agents", "stream": "stdout", "line": format!("out-{n}")}),
        );
    }
    standin.push(
        "on_tool_end",
        json!({"tool": "list_available_agents", "status": "success"}),
    );
    standin.push("result", json!({"result": "five agents"}));
    standin.finish("succeeded");
}

fn lines_of(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "on_tool_output")
        .map(|e| e["data"]["line"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_dropped_stream_resumes_after_the_last_event_seen() {
    let standin = StandIn::start(Behaviour {
        cut_first_after: Some(4),
        ..Behaviour::default()
    })
    .await;
    script(&standin);
    let out = run(&standin.base, &["run", "--json", "/list"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let events = out.json_lines();
    assert_eq!(events.len(), 11, "{out:?}");
    assert_eq!(
        lines_of(&events),
        ["out-1", "out-2", "out-3", "out-4", "out-5", "out-6"]
    );
    assert_eq!(standin.connections(), [None, Some("4".to_string())]);
    assert!(out.stderr.contains("connection lost"), "{out:?}");
    assert!(out.stderr.contains("resuming after event 4"), "{out:?}");
}

#[tokio::test]
async fn events_replayed_by_the_server_are_not_shown_twice() {
    let standin = StandIn::start(Behaviour {
        cut_first_after: Some(5),
        ignore_last_event_id: true,
        ..Behaviour::default()
    })
    .await;
    script(&standin);
    let out = run(&standin.base, &["tail", JOB]).await;
    assert_eq!(out.code, 0, "{out:?}");
    for n in 1..=6 {
        let line = format!("out-{n}");
        let shown = out.stdout.lines().filter(|l| l.ends_with(&line)).count();
        assert_eq!(shown, 1, "{line}: {out:?}");
    }
    assert_eq!(out.stdout.matches("five agents").count(), 1, "{out:?}");
    assert!(out.stderr.contains("reconnecting"), "{out:?}");
    assert_eq!(standin.connections().len(), 2);
}

#[tokio::test]
async fn the_client_gives_up_after_its_retries() {
    let standin = StandIn::start(Behaviour {
        cut_first_after: Some(2),
        down_after_first: true,
        ..Behaviour::default()
    })
    .await;
    script(&standin);
    let out = run(&standin.base, &["tail", "--retries", "2", JOB]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("lost the stream"), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("conductor-gateway tail {JOB}")),
        "{out:?}"
    );
    // The first connection and two attempts after it.
    assert_eq!(standin.connections().len(), 3, "{out:?}");
}
