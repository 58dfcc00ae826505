//! Jobs: the start contract, reads, listing, cancel, limits, idempotency and
//! every slash command against the CLI double.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn stream_execute_answers_the_contract_at_once() {
    let app = spawn_app().await;
    let (status, body) = app
        .post_json("/api/v1/stream-execute", json!({"textEntries": [{"content": "/list", "type": "text"}], "metadata": {"source": "web"}}))
        .await;
    assert_eq!(status, 200);
    let id = body["job_id"].as_str().unwrap();
    assert!(
        id.starts_with("job_") && uuid::Uuid::parse_str(&id[4..]).is_ok(),
        "{id}"
    );
    assert_eq!(body["status"], "started");
    assert_eq!(body["stream_url"], format!("/api/v1/stream/{id}"));
    app.read_stream(id, None).await;
    let job: Value = app
        .get(&format!("/api/v1/jobs/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["state"], "succeeded");
    assert_eq!(job["metadata"], json!({"source": "web"}));
    assert_eq!(job["command"], "/list");
    assert!(job["created_at"].as_f64().unwrap() <= job["started_at"].as_f64().unwrap());
    assert!(job["started_at"].as_f64().unwrap() <= job["finished_at"].as_f64().unwrap());
    assert!(
        job["result"]
            .as_str()
            .unwrap()
            .contains("Agentes disponíveis")
    );
}

#[tokio::test]
async fn bad_payloads() {
    let app = spawn_with(|s| s.server.max_body_bytes = 4096).await;
    for payload in [
        json!({}),
        json!({"textEntries": []}),
        json!({"input": ""}),
        json!({"command": "   "}),
    ] {
        for path in ["/api/v1/stream-execute", "/execute"] {
            let (status, body) = app.post_json(path, payload.clone()).await;
            assert_eq!(status, 400, "{path} {payload}");
            assert_eq!(body, json!({"detail": "No command found in payload"}));
        }
    }
    let r = app
        .client
        .post(app.url("/api/v1/stream-execute"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.json::<Value>().await.unwrap()["detail"].is_string());
    let (status, body) = app
        .post_json("/api/v1/stream-execute", json!({"input": "x".repeat(5000)}))
        .await;
    assert_eq!(status, 413, "{body}");
    assert!(body["detail"].is_string());
    let (status, _) = app
        .post_json("/api/v1/stream-execute", json!({"tool": 5}))
        .await;
    assert_eq!(status, 422);
    assert!(app.invocations().is_empty());
}

#[tokio::test]
async fn every_slash_command_runs_the_right_argv() {
    let app = spawn_app().await;
    let cases: &[(&str, &[&str])] = &[
        ("/list", &["--list"]),
        (
            "/info CodeReviewer_Agent",
            &["--info", "CodeReviewer_Agent"],
        ),
        ("/validate", &["--validate"]),
        (
            "/run CodeReviewer_Agent --agent evil $(reboot)",
            &[
                "--agent",
                "CodeReviewer_Agent",
                "--input=--agent evil $(reboot)",
            ],
        ),
        (
            "/chat CodeReviewer_Agent hello there",
            &[
                "--agent",
                "CodeReviewer_Agent",
                "--chat",
                "--input=hello there",
            ],
        ),
        ("/install", &["--install", "list"]),
        (
            "/install web_development",
            &["--install", "web_development"],
        ),
        (
            "/tool get_agent_info {\"agent_id\": \"DocWriter_Agent\"}",
            &["--info", "DocWriter_Agent"],
        ),
    ];
    for (command, argv) in cases {
        let (status, body) = app.post_json("/execute", json!({"input": command})).await;
        assert_eq!(status, 200, "{command}: {body}");
        let expected: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        assert_eq!(app.invocations().last().unwrap(), &expected, "{command}");
    }
    let runs = app.invocations().len();
    for local in ["/help", "/tools", "/config", "/clear CodeReviewer_Agent"] {
        let (status, body) = app.post_json("/execute", json!({"command": local})).await;
        assert_eq!(status, 200, "{local}: {body}");
        assert!(!body["result"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        app.invocations().len(),
        runs,
        "local commands run no process"
    );
    let (status, body) = app.post_json("/execute", json!({"input": "/info"})).await;
    assert_eq!(status, 500);
    assert_eq!(body["detail"], "usage: /info <agent>");
    let (status, body) = app.post_json("/execute", json!({"input": "/bogus"})).await;
    assert_eq!(status, 500);
    assert!(body["detail"].as_str().unwrap().contains("/list"), "{body}");
}

#[tokio::test]
async fn tool_payload_and_plain_text_without_an_llm() {
    let app = spawn_app().await;
    let job = app
        .start_job(
            json!({"tool": "get_agent_info", "arguments": {"agent_id": "CodeReviewer_Agent"}}),
        )
        .await;
    let events = app.read_stream(&job, None).await;
    let start = events.iter().find(|e| e.name() == "on_tool_start").unwrap();
    assert_eq!(
        start.data["data"]["input"],
        json!({"agent_id": "CodeReviewer_Agent"})
    );
    let end = events.iter().find(|e| e.name() == "on_tool_end").unwrap();
    assert_eq!(end.data["data"]["status"], "success");
    assert_eq!(end.data["data"]["output"]["outcome"], "ok");

    let job = app
        .start_job(json!({"input": "List available agents"}))
        .await;
    let events = app.read_stream(&job, None).await;
    let error = events
        .iter()
        .find(|e| e.name() == "error")
        .expect("an error event");
    let reason = error.data["data"]["error"].as_str().unwrap();
    assert!(
        reason.contains("OPENAI_API_KEY") && reason.contains("/list"),
        "{reason}"
    );
    assert_eq!(events.last().unwrap().name(), "end_of_stream");
    assert!(app.invocations().len() == 1);
}

#[tokio::test]
async fn cancel_kills_the_tree_and_ends_the_stream() {
    let app = spawn_with(|s| {
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "hang".into());
    })
    .await;
    let job = app
        .start_job(json!({"input": "/run CodeReviewer_Agent hi"}))
        .await;
    let stream = app.open_stream(&job, None).await;
    let (_, child) = app.wait_for_child_pid().await;
    let (status, body) = app
        .post_json(&format!("/api/v1/jobs/{job}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "cancelled");
    let events = collect_events(stream, usize::MAX).await;
    let names: Vec<&str> = events.iter().map(|e| e.name()).collect();
    assert_eq!(
        &names[names.len() - 2..],
        ["error", "end_of_stream"],
        "{names:?}"
    );
    assert_eq!(events.last().unwrap().data["data"]["state"], "cancelled");
    let mut pids = app.logged_pids();
    pids.push(child);
    assert_all_gone(&pids).await;

    let (status, _) = app
        .post_json(&format!("/api/v1/jobs/{job}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "cancelling twice is fine");
}

#[tokio::test]
async fn cancelling_a_finished_job_is_a_conflict() {
    let app = spawn_app().await;
    let (_, body) = app.post_json("/execute", json!({"input": "/list"})).await;
    let job = body["job_id"].as_str().unwrap();
    let (status, body) = app
        .post_json(&format!("/api/v1/jobs/{job}/cancel"), json!({}))
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["state"], "succeeded");
    let (status, _) = app
        .post_json("/api/v1/jobs/job_nope/cancel", json!({}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn limits_queue_then_refuse_with_retry_after() {
    let app = spawn_with(|s| {
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "hang".into());
        s.jobs.max_running = 1;
        s.jobs.max_queued = 1;
    })
    .await;
    let first = app.start_job(json!({"input": "/list"})).await;
    // The first one holds the only slot, its CLI running.
    app.wait_for_child_pid().await;
    let second = app.start_job(json!({"input": "/list"})).await;
    let response = app
        .post("/api/v1/stream-execute", json!({"input": "/list"}))
        .await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let queued: Value = app
        .get(&format!("/api/v1/jobs/{second}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queued["state"], "queued");
    let page: Value = app
        .get("/api/v1/jobs?state=queued")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["jobs"][0]["job_id"], second.as_str());
    // Cancelling the queued job frees its place without it ever running.
    app.post_json(&format!("/api/v1/jobs/{second}/cancel"), json!({}))
        .await;
    app.post_json(&format!("/api/v1/jobs/{first}/cancel"), json!({}))
        .await;
    assert_eq!(app.invocations().len(), 1);
    assert_all_gone(&app.logged_pids()).await;
}

#[tokio::test]
async fn listing_filters_and_pages() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.post_json("/execute", json!({"input": "/list"})).await;
    }
    app.post_json("/execute", json!({"input": "/bogus"})).await;
    let all: Value = app.get("/api/v1/jobs?limit=2").await.json().await.unwrap();
    assert_eq!(all["total"], 4);
    assert_eq!(all["jobs"].as_array().unwrap().len(), 2);
    let rest: Value = app
        .get("/api/v1/jobs?limit=2&offset=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["jobs"].as_array().unwrap().len(), 2);
    let failed: Value = app
        .get("/api/v1/jobs?state=failed")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(failed["total"], 1);
    assert_eq!(failed["jobs"][0]["command"], "/bogus");
    assert_eq!(app.get("/api/v1/jobs?state=weird").await.status(), 422);
}

#[tokio::test]
async fn idempotency_keys_return_the_same_job() {
    let app = spawn_app().await;
    let send = |key: &'static str| {
        app.client
            .post(app.url("/api/v1/stream-execute"))
            .header("Idempotency-Key", key)
            .json(&json!({"input": "/list"}))
            .send()
    };
    let a: Value = send("k1").await.unwrap().json().await.unwrap();
    let again = send("k1").await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let b: Value = again.json().await.unwrap();
    let c: Value = send("k2").await.unwrap().json().await.unwrap();
    assert_eq!(a["job_id"], b["job_id"]);
    assert_ne!(a["job_id"], c["job_id"]);
    app.read_stream(a["job_id"].as_str().unwrap(), None).await;
    app.read_stream(c["job_id"].as_str().unwrap(), None).await;
    assert_eq!(app.invocations().len(), 2);
}
