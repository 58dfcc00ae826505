//! Unit tests of the double: argv parsing, dispatch, and outputs compared with the transcript
//! (`/work/shared/fixtures/conductor-cli-transcript.txt`) on a `create_workspace` project.

use std::fs;
use std::path::Path;
use std::time::Duration;

use super::args::{Command, Parsed, parse};
use super::cli::run_with;
use super::create_workspace;
use super::modes::{DoubleEnv, Modes};

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    create_workspace(dir.path()).expect("workspace");
    dir
}

fn run_env(dir: &Path, env: &DoubleEnv, argv: &[&str]) -> (i32, Vec<u8>, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv: Vec<String> = argv.iter().map(|a| a.to_string()).collect();
    let code = run_with(&mut out, &mut err, &mut std::io::empty(), env, dir, &argv).expect("run");
    (code, out, String::from_utf8(err).expect("utf-8 stderr"))
}

fn run(dir: &Path, argv: &[&str]) -> (i32, String) {
    let (code, out, _) = run_env(dir, &DoubleEnv::plain(), argv);
    (code, String::from_utf8(out).expect("utf-8 stdout"))
}

fn parsed(argv: &[&str]) -> Parsed {
    parse(&argv.iter().map(|a| a.to_string()).collect::<Vec<_>>())
}

fn command(argv: &[&str]) -> Command {
    match parsed(argv) {
        Parsed::Run(args) => args.command(),
        other => panic!("{argv:?} did not parse: {other:?}"),
    }
}

fn error(argv: &[&str]) -> String {
    match parsed(argv) {
        Parsed::Error(msg) => msg,
        other => panic!("{argv:?} should fail: {other:?}"),
    }
}

#[test]
fn argv_follows_argparse() {
    assert_eq!(command(&["--val"]), Command::Validate);
    assert_eq!(
        command(&["--ag", "A", "--inp=-x"]),
        Command::Agent("A".into())
    );
    let Parsed::Run(args) = parsed(&[
        "--agent=A",
        "--input=-x",
        "--timeout",
        " 1_0 ",
        "--out",
        "json",
        "--new-agent",
        "N",
    ]) else {
        panic!("should parse")
    };
    assert_eq!(
        (args.input.as_deref(), args.timeout, args.json),
        (Some("-x"), 10, true)
    );
    assert_eq!(args.new_agent_id.as_deref(), Some("N"));
    let Parsed::Run(args) = parsed(&["--input", "-5", "--history"]) else {
        panic!("negative numbers are values")
    };
    assert_eq!((args.input.as_deref(), args.chat), (Some("-5"), true));
    assert_eq!(parsed(&["--agent", "A", "-h"]), Parsed::Help);
    assert_eq!(
        error(&["--in", "x"]),
        "ambiguous option: --in could match --input, --interactive, --info, --install"
    );
    assert_eq!(
        error(&["--new", "x"]),
        "ambiguous option: --new could match --new-agent-id, --new-agent"
    );
    assert_eq!(
        error(&["--input", "-x"]),
        "argument --input: expected one argument"
    );
    assert_eq!(
        error(&["--agent"]),
        "argument --agent: expected one argument"
    );
    assert_eq!(
        error(&["--output", "xml"]),
        "argument --output: invalid choice: 'xml' (choose from 'text', 'json')"
    );
    assert_eq!(
        error(&["--migrate-to=sql"]),
        "argument --migrate-to: invalid choice: 'sql' (choose from 'mongodb', 'filesystem')"
    );
    assert_eq!(
        error(&["--timeout", "abc"]),
        "argument --timeout: invalid int value: 'abc'"
    );
    assert_eq!(
        error(&["--list=yes"]),
        "argument --list: ignored explicit argument 'yes'"
    );
    assert_eq!(
        error(&["--list", "--debug", "-x"]),
        "unrecognized arguments: --debug -x"
    );
    assert!(
        error(&["run"])
            .starts_with("argument command: invalid choice: 'run' (choose from 'list-agents', ")
    );
}

