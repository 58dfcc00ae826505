//! The loop: tool calls, fragments, concurrency, several rounds, limits,
//! result cutting, conversation memory, and the order of events.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::mock::{Call, Mock, Reply};

#[tokio::test]
async fn one_tool_call_then_an_answer_streams_every_step_in_order() {
    let mock = Mock::start(vec![
        Reply::call("call_1", "list_available_agents", "{}"),
        Reply::text(&["Two ", "agents: ", "a and b."]),
    ])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let id = app.start("What agents are there?").await;
    let events = app.subscribe(&id).await.rest().await;

    assert_eq!(result(&events), "Two agents: a and b.");
    let order: Vec<&str> = names(&events)
        .into_iter()
        .filter(|n| !matches!(*n, "status_update" | "on_tool_output"))
        .collect();
    assert_eq!(
        order,
        [
            "job_started",
            "on_chain_start",
            "on_llm_start",
            "on_llm_end",
            "on_tool_start",
            "on_tool_end",
            "on_llm_start",
            "on_llm_new_token",
            "on_llm_new_token",
            "on_llm_new_token",
            "on_llm_end",
            "on_chain_end",
            "result",
            "end_of_stream",
        ]
    );
    for event in &events {
        assert_eq!(event["job_id"], id.as_str());
        assert!(event["timestamp"].as_f64().unwrap() > 1.7e9);
    }
    let tokens: Vec<&str> = named(&events, "on_llm_new_token")
        .iter()
        .map(|e| e["data"]["chunk"].as_str().unwrap())
        .collect();
    assert_eq!(tokens, ["Two ", "agents: ", "a and b."]);

    let llm_ends = named(&events, "on_llm_end");
    assert_eq!(
        llm_ends[0]["data"]["tool_calls"],
        json!(["list_available_agents"])
    );
    assert_eq!(llm_ends[1]["data"]["usage"]["prompt_tokens"], 11);
    assert_eq!(llm_ends[1]["data"]["usage"]["total_tokens"], 16);
    let start = named(&events, "on_tool_start")[0];
    assert_eq!(start["data"]["tool"], "list_available_agents");
    assert_eq!(start["data"]["input"], json!({}));
    assert_eq!(
        named(&events, "on_tool_end")[0]["data"]["status"],
        "success"
    );
    assert!(
        named(&events, "on_tool_output")
            .iter()
            .any(|e| e["data"]["line"] == "ran --list")
    );
    let chain_start = named(&events, "on_chain_start")[0];
    assert_eq!(chain_start["data"]["input"], "What agents are there?");
    let chain_end = named(&events, "on_chain_end")[0];
    assert_eq!(chain_end["data"]["output"], "Two agents: a and b.");
    assert_eq!(chain_end["data"]["steps"], 2);

    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.authorization.as_deref(), Some("Bearer test"));
    assert_eq!(first.body["model"], "gpt-4.1-mini");
    assert_eq!(first.body["stream"], true);
    assert_eq!(first.body["tools"].as_array().unwrap().len(), 13);
    assert_eq!(
        first.body["tools"][0]["function"]["name"],
        "list_available_agents"
    );
    let messages = first.body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(
        messages[1],
        json!({"role": "user", "content": "What agents are there?"})
    );
    let messages = requests[1].body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[2]["role"], "assistant");
    assert_eq!(messages[2]["tool_calls"][0]["id"], "call_1");
    assert_eq!(
        messages[2]["tool_calls"][0]["function"]["name"],
        "list_available_agents"
    );
    assert_eq!(messages[3]["role"], "tool");
    assert_eq!(messages[3]["tool_call_id"], "call_1");
    assert!(
        messages[3]["content"]
            .as_str()
            .unwrap()
            .contains("ran --list")
    );
}

