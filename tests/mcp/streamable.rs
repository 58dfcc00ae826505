//! Streamable HTTP (`/mcp`) with the rmcp client and raw HTTP: handshake at
//! each protocol revision, the 13 tools, every tool's argv, progress,
//! cancellation, dropped connections, parallel calls and bad arguments.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rmcp::model::{CallToolRequestParams, ClientRequest, ErrorCode, ProtocolVersion, Request};
use rmcp::service::PeerRequestOptions;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientLifecycleMode, ClientServiceExt, ServiceError};
use serde_json::json;

use crate::helpers::*;

const TOOL_NAMES: [&str; 13] = [
    "list_available_agents",
    "get_agent_info",
    "validate_conductor_system",
    "execute_agent_stateless",
    "execute_agent_contextual",
    "start_interactive_session",
    "install_agent_templates",
    "backup_agents",
    "restore_agents",
    "migrate_storage",
    "set_environment",
    "get_system_config",
    "clear_agent_history",
];

#[tokio::test]
async fn initialize_names_the_server_and_lists_the_13_tools_with_schemas() {
    let app = spawn_app().await;
    let (client, _) = app.client().await;
    let info = client.peer_info().expect("server info");
    let server = info.server_info.as_ref().expect("server identity");
    assert_eq!(server.name, "ConductorAdvancedMCP");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));
    assert!(
        info.instructions
            .as_deref()
            .is_some_and(|i| i.contains("list_available_agents") && i.contains("progressToken"))
    );
    assert!(info.capabilities.tools.is_some());
    assert_eq!(info.protocol_version, ProtocolVersion::V_2025_11_25);

    let tools = within("tools/list", client.list_all_tools()).await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, TOOL_NAMES);
    for tool in &tools {
        assert!(
            tool.description.as_deref().is_some_and(|d| d.len() > 20),
            "{}",
            tool.name
        );
        assert!(tool.title.is_some(), "{}", tool.name);
        assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
        let output = tool.output_schema.as_ref().expect("output schema");
        assert_eq!(output["type"], "object");
        assert!(tool.annotations.is_some(), "{}", tool.name);
    }
    let find = |name: &str| tools.iter().find(|t| t.name == name).unwrap();
    let stateless = find("execute_agent_stateless");
    assert_eq!(
        stateless.input_schema["required"],
        json!(["agent_id", "input_text"])
    );
    assert_eq!(
        stateless.input_schema["properties"]["timeout"]["default"],
        120
    );
    assert_eq!(
        stateless.input_schema["properties"]["output_format"]["enum"],
        json!(["text", "json"])
    );
    let list = find("list_available_agents").annotations.clone().unwrap();
    assert_eq!(list.read_only_hint, Some(true));
    let restore = find("restore_agents").annotations.clone().unwrap();
    assert_eq!(
        (restore.read_only_hint, restore.destructive_hint),
        (Some(false), Some(true))
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_2025_06_18_and_2025_11_25_revisions_get_a_session() {
    let app = spawn_app().await;
    for version in ["2025-06-18", "2025-11-25"] {
        let (session, init) = raw_session(&app, version).await;
        assert_eq!(init["result"]["protocolVersion"], version);
        assert_eq!(init["result"]["serverInfo"]["name"], "ConductorAdvancedMCP");
        let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
        let response = within(
            "tools/list",
            post_mcp(&app, Some(&session), &list)
                .header("mcp-protocol-version", version)
                .send(),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        let answer = messages(response)
            .await
            .into_iter()
            .find(|m| m["id"] == 2)
            .unwrap();
        assert_eq!(answer["result"]["tools"].as_array().unwrap().len(), 13);
    }
}

#[tokio::test]
async fn deleting_a_session_answers_no_content_and_ends_it() {
    let app = spawn_app().await;
    let (session, _) = raw_session(&app, "2025-11-25").await;
    let request = app
        .client
        .delete(app.mcp_url("/mcp"))
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25");
    let response = within("DELETE /mcp", request.send()).await.unwrap();
    assert_eq!(response.status(), 204);
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let after = within(
        "tools/list on a deleted session",
        post_mcp(&app, Some(&session), &list)
            .header("mcp-protocol-version", "2025-11-25")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(after.status(), 404, "the session is gone");
}

#[tokio::test]
async fn the_stateless_2026_07_28_revision_lists_and_calls_tools() {
    let app = spawn_app().await;
    let (handler, _) = TestClient::new();
    let transport = StreamableHttpClientTransport::from_uri(app.mcp_url("/mcp"));
    let client = within(
        "server/discover",
        handler.serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        ),
    )
    .await
    .expect("the 2026-07-28 client connects");
    let info = client.peer_info().expect("server info");
    assert_eq!(info.protocol_version, ProtocolVersion::V_2026_07_28);
    let tools = within("tools/list", client.list_all_tools()).await.unwrap();
    assert_eq!(tools.len(), 13);
    let result = call(&client, "get_agent_info", json!({"agent_id": AGENT})).await;
    assert_eq!(result.is_error, Some(false), "{result:?}");
    assert!(text(&result).contains(AGENT));
    assert_eq!(
        app.argvs(),
        vec![vec!["--info".to_string(), AGENT.to_string()]]
    );
}

#[tokio::test]
async fn every_tool_runs_with_the_contract_argv_and_structured_results() {
    let app = spawn_app().await;
    let (client, _) = app.client().await;
    let tools = within("tools/list", client.list_all_tools()).await.unwrap();
    every_tool(&app.log, &tools, async |name, arguments| {
        call(&client, name, arguments).await
    })
    .await;
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn output_lines_arrive_as_progress_notifications() {
    let app = spawn_with(|s| {
        double_mode(s, "drip", 150);
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_DRIP_LINES".into(), "4".into());
    })
    .await;
    let (client, mut progress) = app.client().await;
    let result = call(&client, "get_agent_info", json!({"agent_id": AGENT})).await;
    assert_eq!(result.is_error, Some(false), "{result:?}");

    let mut seen = Vec::new();
    within("progress for every dripped line", async {
        while !(1..=4).all(|n| {
            seen.iter()
                .any(|p: &rmcp::model::ProgressNotificationParam| {
                    p.message
                        .as_deref()
                        .is_some_and(|m| m.lines().any(|l| l == format!("linha {n}")))
                })
        }) {
            seen.push(progress.recv().await.expect("progress channel open"));
        }
    })
    .await;
    let token = &seen[0].progress_token;
    assert!(seen.iter().all(|p| &p.progress_token == token));
    assert!(
        seen.windows(2).all(|w| w[1].progress > w[0].progress),
        "progress increases: {seen:?}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_cancelled_call_kills_its_process_tree() {
    let app = spawn_with(|s| double_mode(s, "hang", 0)).await;
    let (client, _) = app.client().await;
    let handle = within(
        "send tools/call",
        client.send_cancellable_request(
            ClientRequest::CallToolRequest(Request::new(CallToolRequestParams::new(
                "validate_conductor_system",
            ))),
            PeerRequestOptions::no_options(),
        ),
    )
    .await
    .unwrap();
    let hung = app.hung(1).await;
    let pids = pids(&hung);
    assert!(
        pids.iter().all(|p| alive(*p)),
        "the double and its child run"
    );

    handle
        .cancel(Some("the user changed their mind".into()))
        .await
        .unwrap();
    all_gone(&pids).await;

    // The session goes on.
    let tools = within("tools/list", client.list_tools(None)).await.unwrap();
    assert_eq!(tools.tools.len(), 13);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_client_dropping_the_connection_mid_call_kills_its_process_tree() {
    let app = spawn_with(|s| double_mode(s, "hang", 0)).await;
    let (session, _) = raw_session(&app, "2025-11-25").await;
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "list_available_agents", "arguments": {}}});
    let response = within(
        "tools/call",
        post_mcp(&app, Some(&session), &call)
            .header("mcp-protocol-version", "2025-11-25")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let hung = app.hung(1).await;
    drop(response);
    all_gone(&pids(&hung)).await;
}

#[tokio::test]
async fn eight_calls_from_two_sessions_run_at_once_and_tools_list_does_not_wait() {
    let app = spawn_with(|s| double_mode(s, "hang", 0)).await;
    let (first, _) = app.client().await;
    let (second, _) = app.client().await;
    let finished = Arc::new(AtomicUsize::new(0));
    for i in 0..8 {
        let peer = if i % 2 == 0 {
            first.peer().clone()
        } else {
            second.peer().clone()
        };
        let finished = finished.clone();
        tokio::spawn(async move {
            let params = CallToolRequestParams::new("get_agent_info")
                .with_arguments(args(json!({"agent_id": AGENT})));
            let _ = peer.call_tool_once(params).await;
            finished.fetch_add(1, Ordering::SeqCst);
        });
    }
    // Every call started its CLI while none had finished: they overlap.
    let hung = app.hung(8).await;
    assert_eq!(app.invocations().len(), 8);
    assert_eq!(
        finished.load(Ordering::SeqCst),
        0,
        "no call may finish before all started"
    );

    let tools = within("tools/list during 8 running calls", first.list_tools(None))
        .await
        .unwrap();
    assert_eq!(tools.tools.len(), 13);

    // Closing both sessions ends every call and kills every process tree.
    first.cancel().await.unwrap();
    second.cancel().await.unwrap();
    all_gone(&pids(&hung)).await;
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_that_name_the_field() {
    let app = spawn_app().await;
    let (client, _) = app.client().await;
    let cases = [
        ("get_agent_info", json!({}), "agent_id"),
        (
            "get_agent_info",
            json!({"agent_id": "../../etc"}),
            "agent_id",
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": AGENT, "input_text": "x", "timeout": "soon"}),
            "timeout",
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": AGENT, "input_text": "   "}),
            "input_text",
        ),
        (
            "migrate_storage",
            json!({"from_type": "tape", "to_type": "filesystem"}),
            "from_type",
        ),
        (
            "restore_agents",
            json!({"backup_path": "../outside"}),
            "backup_path",
        ),
        ("list_available_agents", json!({"verbose": true}), "verbose"),
    ];
    let tools = within("tools/list", client.list_all_tools()).await.unwrap();
    for (name, arguments, field) in cases {
        let result = call(&client, name, arguments.clone()).await;
        assert_eq!(result.is_error, Some(true), "{name} {arguments}");
        let text = text(&result);
        assert!(text.contains(field), "{name} {arguments}: {text}");
        assert_eq!(result.structured_content.as_ref().unwrap()["field"], field);
        assert_conforms(tools.iter().find(|t| t.name == name).unwrap(), &result);
    }
    assert!(app.invocations().is_empty(), "nothing ran");

    let unknown = client
        .call_tool(CallToolRequestParams::new("rm_rf"))
        .await
        .expect_err("an unknown tool is a protocol error");
    match unknown {
        ServiceError::McpError(e) => {
            assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
            assert!(e.message.contains("rm_rf"));
        }
        other => panic!("unexpected error {other:?}"),
    }
    client.cancel().await.unwrap();
}
