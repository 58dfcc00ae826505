//! The SSE stream: wire format, fan-out, replay and resume, gaps, keep-alives.

use serde_json::json;

use crate::helpers::*;

fn ids(events: &[Sse]) -> Vec<u64> {
    events
        .iter()
        .map(|e| e.id.parse().expect("numeric id"))
        .collect()
}

#[tokio::test]
async fn wire_format_is_the_contracts() {
    let app = spawn_app().await;
    let job = app
        .start_job(json!({"textEntries": [{"content": "/list", "type": "text"}]}))
        .await;
    let response = app.open_stream(&job, None).await;
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert_eq!(response.headers()["x-accel-buffering"], "no");
    let raw = tokio::time::timeout(DEADLINE, response.text())
        .await
        .unwrap()
        .unwrap();
    assert!(raw.starts_with("retry: "), "{raw}");
    assert!(
        !raw.lines().any(|l| l.starts_with("event:")),
        "no event: field allowed"
    );
    for block in raw.split("\n\n").filter(|b| b.contains("data:")) {
        let lines: Vec<&str> = block.lines().collect();
        assert!(lines[0].starts_with("id: "), "{block}");
        assert!(lines[1].starts_with("data: {\"event\":"), "{block}");
        let data: serde_json::Value = serde_json::from_str(&lines[1][6..]).unwrap();
        assert_eq!(data["job_id"], job);
        assert!(data["timestamp"].as_f64().unwrap() > 1.7e9);
    }

    let events = app.read_stream(&job, None).await;
    let names: Vec<&str> = events.iter().map(|e| e.name()).collect();
    assert_eq!(names.first(), Some(&"job_started"));
    assert_eq!(names.last(), Some(&"end_of_stream"));
    for expected in ["on_tool_start", "on_tool_output", "on_tool_end", "result"] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    assert!(
        events.iter().all(|e| e.event_field == "message"),
        "no named events"
    );
    assert_eq!(ids(&events), (1..=events.len() as u64).collect::<Vec<_>>());
    let start = events.iter().find(|e| e.name() == "on_tool_start").unwrap();
    assert_eq!(start.data["data"]["tool"], "list_available_agents");
    let output = events
        .iter()
        .find(|e| e.name() == "on_tool_output")
        .unwrap();
    assert_eq!(output.data["data"]["stream"], "stdout");
    assert!(output.data["data"]["line"].is_string());
    let result = events.iter().find(|e| e.name() == "result").unwrap();
    assert!(
        result.data["data"]["result"]
            .as_str()
            .unwrap()
            .contains("Agentes disponíveis")
    );
}

#[tokio::test]
async fn many_subscribers_see_identical_sequences() {
    let app = spawn_with(|s| {
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "drip".into());
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_DELAY_MS".into(), "20".into());
    })
    .await;
    for n in [2usize, 10] {
        let job = app.start_job(json!({"input": "/list"})).await;
        let mut readers = Vec::new();
        for _ in 0..n {
            let response = app.open_stream(&job, None).await;
            readers.push(tokio::spawn(collect_events(response, usize::MAX)));
        }
        let mut all = Vec::new();
        for r in readers {
            all.push(r.await.unwrap());
        }
        assert!(all[0].len() > 5);
        assert_eq!(all[0].last().unwrap().name(), "end_of_stream");
        for other in &all[1..] {
            assert_eq!(other, &all[0]);
        }
    }
}

