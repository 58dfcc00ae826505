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

/// Stdout of a run, checked to contain every needle.
fn expect(dir: &Path, argv: &[&str], needles: &[&str]) -> String {
    let out = run(dir, argv).1;
    for needle in needles {
        assert!(
            out.contains(needle),
            "{argv:?}: {needle:?} missing from\n{out}"
        );
    }
    out
}

fn with_modes(modes: &str) -> DoubleEnv {
    DoubleEnv::from_lookup(|k| (k == "CONDUCTOR_DOUBLE_MODE").then(|| modes.to_string()))
}

fn parsed(argv: &[&str]) -> Parsed {
    parse(&argv.iter().map(|a| a.to_string()).collect::<Vec<_>>())
}

fn run_args(argv: &[&str]) -> super::args::Args {
    match parsed(argv) {
        Parsed::Run(args) => args,
        other => panic!("{argv:?} did not parse: {other:?}"),
    }
}

#[test]
fn argv_follows_argparse() {
    let args = run_args(&[
        "--agent=A",
        "--input=-x",
        "--timeout",
        " 1_0 ",
        "--out",
        "json",
    ]);
    assert_eq!(
        (args.get("--input"), args.timeout(), args.json()),
        (Some("-x"), 10, true)
    );
    let args = run_args(&["--new-agent", "N", "--input", "-5", "--history", "--val"]);
    let got = (args.get("--new-agent-id"), args.get("--input"), args.chat());
    assert_eq!(
        (got, args.flag("--validate")),
        ((Some("N"), Some("-5"), true), true)
    );
    assert_eq!(parsed(&["--agent", "A", "-h"]), Parsed::Help);
    let errors: &[(&[&str], &str)] = &[
        (
            &["--in", "x"],
            "ambiguous option: --in could match --input, --interactive, --info, --install",
        ),
        (
            &["--new", "x"],
            "ambiguous option: --new could match --new-agent-id, --new-agent",
        ),
        (
            &["--input", "-x"],
            "argument --input: expected one argument",
        ),
        (&["--agent"], "argument --agent: expected one argument"),
        (
            &["--output", "xml"],
            "argument --output: invalid choice: 'xml' (choose from 'text', 'json')",
        ),
        (
            &["--migrate-to=sql"],
            "argument --migrate-to: invalid choice: 'sql' (choose from 'mongodb', 'filesystem')",
        ),
        (
            &["--timeout", "abc"],
            "argument --timeout: invalid int value: 'abc'",
        ),
        (
            &["--list=yes"],
            "argument --list: ignored explicit argument 'yes'",
        ),
        (
            &["--list", "--debug", "-x"],
            "unrecognized arguments: --debug -x",
        ),
        (
            &["run"],
            "argument command: invalid choice: 'run' (choose from 'list-agents', 'execute', 'validate-config', 'info', 'backup', 'restore', 'install', 'repl', 'chat')",
        ),
    ];
    for (argv, msg) in errors {
        assert_eq!(parsed(argv), Parsed::Error(msg.to_string()), "{argv:?}");
    }
}

#[test]
fn dispatch_takes_the_first_match() {
    let cases: &[(&[&str], Command)] = &[
        (&["--agent", "A", "--info", "B", "--list"], Command::List),
        (&["--validate", "--info", "B"], Command::Info("B".into())),
        (&["--install", "x", "--validate"], Command::Validate),
        (
            &["--backup", "--install", "x"],
            Command::Install("x".into()),
        ),
        (&["--restore", "--backup"], Command::Backup),
        (&["--migrate-to", "mongodb", "--restore"], Command::Restore),
        (
            &["--agent", "A", "--migrate-to", "mongodb"],
            Command::Migrate,
        ),
        (
            &["--migrate-from", "mongodb", "--agent", "A"],
            Command::Agent("A".into()),
        ),
        (&["--info", "", "--chat"], Command::Help),
        (&[], Command::Help),
    ];
    for (argv, command) in cases {
        assert_eq!(&run_args(argv).command(), command, "{argv:?}");
    }
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
    assert!(err.starts_with("usage: conductor [-h]"));
    let msg = "ambiguous option: --in could match --input, --interactive, --info, --install";
    assert!(err.ends_with(&format!("                 ...\nconductor: error: {msg}\n")));
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
    let neutral = "/srv/conductor/.conductor_workspace/agents/CodeReviewer_Agent";
    assert_eq!(
        (code, out.replace(&home.display().to_string(), neutral)),
        (0, INFO.into())
    );
    let out = run(dir.path(), &["--info", "NoSuch_Agent"]).1;
    let lines = [
        "🔍 Informações do agente: NoSuch_Agent",
        "============================================================",
        "❌ Agente 'NoSuch_Agent' não encontrado em .conductor_workspace/agents/",
        "📋 Use 'conductor list-agents' para ver todos os agentes disponíveis\n",
    ];
    assert_eq!(out, lines.join("\n"));
    fs::remove_file(dir.path().join("config.yaml")).expect("rm config");
    let missing = "Arquivo de configuração não encontrado em: config.yaml";
    expect(
        dir.path(),
        &["--list"],
        &[&format!("❌ Erro ao listar agentes: {missing}\n")],
    );
}

