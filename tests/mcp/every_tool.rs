//! The check every transport passes: all 13 tools called, each result held
//! against the contract and its output schema, and the argv the CLI double
//! received read back from its invocation log.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rmcp::model::{CallToolResult, Tool};
use serde_json::Value;

use crate::helpers::{AGENT, assert_conforms, log_entries, text};

/// The (argv, cwd) of every invocation the double logged to `log`.
pub fn runs(log: &Path) -> Vec<(Vec<String>, PathBuf)> {
    log_entries(log)
        .iter()
        .filter_map(|e| {
            let argv = e.get("argv")?.as_array()?;
            let argv = argv
                .iter()
                .filter_map(|a| a.as_str().map(String::from))
                .collect();
            Some((argv, PathBuf::from(e.get("cwd")?.as_str()?)))
        })
        .collect()
}

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// Calls all 13 tools through `call` (any transport) and checks each result
/// (contract text, structured content against the output schema) and the
/// argv the CLI double received, read from `log`. The project must be fresh.
pub async fn every_tool(
    log: &Path,
    tools: &[Tool],
    mut call: impl AsyncFnMut(&str, Value) -> CallToolResult,
) {
    use serde_json::json;
    // (tool, arguments, the argv the CLI gets, or None when nothing runs);
    // `@files/x` stands for x inside the files folder, resolved after the call.
    let cases: Vec<(&str, Value, Option<Vec<String>>)> = vec![
        ("list_available_agents", json!({}), Some(argv(&["--list"]))),
        (
            "get_agent_info",
            json!({"agent_id": AGENT}),
            Some(argv(&["--info", AGENT])),
        ),
        (
            "validate_conductor_system",
            json!({}),
            Some(argv(&["--validate"])),
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": AGENT, "input_text": "review this", "timeout": 30, "output_format": "json"}),
            Some(argv(&[
                "--agent",
                AGENT,
                "--input=review this",
                "--timeout",
                "30",
                "--output",
                "json",
            ])),
        ),
        (
            "execute_agent_contextual",
            json!({"agent_id": AGENT, "input_text": "-x looks like a flag", "clear_history": true}),
            Some(argv(&[
                "--agent",
                AGENT,
                "--chat",
                "--input=-x looks like a flag",
                "--clear",
            ])),
        ),
        (
            "start_interactive_session",
            json!({"agent_id": AGENT, "initial_input": "hello"}),
            Some(argv(&["--agent", AGENT, "--chat", "--input=hello"])),
        ),
        (
            "start_interactive_session",
            json!({"agent_id": AGENT}),
            None,
        ),
        (
            "install_agent_templates",
            json!({}),
            Some(argv(&["--install", "list"])),
        ),
        (
            "install_agent_templates",
            json!({"template_name": "data_science"}),
            Some(argv(&["--install", "data_science"])),
        ),
        (
            "backup_agents",
            json!({"backup_path": "b1"}),
            Some(argv(&["--backup", "--path", "@files/b1"])),
        ),
        (
            "restore_agents",
            json!({"backup_path": "b1"}),
            Some(argv(&["--restore", "--path", "@files/b1"])),
        ),
        (
            "migrate_storage",
            json!({"from_type": "filesystem", "to_type": "filesystem", "path": "m1", "no_config_update": true}),
            Some(argv(&[
                "--migrate-from",
                "filesystem",
                "--migrate-to",
                "filesystem",
                "--path",
                "@files/m1",
                "--no-config-update",
            ])),
        ),
        ("get_system_config", json!({}), None),
        ("clear_agent_history", json!({"agent_id": AGENT}), None),
        (
            "set_environment",
            json!({"environment": "staging", "project": "demo"}),
            None,
        ),
        (
            "execute_agent_stateless",
            json!({"agent_id": AGENT, "input_text": "hi"}),
            Some(argv(&[
                "--agent",
                AGENT,
                "--input=hi",
                "--environment=staging",
                "--project=demo",
            ])),
        ),
    ];
    let mut called = std::collections::BTreeSet::new();
    for (name, arguments, expected) in cases {
        called.insert(name);
        let before = runs(log).len();
        let result = call(name, arguments.clone()).await;
        let tool = tools.iter().find(|t| t.name == name).unwrap();
        assert_conforms(tool, &result);
        let runs = runs(log);
        match expected {
            None => assert_eq!(
                runs.len(),
                before,
                "{name} {arguments} must not run the CLI"
            ),
            Some(expected) => {
                assert_eq!(
                    runs.len(),
                    before + 1,
                    "{name} {arguments} runs the CLI once"
                );
                let (got, cwd) = runs.last().unwrap().clone();
                // Paths are confined to the files folder (default: <project>/backups).
                let files = cwd
                    .join("backups")
                    .canonicalize()
                    .unwrap_or(cwd.join("backups"));
                let expected: Vec<String> = expected
                    .iter()
                    .map(|a| match a.strip_prefix("@files/") {
                        Some(rest) => files.join(rest).to_string_lossy().into_owned(),
                        None => a.clone(),
                    })
                    .collect();
                assert_eq!(got, expected, "{name} {arguments}");
            }
        }
        let text = text(&result);
        match name {
            // The old service's plain-text tools: the CLI's stdout.
            "list_available_agents" => {
                assert_eq!(result.is_error, Some(false));
                assert!(text.contains(AGENT) && text.contains("Total"), "{text}");
            }
            "get_agent_info" | "validate_conductor_system" => {
                assert_eq!(result.is_error, Some(false), "{text}");
                assert!(!text.starts_with('❌'), "{text}");
            }
            "backup_agents" => assert!(!text.trim().is_empty()),
            // The others: the JSON text of the contract's object.
            _ => {
                let object: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{name}: text is not JSON ({e}): {text}"));
                assert!(object["status"] == "success" || object["status"] == "error");
                // The contract's four fields, whether a CLI ran or not.
                assert!(object["stdout"].is_string(), "{name}: no stdout in {text}");
                assert!(object["stderr"].is_string(), "{name}: no stderr in {text}");
                assert!(
                    object["returncode"].is_i64(),
                    "{name}: no returncode in {text}"
                );
                if name.starts_with("execute_agent") {
                    assert_eq!(object["status"], "success", "{text}");
                    assert!(
                        object.get("command").is_some(),
                        "{name}: no command in {text}"
                    );
                }
            }
        }
        if name == "get_system_config" {
            let structured = result.structured_content.as_ref().unwrap();
            assert_eq!(structured["config"]["storage"]["type"], "filesystem");
        }
    }
    assert_eq!(called.len(), 13, "every tool was called");
}
