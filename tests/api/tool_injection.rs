//! Caller text against the CLI's argv: injection attempts are refused before
//! any process starts, and `input_text` stays data, never a flag.

use serde_json::json;

use crate::helpers::*;
use crate::tools::argv;

#[tokio::test]
async fn injection_attempts_never_reach_a_process() {
    let app = spawn_app().await;
    let big = "x".repeat(200 * 1024);
    let cases = [
        (
            "get_agent_info",
            json!({"agent_id": "x; rm -rf /"}),
            422,
            "agent_id",
        ),
        (
            "get_agent_info",
            json!({"agent_id": "--list"}),
            422,
            "agent_id",
        ),
        (
            "get_agent_info",
            json!({"agent_id": "../etc"}),
            422,
            "agent_id",
        ),
        ("get_agent_info", json!({}), 422, "agent_id"),
        (
            "get_agent_info",
            json!({"agent_id": "A", "extra": 1}),
            422,
            "extra",
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": "A", "input_text": big}),
            413,
            "input_text",
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": "A", "input_text": ""}),
            422,
            "input_text",
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": "A", "input_text": "x", "timeout": 0}),
            422,
            "timeout",
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": "A", "input_text": "x", "timeout": "soon"}),
            422,
            "timeout",
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": "A", "input_text": "x", "output_format": "xml"}),
            422,
            "output_format",
        ),
        (
            "install_agent_templates",
            json!({"template_name": "-x"}),
            422,
            "template_name",
        ),
        (
            "restore_agents",
            json!({"backup_path": "../../etc"}),
            422,
            "backup_path",
        ),
        (
            "restore_agents",
            json!({"backup_path": "/etc"}),
            422,
            "backup_path",
        ),
        (
            "migrate_storage",
            json!({"from_type": "s3", "to_type": "filesystem"}),
            422,
            "from_type",
        ),
        (
            "migrate_storage",
            json!({"from_type": "filesystem", "to_type": "mongodb", "path": "../x"}),
            422,
            "path",
        ),
        (
            "set_environment",
            json!({"environment": "a\nb"}),
            422,
            "environment",
        ),
    ];
    for (tool, args, status, field) in cases {
        let (got, body) = app.tool(tool, args.clone()).await;
        assert_eq!(got, status, "{tool} {args}: {body}");
        assert_eq!(body["field"], field, "{tool}: {body}");
        assert!(
            body["detail"].as_str().unwrap().starts_with(field),
            "{body}"
        );
    }
    let (status, body) = app.tool("no_such_tool", json!({})).await;
    assert_eq!(status, 404, "{body}");
    let r = app
        .client
        .post(app.url("/api/v1/tools/list_available_agents"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        app.invocations().is_empty(),
        "a process ran: {:?}",
        app.invocations()
    );
}

#[tokio::test]
async fn input_text_is_data_never_a_flag() {
    let app = spawn_app().await;
    for text in [
        "--agent evil",
        "$(reboot)",
        "; rm -rf / #",
        "-x",
        "line1\nline2",
        "--list",
    ] {
        let (status, body) = app
            .tool(
                "execute_agent_stateless",
                json!({"agent_id": "CodeReviewer_Agent", "input_text": text}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "success", "{text}: {body}");
        let last = app.invocations().last().unwrap().clone();
        assert_eq!(
            last,
            argv(&["--agent", "CodeReviewer_Agent", &format!("--input={text}")])
        );
    }
}