#[test]
fn validate_and_install_match_the_transcript() {
    let dir = project();
    let out = run(dir.path(), &["--validate"]).1;
    assert!(
        out.contains("   📊 Agentes encontrados: 5\n\n   🔍 Validando estrutura dos agentes...\n")
    );
    assert_eq!(out.matches(": estrutura válida\n").count(), 5);
    let tail = "   📊 Agentes válidos: 5/5\n\n🔧 4. Validando plugins de ferramentas...\n   📊 Nenhum plugin configurado\n\n\
         🔍 5. Testando descoberta de agentes...\n   ✅ Descoberta funcionando: 5 agentes descobertos\n\n\
         ============================================================\n📊 RESUMO DA VALIDAÇÃO\n✅ Configuração totalmente válida!\n\n\
         💡 Para mais informações sobre um agente específico:\n   conductor info --agent <agent_id>\n";
    assert!(out.ends_with(tail));
    let installed = "📦 Instalando categoria: web_development\n==================================================\n\
         ✅ AngularExpert_Agent: instalado\n✅ ReactExpert_Agent: instalado\n\n\
         📊 2 agentes instalados da categoria 'web_development'\n";
    assert_eq!(
        run(dir.path(), &["--install", "web_development"]).1,
        installed
    );
    expect(
        dir.path(),
        &["--install", "ReactExpert_Agent"],
        &["⚠️  Agente 'ReactExpert_Agent' já existe\n"],
    );
    let unknown = "❌ Agente 'nonexistent_cat' não encontrado nos templates\n💡 Use --list para ver agentes disponíveis\n";
    assert_eq!(
        run(dir.path(), &["--install", "nonexistent_cat"]).1,
        unknown
    );
    let out = expect(
        dir.path(),
        &["--install", "list"],
        &[
            "📋 Templates Disponíveis:\n==================================================\n\n🏷️ Backend Development:\n   • APIArchitect_Agent: Expert in designing RESTful APIs",
            "\n\n🏷️ Data Science:\n   • DataAnalyst_Agent: Expert in data analysis, visualization, and statistical insights using Python and R\n\n",
            "\n💡 Para instalar:\n   conductor --install <categoria>\n   conductor --install <agent_name>\n",
        ],
    );
    assert_eq!(out.lines().filter(|l| l.starts_with("   • ")).count(), 13);
}

