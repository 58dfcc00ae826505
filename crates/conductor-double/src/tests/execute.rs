//! Agent runs: the text and JSON results, `--chat` history and `--clear`, and the failures
//! that print no JSON (transcript blocks [8]–[11], [28]).

use std::fs;

use super::{expect, payload, project, run, run_env};
use crate::modes::DoubleEnv;

const HEADER: &str = "🤖 Executando CodeReviewer_Agent
📋 ⚡ Modo isolado (sem histórico)
==================================================
✅ ConductorCLI inicializado para agente: CodeReviewer_Agent
📝 Input: hi
--------------------------------------------------
{\"message\": \"\\ud83d\\udc33 Creating Claude CLI client with timeout: 5s, admin: True\"}
{\"message\": \"Prompt XML final constru\\u00eddo com sucesso (N chars).\"}
";

/// Replaces the prompt length, which depends on the persona text.
fn neutral(out: &str) -> String {
    let line = |l: &str| match l.find("sucesso (") {
        Some(i) => format!("{}sucesso (N chars).\"}}\n", &l[..i]),
        None => format!("{l}\n"),
    };
    out.lines().map(line).collect()
}

#[test]
fn execution_text_and_json() {
    let dir = project();
    let argv = [
        "--agent",
        "CodeReviewer_Agent",
        "--input",
        "hi",
        "--timeout",
        "5",
    ];
    let (code, out) = run(dir.path(), &argv);
    let sep = "=".repeat(50);
    let answer = "Resposta simulada para o prompt: hi...";
    let expected =
        format!("{HEADER}🤖 Resposta:\n{sep}\n{answer}\n{sep}\n⚡ Execução isolada concluída\n");
    assert_eq!((code, neutral(&out)), (0, expected));
    assert!(
        dir.path()
            .join(".conductor_workspace/agents/CodeReviewer_Agent/session.json")
            .is_file()
    );

    let argv = [
        "--agent",
        "CodeReviewer_Agent",
        "--input=olá",
        "--output",
        "json",
    ];
    let (_, out, _) = run_env(dir.path(), &DoubleEnv::plain(), &argv);
    let text = String::from_utf8(out.clone()).expect("utf-8");
    let line = text.lines().rev().nth(1).expect("json line");
    let keys = [
        "status",
        "output",
        "metadata",
        "updated_session",
        "updated_knowledge",
        "history_entry",
    ];
    let at: Vec<usize> = keys
        .iter()
        .map(|k| line.find(&format!("\"{k}\"")).expect("key"))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "key order in {line}");
    assert!(line.starts_with(
        "{\"status\": \"success\", \"output\": \"Resposta simulada para o prompt: olá...\", "
    ));
    let v = payload(&out);
    assert_eq!(
        (
            &v["history_entry"]["ai_response"],
            v["history_entry"]["output_length"].as_i64()
        ),
        (&v["output"], Some(39))
    );
    assert!(
        v["metadata"]["task_id"]
            .as_str()
            .is_some_and(|t| uuid::Uuid::parse_str(t).is_ok())
    );
    assert_eq!(v["updated_session"]["conversation_count"], 1);
    assert!(v["updated_session"]["last_interaction"].is_f64());
    assert_eq!(text.lines().last(), Some("⚡ Execução isolada concluída"));
}

#[test]
fn chat_history_and_clear() {
    let dir = project();
    let chat = ["--agent", "DocWriter_Agent", "--chat", "--input", "oi"];
    expect(
        dir.path(),
        &chat,
        &["📚 Histórico: 0 interações anteriores\n"],
    );
    let out = expect(
        dir.path(),
        &chat,
        &["📚 Histórico: 1 interações anteriores\n"],
    );
    assert!(out.ends_with("✅ Resposta adicionada ao histórico\n"));
    let log = dir
        .path()
        .join(".conductor_workspace/agents/DocWriter_Agent/history.log");
    let lines = fs::read_to_string(&log).expect("history");
    let entry: serde_json::Value =
        serde_json::from_str(lines.lines().next().expect("line")).expect("json");
    assert_eq!(lines.lines().count(), 2);
    assert_eq!(
        (
            entry["user_input"].as_str(),
            entry["git_commit_hash"].as_str()
        ),
        (Some("oi"), Some(""))
    );
    expect(
        dir.path(),
        &["--info", "DocWriter_Agent"],
        &["   Conversas no histórico: 2\n   Última interação: "],
    );
    let clear = [
        "--agent",
        "DocWriter_Agent",
        "--chat",
        "--clear",
        "--input",
        "oi",
    ];
    let out = expect(
        dir.path(),
        &clear,
        &[
            "🗑️ Histórico limpo\n✅ ConductorCLI inicializado para agente: DocWriter_Agent\n📚 Histórico: 0 interações anteriores\n",
        ],
    );
    assert_eq!(out.matches("Creating Claude CLI client").count(), 2);
    assert_eq!(
        fs::read_to_string(&log).expect("history").lines().count(),
        1
    );
}

#[test]
fn execution_failures_print_no_json() {
    let dir = project();
    let unknown = "🤖 Executando NoSuch_Agent\n📋 ⚡ Modo isolado (sem histórico)\n==================================================\n\
         ✅ ConductorCLI inicializado para agente: NoSuch_Agent\n❌ Agente 'NoSuch_Agent' não encontrado\n\
         📋 Use 'conductor --list' para ver todos os agentes\n";
    assert_eq!(
        run(
            dir.path(),
            &[
                "--agent",
                "NoSuch_Agent",
                "--input",
                "hi",
                "--output",
                "json"
            ]
        )
        .1,
        unknown
    );
    let out = run(
        dir.path(),
        &[
            "--agent",
            "CodeReviewer_Agent",
            "--input",
            "",
            "--project",
            "P",
        ],
    )
    .1;
    assert!(
        out.starts_with("❌ Erro: Especifique --input ou --interactive\n") && !out.contains('{')
    );
    let argv = [
        "--agent",
        "A",
        "--input",
        "x",
        "--project",
        "P",
        "--environment",
        "E",
    ];
    let out = run(dir.path(), &argv).1;
    assert!(out.starts_with(
        "🤖 Executando A\n📋 ⚡ Modo isolado (sem histórico)\n🏗️ Projeto: P\n🌐 Ambiente: E\n====="
    ));
    fs::remove_file(
        dir.path()
            .join(".conductor_workspace/agents/CodeReviewer_Agent/persona.md"),
    )
    .expect("rm");
    let argv = [
        "--agent",
        "CodeReviewer_Agent",
        "--input",
        "hi",
        "--output",
        "json",
    ];
    let v = payload(&run_env(dir.path(), &DoubleEnv::plain(), &argv).1);
    let output = v["output"].as_str().unwrap_or_default();
    assert!(
        output.starts_with("Persona file not found: ")
            && output.ends_with("CodeReviewer_Agent/persona.md")
    );
    assert_eq!(
        (v["status"].as_str(), v["history_entry"].is_null()),
        (Some("error"), true)
    );
    fs::remove_file(dir.path().join("config.yaml")).expect("rm config");
    let out = run(
        dir.path(),
        &["--agent", "CodeReviewer_Agent", "--input", "hi"],
    )
    .1;
    assert!(out.ends_with(
        "=====\n❌ Erro fatal: Arquivo de configuração não encontrado em: config.yaml\n"
    ));
}
