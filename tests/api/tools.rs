//! The catalogue through `POST /api/v1/tools/{name}`: exact argv, validation
//! before any process starts, and results in the contract's shapes.

use serde_json::{Value, json};

use crate::helpers::*;

pub fn argv(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn lists_thirteen_tools_with_schemas_and_annotations() {
    let app = spawn_app().await;
    let body: Value = app.get("/api/v1/tools").await.json().await.unwrap();
    let tools = body["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
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
        ]
    );
    for tool in tools {
        assert_eq!(tool["input_schema"]["type"], "object", "{tool}");
        assert!(!tool["description"].as_str().unwrap().is_empty());
        assert!(tool["annotations"]["readOnlyHint"].is_boolean());
    }
    let restore = tools
        .iter()
        .find(|t| t["name"] == "restore_agents")
        .unwrap();
    assert_eq!(restore["annotations"]["destructiveHint"], true);
}

#[tokio::test]
async fn every_cli_tool_sends_the_contract_argv() {
    let app = spawn_app().await;
    let root = app.workspace.path().join("backups").canonicalize().ok();
    let cases: Vec<(&str, Value, Vec<String>)> = vec![
        ("list_available_agents", json!({}), argv(&["--list"])),
        (
            "get_agent_info",
            json!({"agent_id": "CodeReviewer_Agent"}),
            argv(&["--info", "CodeReviewer_Agent"]),
        ),
        (
            "validate_conductor_system",
            json!({}),
            argv(&["--validate"]),
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": "CodeReviewer_Agent", "input_text": "hi"}),
            argv(&["--agent", "CodeReviewer_Agent", "--input=hi"]),
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": "CodeReviewer_Agent", "input_text": "hi", "timeout": 30, "output_format": "json"}),
            argv(&[
                "--agent",
                "CodeReviewer_Agent",
                "--input=hi",
                "--timeout",
                "30",
                "--output",
                "json",
            ]),
        ),
        (
            "execute_agent_contextual",
            json!({"agent_id": "CodeReviewer_Agent", "input_text": "hi", "clear_history": true}),
            argv(&[
                "--agent",
                "CodeReviewer_Agent",
                "--chat",
                "--input=hi",
                "--clear",
            ]),
        ),
        (
            "start_interactive_session",
            json!({"agent_id": "CodeReviewer_Agent", "initial_input": "hello"}),
            argv(&["--agent", "CodeReviewer_Agent", "--chat", "--input=hello"]),
        ),
        (
            "install_agent_templates",
            json!({}),
            argv(&["--install", "list"]),
        ),
        (
            "install_agent_templates",
            json!({"template_name": "web_development"}),
            argv(&["--install", "web_development"]),
        ),
        ("backup_agents", json!({}), argv(&["--backup"])),
        (
            "migrate_storage",
            json!({"from_type": "filesystem", "to_type": "mongodb", "no_config_update": true}),
            argv(&[
                "--migrate-from",
                "filesystem",
                "--migrate-to",
                "mongodb",
                "--no-config-update",
            ]),
        ),
    ];
    for (tool, args, expected) in &cases {
        let (status, body) = app.tool(tool, args.clone()).await;
        assert_eq!(status, 200, "{tool}: {body}");
        assert_eq!(body["tool"], *tool);
        assert_eq!(app.invocations().last().unwrap(), expected, "{tool}");
    }
    // Paths are confined to the files folder and passed resolved.
    let (status, _) = app
        .tool("backup_agents", json!({"backup_path": "nightly"}))
        .await;
    assert_eq!(status, 200);
    let root = root.unwrap_or_else(|| app.workspace.path().join("backups").canonicalize().unwrap());
    let expected = root.join("nightly").to_string_lossy().into_owned();
    assert_eq!(
        app.invocations().last().unwrap(),
        &argv(&["--backup", "--path", &expected])
    );
    let (status, _) = app
        .tool("restore_agents", json!({"backup_path": "nightly"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.invocations().last().unwrap(),
        &argv(&["--restore", "--path", &expected])
    );
    assert_eq!(app.invocations().len(), cases.len() + 2);
}

/// `../shared/CONTRACT.md`, "Tool results": four tools answer plain text,
/// every other one the JSON text of `{status, stdout, stderr, returncode}`,
/// including those answered without the CLI.
#[tokio::test]
async fn every_tool_answers_the_contract_text_shape() {
    const PLAIN: [&str; 4] = [
        "list_available_agents",
        "get_agent_info",
        "validate_conductor_system",
        "backup_agents",
    ];
    let app = spawn_app().await;
    let listed: Value = app.get("/api/v1/tools").await.json().await.unwrap();
    let names: Vec<String> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 13);
    for name in &names {
        let args = match name.as_str() {
            "get_agent_info" | "clear_agent_history" => json!({"agent_id": "CodeReviewer_Agent"}),
            "execute_agent_stateless" | "execute_agent_contextual" => {
                json!({"agent_id": "CodeReviewer_Agent", "input_text": "hi"})
            }
            "start_interactive_session" => json!({"agent_id": "CodeReviewer_Agent"}),
            "backup_agents" | "restore_agents" => json!({"backup_path": "b1"}),
            "migrate_storage" => {
                json!({"from_type": "filesystem", "to_type": "filesystem", "path": "m1", "no_config_update": true})
            }
            "set_environment" => json!({"environment": "staging"}),
            _ => json!({}),
        };
        let (status, body) = app.tool(name, args).await;
        assert_eq!(status, 200, "{name}: {body}");
        let text = body["text"].as_str().unwrap();
        if PLAIN.contains(&name.as_str()) {
            assert!(
                serde_json::from_str::<Value>(text).is_err(),
                "{name}: {text}"
            );
            continue;
        }
        let object: Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {text}"));
        assert!(
            object["status"] == "success" || object["status"] == "error",
            "{name}: {text}"
        );
        assert!(object["stdout"].is_string(), "{name}: {text}");
        assert!(object["stderr"].is_string(), "{name}: {text}");
        assert!(object["returncode"].is_i64(), "{name}: {text}");
    }
}

#[tokio::test]
async fn plain_and_object_result_texts() {
    let app = spawn_app().await;
    let (_, list) = app.tool("list_available_agents", json!({})).await;
    assert_eq!(list["status"], "success");
    assert!(
        list["text"]
            .as_str()
            .unwrap()
            .starts_with("🤖 Agentes disponíveis"),
        "{list}"
    );
    assert_eq!(
        list["result"]["command"][0],
        env!("CARGO_BIN_EXE_conductor-gateway")
    );

    let (_, run) = app
        .tool(
            "execute_agent_stateless",
            json!({"agent_id": "CodeReviewer_Agent", "input_text": "hi"}),
        )
        .await;
    let text: Value = serde_json::from_str(run["text"].as_str().unwrap()).unwrap();
    assert_eq!(text["status"], "success");
    assert_eq!(text["returncode"], 0);
    assert!(
        text["stdout"]
            .as_str()
            .unwrap()
            .contains("Resposta simulada"),
        "{text}"
    );
    assert!(text["command"].as_str().unwrap().contains("--input=hi"));
    assert!(
        run["readable"]
            .as_str()
            .unwrap()
            .starts_with("Resposta simulada"),
        "{run}"
    );

    let (_, info) = app
        .tool("get_agent_info", json!({"agent_id": "NoSuch_Agent"}))
        .await;
    assert_eq!(info["status"], "error");
    assert_eq!(info["outcome"], "cli_error");
    assert!(
        info["error"].as_str().unwrap().contains("não encontrado"),
        "{info}"
    );
}

#[tokio::test]
async fn set_environment_reaches_later_runs() {
    let app = spawn_app().await;
    let (status, body) = app
        .tool(
            "set_environment",
            json!({"environment": "staging", "project": "site"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        app.invocations().is_empty(),
        "set_environment runs no process"
    );
    app.tool(
        "execute_agent_stateless",
        json!({"agent_id": "CodeReviewer_Agent", "input_text": "hi"}),
    )
    .await;
    assert_eq!(
        app.invocations().last().unwrap(),
        &argv(&[
            "--agent",
            "CodeReviewer_Agent",
            "--input=hi",
            "--environment=staging",
            "--project=site"
        ])
    );
}

#[tokio::test]
async fn clear_agent_history_empties_it_without_running_the_agent() {
    let app = spawn_app().await;
    for _ in 0..2 {
        let (_, body) = app
            .tool(
                "execute_agent_contextual",
                json!({"agent_id": "CodeReviewer_Agent", "input_text": "remember me"}),
            )
            .await;
        assert_eq!(body["status"], "success", "{body}");
    }
    let runs_before = app.invocations().len();
    let (status, body) = app
        .tool(
            "clear_agent_history",
            json!({"agent_id": "CodeReviewer_Agent"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["cleared_entries"], 2, "{body}");
    assert_eq!(app.invocations().len(), runs_before, "no CLI run");
    let (_, info) = app
        .tool("get_agent_info", json!({"agent_id": "CodeReviewer_Agent"}))
        .await;
    assert!(
        info["text"]
            .as_str()
            .unwrap()
            .contains("Conversas no histórico: 0"),
        "{info}"
    );

    let (_, missing) = app
        .tool("clear_agent_history", json!({"agent_id": "NoSuch_Agent"}))
        .await;
    assert_eq!(missing["is_error"], true);
    assert!(
        !app.workspace
            .path()
            .join(".conductor_workspace/agents/NoSuch_Agent")
            .exists()
    );
}

#[tokio::test]
async fn system_config_and_session_without_input() {
    let app = spawn_app().await;
    let (_, config) = app.tool("get_system_config", json!({})).await;
    assert_eq!(
        config["result"]["config"]["storage"]["type"], "filesystem",
        "{config}"
    );
    let (_, session) = app
        .tool(
            "start_interactive_session",
            json!({"agent_id": "CodeReviewer_Agent"}),
        )
        .await;
    assert_eq!(session["status"], "success");
    assert!(
        session["readable"]
            .as_str()
            .unwrap()
            .contains("execute_agent_contextual")
    );
    assert!(app.invocations().is_empty());
}
