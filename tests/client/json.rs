//! `--json`: one parseable object per line, for every command.

use serde_json::json;

use crate::helpers::*;
use crate::support::*;

#[tokio::test]
async fn run_prints_every_event_from_job_started_to_end_of_stream() {
    let app = spawn_app().await;
    let out = run(&app.base, &["run", "--json", "/list"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let events = out.json_lines();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names.first(), Some(&"job_started"), "{names:?}");
    assert_eq!(names.last(), Some(&"end_of_stream"), "{names:?}");
    assert!(names.contains(&"on_tool_output"), "{names:?}");
    let job = events[0]["job_id"].as_str().expect("job_id");
    assert!(events.iter().all(|e| e["job_id"] == job));
    assert_eq!(events.last().unwrap()["data"]["state"], "succeeded");
    // The same events the stream serves, none dropped or repeated.
    let served = app.read_stream(job, None).await;
    assert_eq!(served.len(), events.len());
    for (served, printed) in served.iter().zip(&events) {
        assert_eq!(&served.data, printed);
    }
}

#[tokio::test]
async fn jobs_tools_and_call_print_objects() {
    let app = spawn_app().await;
    for command in ["/list", "/info NoSuch_Agent"] {
        let job = app.start_job(json!({ "input": command })).await;
        app.wait_for_event(&job, "end_of_stream").await;
    }
    let out = run(&app.base, &["jobs", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let jobs = out.json_lines();
    assert_eq!(jobs.len(), 2, "{out:?}");
    assert!(jobs.iter().all(|j| j["job_id"].is_string()));
    let out = run(&app.base, &["jobs", "--json", "--state", "failed"]).await;
    let failed = out.json_lines();
    assert_eq!(failed.len(), 1, "{out:?}");
    assert_eq!(failed[0]["command"], "/info NoSuch_Agent");

    let out = run(&app.base, &["tools", "--json"]).await;
    let tools = out.json_lines();
    assert_eq!(tools.len(), 13, "{out:?}");
    assert!(tools.iter().any(|t| t["name"] == "list_available_agents"));

    let out = run(
        &app.base,
        &[
            "call",
            "--json",
            "get_agent_info",
            "agent_id=CodeReviewer_Agent",
        ],
    )
    .await;
    let answers = out.json_lines();
    assert_eq!(answers.len(), 1, "{out:?}");
    assert_eq!(answers[0]["is_error"], false);
    assert_eq!(answers[0]["tool"], "get_agent_info");
}