#[test]
fn backup_restore_and_migrate() {
    let dir = project();
    let bk = dir.path().join("bk/.conductor_workspace");
    expect(
        dir.path(),
        &["--backup", "--path", "bk/.conductor_workspace"],
        &[
            "💾 Fazendo backup dos agentes...\n==================================================\n🔄 Fazendo backup dos agentes...\n✅ Backup concluído:\n",
            &format!(
                "   Incremental: {}\n   Snapshot: {}/bk/snapshots/backup_",
                bk.display(),
                dir.path().display()
            ),
            "🧹 Snapshots antigos limpos (mantidos últimos 10)\n\n",
        ],
    );
    assert!(bk.join("agents/DocWriter_Agent/persona.md").is_file());
    fs::remove_dir_all(
        dir.path()
            .join(".conductor_workspace/agents/DocWriter_Agent"),
    )
    .expect("rm");
    expect(
        dir.path(),
        &["--restore", "--path", "bk/.conductor_workspace"],
        &[
            "📊 Agentes restaurados:\nAgentCreator_Agent\nCodeReviewer_Agent\nCommitMessage_Agent\nDocWriter_Agent\n",
            "SystemGuide_Meta_Agent\n\n🔄 Cache de descoberta limpo\n",
        ],
    );
    expect(
        dir.path(),
        &["--restore", "--path", "nowhere"],
        &["❌ Erro no restore: Backup não encontrado em: "],
    );
    let argv = [
        "--migrate-from",
        "filesystem",
        "--migrate-to",
        "filesystem",
        "--path",
        "mig",
        "--no-config-update",
    ];
    expect(
        dir.path(),
        &argv,
        &[
            "   ✓ Encontrados 5 agentes: ['AgentCreator_Agent', 'CodeReviewer_Agent', 'CommitMessage_Agent', 'DocWriter_Agent', 'SystemGuide_Meta_Agent']\n\n",
            "📦 Transferindo dados:\n   🤖 AgentCreator_Agent\n      ✓ definition.yaml (325B) → destino\n      ✓ persona.md (1,051B) → destino\n",
            "   📈 5 agentes, 10 arquivos transferidos\n   ⏱️  Tempo total: 0.0s\n🔒 Configuração preservada (--no-config-update)\n\n🎉 Processo concluído com sucesso!\n",
        ],
    );
    assert!(
        dir.path()
            .join("mig/agents/SystemGuide_Meta_Agent/definition.yaml")
            .is_file()
    );
    let mongo = "🔄 Migrando agentes: filesystem → mongodb\n==================================================\n\
         ============================================================\n🔄 Iniciando migração: filesystem → mongodb\n\
         ============================================================\n⚠️  MongoDB não configurado!\n📖 Configure MONGO_URI no seu arquivo .env\n\
         🔗 Documentação: https://docs.conductor.dev/mongodb-setup\n❌ Erro na migração (código: 1)\n";
    assert_eq!(
        run(
            dir.path(),
            &["--migrate-to", "mongodb", "--no-config-update"]
        )
        .1,
        mongo
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
    let line = |l: &str| match l.find("sucesso (") {
        Some(i) => format!("{}sucesso (N chars).\"}}\n", &l[..i]),
        None => format!("{l}\n"),
    };
    out.lines().map(line).collect()
}

/// The JSON payload: the line before the trailer.
fn payload(out: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(out);
    serde_json::from_str(text.lines().rev().nth(1).expect("json line")).expect("json")
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

#[test]
fn modes_from_the_environment() {
    let env = DoubleEnv::from_lookup(|k| match k {
        "CONDUCTOR_DOUBLE_MODE" => Some("slow, provider_error,nonutf8,bogus".into()),
        "CONDUCTOR_DOUBLE_DELAY_MS" => Some("1500".into()),
        _ => None,
    });
    assert!(env.modes.slow && env.modes.provider_error && env.modes.nonutf8 && !env.modes.hang);
    let got = (
        env.delay,
        env.drip_lines,
        env.huge_bytes,
        env.log_file.clone(),
    );
    assert_eq!(got, (Duration::from_millis(1500), 5, 5 << 20, None));

    let dir = project();
    let has = |out: &[u8], needle: &[u8]| out.windows(needle.len()).any(|w| w == needle);
    let quick = DoubleEnv {
        delay: Duration::ZERO,
        ..env
    };
    let (code, out, _) = run_env(
        dir.path(),
        &quick,
        &["--agent", "CodeReviewer_Agent", "--input", "hi"],
    );
    assert!(code == 0 && has(&out, &["📝 Input: hi".as_bytes(), b"\xff\n"].concat()));
    let failure = "❌ Erro: Claude CLI error: Claude CLI failed: simulated provider failure\n";
    assert!(has(&out, failure.as_bytes()));
    assert!(has(
        &out,
        b"{\"message\": \"Claude CLI failed: simulated provider failure\"}\n"
    ));
    let raw = DoubleEnv {
        modes: Modes {
            nonutf8: true,
            ..Modes::default()
        },
        ..quick
    };
    let argv = [
        "--agent",
        "CodeReviewer_Agent",
        "--input",
        "hi",
        "--output",
        "json",
    ];
    assert!(has(
        &run_env(dir.path(), &raw, &argv).1,
        b"\"user_input\": \"hi\xff\", \"status\": \"success\""
    ));
    assert!(
        run_env(dir.path(), &raw, &["--list"])
            .1
            .ends_with(b"\xff\xfe\n")
    );

    let slow = DoubleEnv {
        delay: Duration::from_secs(60),
        ..with_modes("slow")
    };
    let argv = [
        "--agent",
        "CodeReviewer_Agent",
        "--input",
        "hi",
        "--timeout",
        "-1",
        "--output",
        "json",
    ];
    let v = payload(&run_env(dir.path(), &slow, &argv).1);
    let timed_out = "Claude CLI timed out after -1 seconds. Complex operations may need more time.";
    assert_eq!(
        (v["output"].as_str(), v["metadata"]["agent_id"].as_str()),
        (Some(timed_out), Some("CodeReviewer_Agent"))
    );

    let noisy = DoubleEnv {
        huge_bytes: 10_000,
        delay: Duration::ZERO,
        drip_lines: 2,
        ..with_modes("stderr,huge,drip")
    };
    let (code, out, err) = run_env(dir.path(), &noisy, &argv[..4]);
    assert!(
        code == 0
            && err.contains("Traceback (most recent call last):")
            && out.starts_with(b"linha 1\nlinha 2\n")
    );
    let lines = String::from_utf8(out).expect("utf-8");
    let answer = lines
        .split("==================================================\n")
        .nth(2)
        .expect("answer");
    assert_eq!((answer.len(), answer.lines().count()), (10_001, 100));
    let (_, out, _) = run_env(dir.path(), &noisy, &["--list"]);
    assert_eq!(out.len(), "linha 1\nlinha 2\n".len() + LIST.len() + 10_000);

    let (code, out, err) = run_env(dir.path(), &with_modes("crash"), &["--list"]);
    assert!(code == 1 && out.is_empty() && err.starts_with("Traceback (most recent call last):\n"));
}
