//! The non-agent commands on the demo project: list, info, validate, install (transcript blocks
//! [1]–[6], [26]) and backup, restore, migrate ([7], [21]–[25]).

use std::fs;

use super::{expect, project, run};

pub(super) const LIST: &str = "🤖 Agentes disponíveis em .conductor_workspace/agents/:
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