#[tokio::test]
async fn resuming_after_any_event_gives_exactly_the_rest() {
    let app = spawn_with(|s| {
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "drip".into());
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_DELAY_MS".into(), "5".into());
    })
    .await;
    let job = app.start_job(json!({"input": "/validate"})).await;
    // Disconnect while the job runs, at several points, and resume.
    let mut seen: Vec<Sse> = Vec::new();
    for take in [1usize, 2, 3] {
        let last = seen.last().map(|e| e.id.parse::<u64>().unwrap());
        let response = app.open_stream(&job, last).await;
        let part = collect_events(response, take).await;
        seen.extend(part);
    }
    let last = seen.last().map(|e| e.id.parse::<u64>().unwrap());
    seen.extend(app.read_stream(&job, last).await);
    let full = app.read_stream(&job, None).await;
    assert_eq!(seen, full, "resumed reads add up to the whole stream");

    // Every resume point over the finished job, by header and by query.
    for k in 0..full.len() as u64 {
        let rest = app.read_stream(&job, Some(k)).await;
        assert_eq!(rest, full[k as usize..].to_vec(), "after {k}");
    }
    // At or past the end of a finished job: its end again, so clients stop.
    let end = full.last().cloned().unwrap();
    for k in [full.len() as u64, full.len() as u64 + 1, u64::MAX] {
        let rest = app.read_stream(&job, Some(k)).await;
        assert_eq!(rest, vec![end.clone()], "after {k}");
    }
    let response = app
        .client
        .get(app.url(&format!("/api/v1/stream/{job}?last_event_id=3")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        collect_events(response, usize::MAX).await,
        full[3..].to_vec()
    );
    let bad = app
        .client
        .get(app.url(&format!("/api/v1/stream/{job}")))
        .header("Last-Event-ID", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn late_subscriber_gets_the_full_history() {
    let app = spawn_app().await;
    let (status, body) = app.post_json("/execute", json!({"input": "/list"})).await;
    assert_eq!(status, 200, "{body}");
    let job = body["job_id"].as_str().unwrap();
    let events = app.read_stream(job, None).await;
    assert_eq!(events.first().unwrap().name(), "job_started");
    assert_eq!(events.last().unwrap().name(), "end_of_stream");
}

#[tokio::test]
async fn trimmed_events_are_announced_as_a_gap() {
    let app = spawn_with(|s| {
        s.jobs.event_log_max_events = 5;
    })
    .await;
    let (_, body) = app.post_json("/execute", json!({"input": "/list"})).await;
    let job = body["job_id"].as_str().unwrap();
    let events = app.read_stream(job, None).await;
    assert_eq!(events[0].name(), "gap", "{events:?}");
    let first = events[0].data["data"]["first_missing"].as_u64().unwrap();
    let last = events[0].data["data"]["last_missing"].as_u64().unwrap();
    assert_eq!(first, 1);
    assert_eq!(events[0].id, last.to_string());
    assert_eq!(events[1].id, (last + 1).to_string());
    assert_eq!(events.len(), 6);
    assert_eq!(events.last().unwrap().name(), "end_of_stream");
}

#[tokio::test]
async fn a_slow_subscriber_does_not_hold_back_a_fast_one() {
    let app = spawn_with(|s| {
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "huge".into());
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_HUGE_BYTES".into(), (3 << 20).to_string());
    })
    .await;
    let job = app
        .start_job(json!({"tool": "execute_agent_stateless", "arguments": {"agent_id": "CodeReviewer_Agent", "input_text": "x"}}))
        .await;
    // Opened and never read while the job pours out megabytes of events.
    let stalled = app.open_stream(&job, None).await;
    let fast = app.read_stream(&job, None).await;
    assert_eq!(fast.last().unwrap().name(), "end_of_stream");
    assert!(fast.len() > 1000, "{} events", fast.len());
    drop(stalled);
    let record: serde_json::Value = app
        .get(&format!("/api/v1/jobs/{job}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["state"], "succeeded", "{record}");
}

#[tokio::test]
async fn keep_alive_comments_fill_silences() {
    let app = spawn_with(|s| {
        s.jobs.keepalive_secs = 1;
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "hang".into());
    })
    .await;
    let job = app.start_job(json!({"input": "/list"})).await;
    let mut response = app.open_stream(&job, None).await;
    let mut raw = String::new();
    tokio::time::timeout(DEADLINE, async {
        while !raw.contains("\n: keep-alive\n") && !raw.starts_with(": keep-alive") {
            let chunk = response.chunk().await.unwrap().expect("stream open");
            raw.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("a keep-alive comment arrives");
    app.post_json(&format!("/api/v1/jobs/{job}/cancel"), json!({}))
        .await;
}

#[tokio::test]
async fn unknown_and_expired_jobs_are_404() {
    let app = spawn_with(|s| s.jobs.retention_secs = 0).await;
    let response = app.open_stream("job_nope", None).await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("not found"));
    let (status, body) = app.post_json("/execute", json!({"input": "/list"})).await;
    assert_eq!(status, 200, "{body}");
    let job = body["job_id"].as_str().unwrap();
    assert_eq!(
        app.open_stream(job, None).await.status(),
        404,
        "expired at once with retention 0"
    );
    assert_eq!(app.get(&format!("/api/v1/jobs/{job}")).await.status(), 404);
}