#[test]
fn dispatch_takes_the_first_match() {
    assert_eq!(
        command(&["--agent", "A", "--info", "B", "--list"]),
        Command::List
    );
    assert_eq!(
        command(&["--validate", "--info", "B"]),
        Command::Info("B".into())
    );
    assert_eq!(
        command(&["--install", "x", "--validate"]),
        Command::Validate
    );
    assert_eq!(
        command(&["--backup", "--install", "x"]),
        Command::Install("x".into())
    );
    assert_eq!(command(&["--restore", "--backup"]), Command::Backup);
    assert_eq!(
        command(&["--migrate-to", "mongodb", "--restore"]),
        Command::Restore
    );
    assert_eq!(
        command(&["--agent", "A", "--migrate-to", "mongodb"]),
        Command::Migrate
    );
    assert_eq!(
        command(&["--migrate-from", "mongodb", "--agent", "A"]),
        Command::Agent("A".into())
    );
    assert_eq!(command(&["--info", "", "--chat"]), Command::Help);
    assert_eq!(command(&[]), Command::Help);
}

#[test]
fn help_usage_and_exit_codes() {
    let dir = project();
    let (code, out) = run(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(out.starts_with("usage: conductor [-h] [--agent AGENT]"));
    assert!(
        out.contains("\n  --output {text,json}  Output format (text or json). When json, prints\n")
    );
    assert_eq!(run(dir.path(), &["--help"]), (0, out));
    let (code, out, err) = run_env(dir.path(), &DoubleEnv::plain(), &["--in", "x"]);
    assert_eq!((code, out.len()), (2, 0));
    assert!(err.starts_with("usage: conductor [-h]") && err.ends_with("                 ...\nconductor: error: ambiguous option: --in could match --input, --interactive, --info, --install\n"));
}

const LIST: &str = "🤖 Agentes disponíveis em .conductor_workspace/agents/:
============================================================
 1. AgentCreator_Agent
     Nome: AgentCreator_Agent
     Capacidades: create_agent_scaffold
     Tags: meta, onboarding

 2. CodeReviewer_Agent
     Nome: CodeReviewer_Agent
     Capacidades: analyze_python_code, detect_code_smells, suggest_improvements...
     Tags: python, code-review, quality-analysis...

 3. CommitMessage_Agent
     Nome: CommitMessage_Agent
     Capacidades: generate_commit_message_from_diff
     Tags: meta, git, conventional-commits

 4. DocWriter_Agent
     Nome: DocWriter_Agent
     Capacidades: write_documentation, update_readmes, create_usage_guides...
     Tags: documentation, readme, technical-writing...

 5. SystemGuide_Meta_Agent
     Nome: SystemGuide_Meta_Agent
     Capacidades: explain_system_architecture, adapt_to_knowledge_level, provide_system_overview...
     Tags: documentation, system-guide, architecture...

📊 Total: 5 agentes encontrados

💡 Para executar um agente:
   conductor execute --agent <agent_id> --input '<mensagem>'
";

const INFO: &str = "🔍 Informações do agente: CodeReviewer_Agent
============================================================
📋 INFORMAÇÕES BÁSICAS
   ID: CodeReviewer_Agent
   Nome: CodeReviewer_Agent
   Versão: 1.0.0
   Autor: PrimoIA
   Descrição: Analyzes Python code quality, detects code smells, and suggests improvements following best practices

🏷️  TAGS
   • python
   • code-review
   • quality-analysis
   • best-practices

🛠️  CAPACIDADES
   • analyze_python_code
   • detect_code_smells
   • suggest_improvements
   • check_best_practices

📁 ARQUIVOS DO AGENTE
   Localização: /srv/conductor/.conductor_workspace/agents/CodeReviewer_Agent
   ✅ definition.yaml (424B)
   ✅ persona.md (1KB)
   ❌ session.json
   ❌ knowledge.json
   ❌ history.log
   ❌ playbook.yaml

📊 ESTATÍSTICAS
   Conversas no histórico: 0

💡 Para executar este agente:
   conductor execute --agent CodeReviewer_Agent --input '<sua mensagem>'
";

#[test]
fn list_and_info_match_the_transcript() {
    let dir = project();
    assert_eq!(run(dir.path(), &["--list"]), (0, LIST.to_string()));
    let (code, out) = run(dir.path(), &["--info", "CodeReviewer_Agent"]);
    let home = dir
        .path()
        .join(".conductor_workspace/agents/CodeReviewer_Agent");
    assert_eq!(code, 0);
    assert_eq!(
        out.replace(
            &home.display().to_string(),
            "/srv/conductor/.conductor_workspace/agents/CodeReviewer_Agent"
        ),
        INFO
    );
    let (_, out) = run(dir.path(), &["--info", "NoSuch_Agent"]);
    assert_eq!(
        out,
        "🔍 Informações do agente: NoSuch_Agent\n============================================================\n\
         ❌ Agente 'NoSuch_Agent' não encontrado em .conductor_workspace/agents/\n\
         📋 Use 'conductor list-agents' para ver todos os agentes disponíveis\n"
    );
    fs::remove_file(dir.path().join("config.yaml")).expect("rm config");
    assert!(run(dir.path(), &["--list"]).1.contains(
        "❌ Erro ao listar agentes: Arquivo de configuração não encontrado em: config.yaml\n"
    ));
}

#[test]
fn validate_and_install_match_the_transcript() {
    let dir = project();
    let (_, out) = run(dir.path(), &["--validate"]);
    assert!(out.contains("   📊 Agentes encontrados: 5\n\n   🔍 Validando estrutura dos agentes...\n   ✅ AgentCreator_Agent: estrutura válida\n"));
    assert!(out.ends_with(
        "   📊 Agentes válidos: 5/5\n\n🔧 4. Validando plugins de ferramentas...\n   📊 Nenhum plugin configurado\n\n\
         🔍 5. Testando descoberta de agentes...\n   ✅ Descoberta funcionando: 5 agentes descobertos\n\n\
         ============================================================\n📊 RESUMO DA VALIDAÇÃO\n✅ Configuração totalmente válida!\n\n\
         💡 Para mais informações sobre um agente específico:\n   conductor info --agent <agent_id>\n"
    ));
    let (_, out) = run(dir.path(), &["--install", "web_development"]);
    assert_eq!(
        out,
        "📦 Instalando categoria: web_development\n==================================================\n\
         ✅ AngularExpert_Agent: instalado\n✅ ReactExpert_Agent: instalado\n\n📊 2 agentes instalados da categoria 'web_development'\n"
    );
    assert!(
        run(dir.path(), &["--install", "ReactExpert_Agent"])
            .1
            .starts_with("⚠️  Agente 'ReactExpert_Agent' já existe\n")
    );
    assert_eq!(
        run(dir.path(), &["--install", "nonexistent_cat"]).1,
        "❌ Agente 'nonexistent_cat' não encontrado nos templates\n💡 Use --list para ver agentes disponíveis\n"
    );
    let (_, out) = run(dir.path(), &["--install", "list"]);
    assert!(out.starts_with("📋 Templates Disponíveis:\n==================================================\n\n🏷️ Backend Development:\n   • APIArchitect_Agent: Expert in designing RESTful APIs"));
    assert!(out.contains("\n\n🏷️ Data Science:\n   • DataAnalyst_Agent: Expert in data analysis, visualization, and statistical insights using Python and R\n\n"));
    assert_eq!(out.lines().filter(|l| l.starts_with("   • ")).count(), 13);
}

#[test]
fn backup_restore_and_migrate() {
    let dir = project();
    let (_, out) = run(
        dir.path(),
        &["--backup", "--path", "bk/.conductor_workspace"],
    );
    let bk = dir.path().join("bk/.conductor_workspace");
    assert!(out.starts_with("💾 Fazendo backup dos agentes...\n==================================================\n🔄 Fazendo backup dos agentes...\n✅ Backup concluído:\n"));
    assert!(out.contains(&format!(
        "   Incremental: {}\n   Snapshot: {}/bk/snapshots/backup_",
        bk.display(),
        dir.path().display()
    )));
    assert!(out.ends_with("🧹 Snapshots antigos limpos (mantidos últimos 10)\n\n"));
    assert!(bk.join("agents/DocWriter_Agent/persona.md").is_file());
    fs::remove_dir_all(
        dir.path()
            .join(".conductor_workspace/agents/DocWriter_Agent"),
    )
    .expect("rm agent");
    let (_, out) = run(
        dir.path(),
        &["--restore", "--path", "bk/.conductor_workspace"],
    );
    assert!(out.contains("📊 Agentes restaurados:\nAgentCreator_Agent\nCodeReviewer_Agent\nCommitMessage_Agent\nDocWriter_Agent\n"));
    assert!(out.ends_with("SystemGuide_Meta_Agent\n\n🔄 Cache de descoberta limpo\n"));
    assert!(
        run(dir.path(), &["--restore", "--path", "nowhere"])
            .1
            .contains("❌ Erro no restore: Backup não encontrado em: ")
    );
    let (_, out) = run(
        dir.path(),
        &[
            "--migrate-from",
            "filesystem",
            "--migrate-to",
            "filesystem",
            "--path",
            "mig",
            "--no-config-update",
        ],
    );
    assert!(out.contains("   ✓ Encontrados 5 agentes: ['AgentCreator_Agent', 'CodeReviewer_Agent', 'CommitMessage_Agent', 'DocWriter_Agent', 'SystemGuide_Meta_Agent']\n\n📦 Transferindo dados:\n   🤖 AgentCreator_Agent\n      ✓ definition.yaml (325B) → destino\n      ✓ persona.md (1,051B) → destino\n"));
    assert!(out.contains("   📈 5 agentes, 10 arquivos transferidos\n   ⏱️  Tempo total: 0.0s\n🔒 Configuração preservada (--no-config-update)\n\n🎉 Processo concluído com sucesso!\n"));
    assert!(
        dir.path()
            .join("mig/agents/SystemGuide_Meta_Agent/definition.yaml")
            .is_file()
    );
    assert_eq!(
        run(
            dir.path(),
            &["--migrate-to", "mongodb", "--no-config-update"]
        )
        .1,
        "🔄 Migrando agentes: filesystem → mongodb\n==================================================\n\
         ============================================================\n🔄 Iniciando migração: filesystem → mongodb\n\
         ============================================================\n⚠️  MongoDB não configurado!\n📖 Configure MONGO_URI no seu arquivo .env\n\
         🔗 Documentação: https://docs.conductor.dev/mongodb-setup\n❌ Erro na migração (código: 1)\n"
    );
}

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
    out.lines()
        .map(|l| match l.find("sucesso (") {
            Some(i) => format!("{}sucesso (N chars).\"}}", &l[..i]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn execution_text_and_json() {
    let dir = project();
    let (code, out) = run(
        dir.path(),
        &[
            "--agent",
            "CodeReviewer_Agent",
            "--input",
            "hi",
            "--timeout",
            "5",
        ],
    );
    let answer = "Resposta simulada para o prompt: hi...";
    let expected = format!(
        "{HEADER}🤖 Resposta:\n{0}\n{answer}\n{0}\n⚡ Execução isolada concluída\n",
        "=".repeat(50)
    );
    assert_eq!((code, neutral(&out)), (0, expected));
    assert!(
        dir.path()
            .join(".conductor_workspace/agents/CodeReviewer_Agent/session.json")
            .is_file()
    );

    let (_, out) = run(
        dir.path(),
        &[
            "--agent",
            "CodeReviewer_Agent",
            "--input=olá",
            "--output",
            "json",
        ],
    );
    let line = out.lines().rev().nth(1).expect("json line");
    let order = [
        "\"status\"",
        "\"output\"",
        "\"metadata\"",
        "\"updated_session\"",
        "\"updated_knowledge\"",
        "\"history_entry\"",
    ];
    let at: Vec<usize> = order.iter().map(|k| line.find(k).expect("key")).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "key order in {line}");
    assert!(line.starts_with(
        "{\"status\": \"success\", \"output\": \"Resposta simulada para o prompt: olá...\", "
    ));
    let v: serde_json::Value = serde_json::from_str(line).expect("json");
    assert_eq!(v["history_entry"]["ai_response"], v["output"]);
    assert_eq!(v["history_entry"]["output_length"], 39);
    assert_eq!(
        v["metadata"]["task_id"]
            .as_str()
            .map(|t| uuid::Uuid::parse_str(t).is_ok()),
        Some(true)
    );
    assert_eq!(v["updated_session"]["conversation_count"], 1);
    assert!(v["updated_session"]["last_interaction"].is_f64());
    assert_eq!(out.lines().last(), Some("⚡ Execução isolada concluída"));
}

#[test]
fn chat_history_and_clear() {
    let dir = project();
    let chat = ["--agent", "DocWriter_Agent", "--chat", "--input", "oi"];
    assert!(
        run(dir.path(), &chat)
            .1
            .contains("📚 Histórico: 0 interações anteriores\n")
    );
    let (_, out) = run(dir.path(), &chat);
    assert!(
        out.contains("📚 Histórico: 1 interações anteriores\n")
            && out.ends_with("✅ Resposta adicionada ao histórico\n")
    );
    let log = dir
        .path()
        .join(".conductor_workspace/agents/DocWriter_Agent/history.log");
    let lines = fs::read_to_string(&log).expect("history");
    let entry: serde_json::Value =
        serde_json::from_str(lines.lines().next().expect("line")).expect("json");
    assert_eq!(
        (
            lines.lines().count(),
            entry["user_input"].as_str(),
            entry["git_commit_hash"].as_str()
        ),
        (2, Some("oi"), Some(""))
    );
    assert!(
        run(dir.path(), &["--info", "DocWriter_Agent"])
            .1
            .contains("   Conversas no histórico: 2\n   Última interação: ")
    );
    let (_, out) = run(
        dir.path(),
        &[
            "--agent",
            "DocWriter_Agent",
            "--chat",
            "--clear",
            "--input",
            "oi",
        ],
    );
    assert!(out.contains("🗑️ Histórico limpo\n✅ ConductorCLI inicializado para agente: DocWriter_Agent\n📚 Histórico: 0 interações anteriores\n"));
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("Creating Claude CLI client"))
            .count(),
        2
    );
    assert_eq!(
        fs::read_to_string(&log).expect("history").lines().count(),
        1
    );
}

#[test]
fn execution_failures_print_no_json() {
    let dir = project();
    let (_, out) = run(
        dir.path(),
        &[
            "--agent",
            "NoSuch_Agent",
            "--input",
            "hi",
            "--output",
            "json",
        ],
    );
    assert_eq!(
        out,
        "🤖 Executando NoSuch_Agent\n📋 ⚡ Modo isolado (sem histórico)\n==================================================\n\
         ✅ ConductorCLI inicializado para agente: NoSuch_Agent\n❌ Agente 'NoSuch_Agent' não encontrado\n\
         📋 Use 'conductor --list' para ver todos os agentes\n"
    );
    let (_, out) = run(
        dir.path(),
        &[
            "--agent",
            "CodeReviewer_Agent",
            "--input",
            "",
            "--project",
            "P",
        ],
    );
    assert!(
        out.starts_with("❌ Erro: Especifique --input ou --interactive\n") && !out.contains('{')
    );
    let (_, out) = run(
        dir.path(),
        &[
            "--agent",
            "A",
            "--input",
            "x",
            "--project",
            "P",
            "--environment",
            "E",
        ],
    );
    assert!(out.starts_with("🤖 Executando A\n📋 ⚡ Modo isolado (sem histórico)\n🏗️ Projeto: P\n🌐 Ambiente: E\n=====") && !out.contains('{'));
    fs::remove_file(
        dir.path()
            .join(".conductor_workspace/agents/CodeReviewer_Agent/persona.md"),
    )
    .expect("rm persona");
    let (_, out) = run(
        dir.path(),
        &[
            "--agent",
            "CodeReviewer_Agent",
            "--input",
            "hi",
            "--output",
            "json",
        ],
    );
    let v: serde_json::Value =
        serde_json::from_str(out.lines().rev().nth(1).expect("line")).expect("json");
    assert!(
        v["output"]
            .as_str()
            .is_some_and(|o| o.starts_with("Persona file not found: ")
                && o.ends_with("CodeReviewer_Agent/persona.md"))
    );
    assert_eq!(
        (v["status"].as_str(), v["history_entry"].is_null()),
        (Some("error"), true)
    );
    fs::remove_file(dir.path().join("config.yaml")).expect("rm config");
    let (_, out) = run(
        dir.path(),
        &["--agent", "CodeReviewer_Agent", "--input", "hi"],
    );
    assert!(out.ends_with(
        "=====\n❌ Erro fatal: Arquivo de configuração não encontrado em: config.yaml\n"
    ));
}

#[test]
fn modes_from_the_environment() {
    let env = DoubleEnv::from_lookup(|k| match k {
        "CONDUCTOR_DOUBLE_MODE" => Some("slow, provider_error,nonutf8,bogus".into()),
        "CONDUCTOR_DOUBLE_DELAY_MS" => Some("1500".into()),
        _ => None,
    });
    assert!(env.modes.slow && env.modes.provider_error && env.modes.nonutf8 && !env.modes.hang);
    assert_eq!(
        (
            env.delay,
            env.drip_lines,
            env.huge_bytes,
            env.log_file.clone()
        ),
        (Duration::from_millis(1500), 5, 5 << 20, None)
    );

    let dir = project();
    let quick = DoubleEnv {
        delay: Duration::ZERO,
        ..env.clone()
    };
    let (code, out, _) = run_env(
        dir.path(),
        &quick,
        &["--agent", "CodeReviewer_Agent", "--input", "hi"],
    );
    assert_eq!(code, 0);
    let has = |out: &[u8], parts: &[&[u8]]| {
        out.windows(parts.concat().len())
            .any(|w| w == parts.concat())
    };
    assert!(has(&out, &["📝 Input: hi".as_bytes(), b"\xff\n"]));
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("❌ Erro: Claude CLI error: Claude CLI failed: simulated provider failure\n")
    );
    assert!(text.contains("{\"message\": \"Claude CLI failed: simulated provider failure\"}\n"));

    let raw = DoubleEnv {
        modes: Modes {
            nonutf8: true,
            ..Modes::default()
        },
        ..quick
    };
    let (_, out, _) = run_env(
        dir.path(),
        &raw,
        &[
            "--agent",
            "CodeReviewer_Agent",
            "--input",
            "hi",
            "--output",
            "json",
        ],
    );
    assert!(has(
        &out,
        &[b"\"user_input\": \"hi\xff\", \"status\": \"success\""]
    ));
    assert!(
        run_env(dir.path(), &raw, &["--list"])
            .1
            .ends_with(b"\xff\xfe\n")
    );

    let slow =
        DoubleEnv::from_lookup(|k| (k == "CONDUCTOR_DOUBLE_MODE").then(|| "slow".to_string()));
    let (_, out, _) = run_env(
        dir.path(),
        &DoubleEnv {
            delay: Duration::from_secs(60),
            ..slow
        },
        &[
            "--agent",
            "CodeReviewer_Agent",
            "--input",
            "hi",
            "--timeout",
            "-1",
            "--output",
            "json",
        ],
    );
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("{\"status\": \"error\", \"output\": \"Claude CLI timed out after -1 seconds. Complex operations may need more time.\", \"metadata\": {\"agent_id\": \"CodeReviewer_Agent\"}, \"updated_session\": null"));

    let noisy = DoubleEnv::from_lookup(|k| {
        (k == "CONDUCTOR_DOUBLE_MODE").then(|| "stderr,huge,drip".to_string())
    });
    let noisy = DoubleEnv {
        huge_bytes: 10_000,
        delay: Duration::ZERO,
        drip_lines: 2,
        ..noisy
    };
    let (code, out, err) = run_env(
        dir.path(),
        &noisy,
        &[
            "--agent",
            "CodeReviewer_Agent",
            "--input",
            "hi",
            "--output",
            "json",
        ],
    );
    assert!(
        code == 0
            && err.contains("Traceback (most recent call last):")
            && out.starts_with(b"linha 1\nlinha 2\n")
    );
    let text = String::from_utf8(out).expect("utf-8");
    let v: serde_json::Value =
        serde_json::from_str(text.lines().rev().nth(1).expect("line")).expect("json");
    assert_eq!(v["output"].as_str().map(str::len), Some(10_000));
    let (_, out, _) = run_env(dir.path(), &noisy, &["--list"]);
    assert_eq!(out.len(), "linha 1\nlinha 2\n".len() + LIST.len() + 10_000);

    let crash =
        DoubleEnv::from_lookup(|k| (k == "CONDUCTOR_DOUBLE_MODE").then(|| "crash".to_string()));
    let (code, out, err) = run_env(dir.path(), &crash, &["--list"]);
    assert!(code == 1 && out.is_empty() && err.starts_with("Traceback (most recent call last):\n"));
}