#[tokio::test]
async fn arguments_arriving_in_many_fragments_are_reassembled() {
    let fragments = vec![
        "{", "\"", "agent", "_id", "\"", ":", " \"", "al", "p", "ha", "-", "7", "\"", "}",
    ];
    let mock = Mock::start(vec![
        Reply::calls(vec![Call("call_f", "get_agent_info", fragments)]),
        Reply::text(&["alpha-7 is there."]),
    ])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let events = app.run("Tell me about alpha-7").await;

    assert_eq!(result(&events), "alpha-7 is there.");
    let start = named(&events, "on_tool_start")[0];
    assert_eq!(start["data"]["tool"], "get_agent_info");
    assert_eq!(start["data"]["input"], json!({"agent_id": "alpha-7"}));
    let tool_message = &mock.requests()[1].body["messages"][3];
    assert!(
        tool_message["content"]
            .as_str()
            .unwrap()
            .contains("ran --info alpha-7")
    );
}

#[tokio::test]
async fn two_tool_calls_of_one_round_run_at_the_same_time() {
    // Each CLI run marks its arrival, then waits for the other's mark: run one
    // after the other, each would give up and print "alone".
    let rendezvous = tempfile::tempdir().unwrap();
    let script = r#"touch "$RDV/$2"; i=0
while [ $i -lt 500 ]; do
  if [ -e "$RDV/a" ] && [ -e "$RDV/b" ]; then echo "together $2"; exit 0; fi
  sleep 0.02; i=$((i+1))
done
echo "alone $2""#;
    let mock = Mock::start(vec![
        Reply::calls(vec![
            Call("call_a", "get_agent_info", vec![r#"{"agent_id": "a"}"#]),
            Call("call_b", "get_agent_info", vec![r#"{"agent_id": "b"}"#]),
        ]),
        Reply::text(&["Both answered."]),
    ])
    .await;
    let dir = rendezvous.path().to_string_lossy().into_owned();
    let app = spawn_app(Some(&mock), |s| {
        s.conductor.command = Some(shell_cli(script));
        s.conductor.env.insert("RDV".into(), dir);
    })
    .await;
    let events = app.run("Describe a and b").await;

    assert_eq!(result(&events), "Both answered.");
    let order: Vec<&str> = names(&events)
        .into_iter()
        .filter(|n| n.starts_with("on_tool_start") || n.starts_with("on_tool_end"))
        .collect();
    assert_eq!(
        order,
        [
            "on_tool_start",
            "on_tool_start",
            "on_tool_end",
            "on_tool_end"
        ]
    );
    let messages = mock.requests()[1].body["messages"].clone();
    assert_eq!(messages[2]["tool_calls"].as_array().unwrap().len(), 2);
    for (i, (id, agent)) in [("call_a", "a"), ("call_b", "b")].into_iter().enumerate() {
        let tool = &messages[3 + i];
        assert_eq!(tool["tool_call_id"], id);
        assert_eq!(
            tool["content"].as_str().unwrap().trim(),
            format!("together {agent}")
        );
    }
}

#[tokio::test]
async fn several_rounds_carry_the_whole_exchange_forward() {
    let mock = Mock::start(vec![
        Reply::call("c1", "list_available_agents", "{}"),
        Reply::call("c2", "get_agent_info", r#"{"agent_id": "alpha"}"#),
        Reply::call("c3", "validate_conductor_system", ""),
        Reply::text(&["All good."]),
    ])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let events = app.run("Check everything").await;

    assert_eq!(result(&events), "All good.");
    let tools: Vec<&Value> = named(&events, "on_tool_start")
        .iter()
        .map(|e| &e["data"]["tool"])
        .collect();
    assert_eq!(
        tools,
        [
            "list_available_agents",
            "get_agent_info",
            "validate_conductor_system"
        ]
    );
    let steps: Vec<&Value> = named(&events, "on_llm_start")
        .iter()
        .map(|e| &e["data"]["step"])
        .collect();
    assert_eq!(steps, [1, 2, 3, 4]);
    assert_eq!(named(&events, "on_chain_end")[0]["data"]["steps"], 4);
    let requests = mock.requests();
    let sizes: Vec<usize> = requests
        .iter()
        .map(|r| r.body["messages"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [2, 4, 6, 8]);
    // Each stream was read to its end, so one connection served every round.
    assert!(requests.iter().all(|r| r.peer == requests[0].peer));
    let last = requests[3].body["messages"].as_array().unwrap();
    assert!(
        last[7]["content"]
            .as_str()
            .unwrap()
            .contains("ran --validate")
    );
}

#[tokio::test]
async fn running_out_of_steps_fails_the_job() {
    let mock =
        Mock::start(vec![])
            .await
            .then_always(Reply::call("again", "list_available_agents", "{}"));
    let app = spawn_app(Some(&mock), |s| s.llm.max_steps = 3).await;
    let events = app.run("Loop forever").await;

    let error = error(&events);
    assert!(error.contains("all 3 model rounds"), "{error}");
    assert!(error.contains("llm.max_steps"), "{error}");
    assert!(named(&events, "result").is_empty());
    assert_eq!(named(&events, "error")[0]["data"]["state"], "failed");
    assert_eq!(named(&events, "on_tool_end").len(), 3);
    assert_eq!(named(&events, "on_chain_end")[0]["data"]["status"], "error");
    assert_eq!(mock.requests().len(), 3);
}

#[tokio::test]
async fn long_tool_results_are_cut_with_a_note() {
    let mock = Mock::start(vec![
        Reply::call("c1", "list_available_agents", "{}"),
        Reply::text(&["Cut."]),
    ])
    .await;
    let app = spawn_app(Some(&mock), |s| s.llm.tool_result_max_chars = 5).await;
    let events = app.run("List").await;

    assert_eq!(result(&events), "Cut.");
    let content = mock.requests()[1].body["messages"][3]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(content.starts_with("ran -\n[cut: "), "{content}");
    assert!(content.contains("only the first 5 are shown"), "{content}");
}

#[tokio::test]
async fn failed_and_impossible_calls_go_back_to_the_model() {
    let mock = Mock::start(vec![
        Reply::calls(vec![
            Call("c1", "no_such_tool", vec!["{}"]),
            Call("c2", "get_agent_info", vec![r#"{"agent_id": "#]),
            Call("c3", "get_agent_info", vec![r#"{"agent_id": "bad id!"}"#]),
        ]),
        Reply::text(&["Those failed."]),
    ])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let events = app.run("Try things").await;

    assert_eq!(result(&events), "Those failed.");
    let ends = named(&events, "on_tool_end");
    assert_eq!(ends.len(), 3);
    assert!(ends.iter().all(|e| e["data"]["status"] == "error"));
    let messages = mock.requests()[1].body["messages"].clone();
    let content = |i: usize| messages[i]["content"].as_str().unwrap().to_string();
    assert!(
        content(3).contains("unknown tool 'no_such_tool'"),
        "{}",
        content(3)
    );
    assert!(content(4).contains("not valid JSON"), "{}", content(4));
    assert!(content(5).contains("agent_id"), "{}", content(5));
}

#[tokio::test]
async fn a_conversation_id_carries_history_to_the_next_job() {
    let mock = Mock::start(vec![
        Reply::text(&["Hello Ada."]),
        Reply::text(&["You are Ada."]),
        Reply::text(&["I don't know."]),
    ])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let in_conversation =
        |text: &str| json!({"input": text, "metadata": {"conversation_id": "conv-1"}});
    let first = app.start_payload(in_conversation("I am Ada")).await;
    assert_eq!(
        result(&app.subscribe(&first).await.rest().await),
        "Hello Ada."
    );
    let second = app.start_payload(in_conversation("Who am I?")).await;
    assert_eq!(
        result(&app.subscribe(&second).await.rest().await),
        "You are Ada."
    );
    assert_eq!(result(&app.run("Who am I?").await), "I don't know.");

    let requests = mock.requests();
    let roles_and_text = |i: usize| -> Vec<(String, String)> {
        requests[i].body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
            .map(|m| {
                (
                    m["role"].as_str().unwrap().to_string(),
                    m["content"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let pair = |r: &str, t: &str| (r.to_string(), t.to_string());
    assert_eq!(
        roles_and_text(1),
        [
            pair("user", "I am Ada"),
            pair("assistant", "Hello Ada."),
            pair("user", "Who am I?")
        ]
    );
    assert_eq!(roles_and_text(2), [pair("user", "Who am I?")]);
}
