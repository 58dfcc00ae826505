//! The demo conductor project: `config.yaml`, five installed agents, the `agent_templates/`
//! catalogue and the `scripts/` the CLI checks for, matching the agents of the transcript.

use std::fs;
use std::io;
use std::path::Path;

/// `id|description|tags|capabilities|instructions`, one agent a line: the installed agents of
/// transcript block [1]. CodeReviewer_Agent's instructions are sized so its definition.yaml is
/// 424 bytes, as `--info` reports in block [2].
const AGENTS: &str = "\
AgentCreator_Agent|Um agente que cria a estrutura inicial de arquivos (scaffolding) para novos agentes.|meta, onboarding|create_agent_scaffold|Crie definition.yaml e persona.md para o novo agente.
CodeReviewer_Agent|Analyzes Python code quality, detects code smells, and suggests improvements following best practices|python, code-review, quality-analysis, best-practices|analyze_python_code, detect_code_smells, suggest_improvements, check_best_practices|Review the Python code you are given
CommitMessage_Agent|Specialist in creating standardized commit messages (Conventional Commits) from code diffs.|meta, git, conventional-commits|generate_commit_message_from_diff|Write one Conventional Commits message for the diff.
DocWriter_Agent|Technical documentation specialist that writes and updates READMEs, usage guides, and technical manuals with clear structure and practical examples|documentation, readme, technical-writing, markdown|write_documentation, update_readmes, create_usage_guides, document_apis|Write clear documentation with practical examples.
SystemGuide_Meta_Agent|System documentation helper that explains the system architecture and functionality to programmers at different knowledge levels, focusing on main READMEs|documentation, system-guide, architecture, meta|explain_system_architecture, adapt_to_knowledge_level, provide_system_overview, summarize_readmes|Explain the system at the reader's level, starting from the READMEs.";

/// `category|id[|description|tags|capabilities]` (transcript block [26]); an id alone reuses
/// the installed agent of that name.
const TEMPLATES: &str = "\
backend_development|SecuritySpecialist_Agent|Expert in application security, authentication, authorization, and security best practices|security, auth|review_security, design_auth
backend_development|APIArchitect_Agent|Expert in designing RESTful APIs, GraphQL, microservices architecture, and API documentation|api, architecture|design_apis, document_apis
backend_development|TestingSpecialist_Agent|Expert in comprehensive testing strategies including unit, integration, and end-to-end testing|testing, quality|write_tests, plan_test_strategy
backend_development|PerformanceOptimizer_Agent|Expert in application performance optimization, caching strategies, and scalability solutions|performance, caching|profile_code, design_caching
backend_development|DatabaseExpert_Agent|Expert in database design, optimization, migrations, and both SQL and NoSQL technologies|database, sql, nosql|design_schemas, optimize_queries
core_tools|CodeReviewer_Agent
core_tools|SystemGuide_Meta_Agent
core_tools|DocWriter_Agent
core_tools|AgentCreator_Agent
core_tools|CommitMessage_Agent
data_science|DataAnalyst_Agent|Expert in data analysis, visualization, and statistical insights using Python and R|data, analysis|analyze_data, visualize_data
web_development|ReactExpert_Agent|Expert in React development, hooks, state management, and modern React patterns|react, frontend|build_components, manage_state
web_development|AngularExpert_Agent|Expert in Angular development, TypeScript, RxJS, NgRx, and modern Angular patterns and best practices|angular, frontend|build_components, design_rxjs_flows";

const CONFIG: &str = "\
# Demo conductor project written by conductor-gateway's demo engine.
storage:
  type: filesystem
  path: .conductor_workspace
tool_plugins: []
prompt_format: xml
";

/// Shared by every persona, so each lands between 1 and 2 KB like the transcript's.
const GUIDELINES: &str = "\
## Diretrizes
- Responda em português, de forma direta, com exemplos curtos quando ajudarem.
- Leia o pedido inteiro antes de responder e pergunte quando algo for ambíguo.
- Prefira mudanças pequenas e verificáveis a reescritas completas.
- Explique o porquê de cada recomendação, não só o quê.
- Não invente arquivos, APIs ou resultados: diga o que não sabe.
- Cite o trecho exato (arquivo, função ou linha) ao qual cada observação se refere.
- Termine com uma lista curta de próximos passos.

## Formato da resposta
1. Resumo em uma ou duas frases.
2. Detalhes organizados em tópicos.
3. Próximos passos.

## Limites
Este agente faz parte do projeto de demonstração do conductor-gateway. Ele não executa
comandos nem altera arquivos por conta própria; tudo o que produz é texto para revisão.
";

/// Writes `definition.yaml` and `persona.md` from `[id, description, tags, caps, instructions]`.
fn write_agent(dir: &Path, f: &[&str]) -> io::Result<()> {
    let (id, description, tags, caps) = (f[0], f[1], f[2], f[3]);
    let instructions = f
        .get(4)
        .unwrap_or(&"Answer as the specialist described above.");
    fs::create_dir_all(dir)?;
    let definition = format!(
        "name: {id}\nversion: \"1.0.0\"\nschema_version: \"1.0\"\ndescription: \"{description}\"\n\
         author: PrimoIA\ntags: [{tags}]\ncapabilities: [{caps}]\nallowed_tools: []\n\
         prompt: \"{instructions}\"\n"
    );
    fs::write(dir.join("definition.yaml"), definition)?;
    let caps: Vec<String> = caps.split(", ").map(|c| format!("- {c}")).collect();
    let caps = caps.join("\n");
    let persona = format!(
        "# Persona: {id}\n\n## Papel\n{description}\n\n## Missão\n{instructions}\n\n\
         ## Capacidades\n{caps}\n\n{GUIDELINES}"
    );
    fs::write(dir.join("persona.md"), persona)
}

/// Writes a demo conductor project into `dir` (existing files are overwritten).
pub fn create_workspace(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join("config.yaml"), CONFIG)?;
    let agents: Vec<Vec<&str>> = AGENTS.lines().map(|l| l.split('|').collect()).collect();
    for agent in &agents {
        write_agent(
            &dir.join(".conductor_workspace/agents").join(agent[0]),
            agent,
        )?;
    }
    for line in TEMPLATES.lines() {
        let (category, spec) = line.split_once('|').unwrap_or((line, ""));
        let fields: Vec<&str> = spec.split('|').collect();
        let fields = match fields.len() {
            1 => agents
                .iter()
                .find(|a| a[0] == fields[0])
                .cloned()
                .unwrap_or_default(),
            _ => fields,
        };
        if fields.len() >= 4 {
            write_agent(
                &dir.join("agent_templates").join(category).join(fields[0]),
                &fields,
            )?;
        }
    }
    // The CLI refuses backup/restore/migration when these are missing; the double does the
    // work itself, so they only need to exist.
    let note = "# conductor-gateway demo: the test double performs this step itself.\n";
    fs::create_dir_all(dir.join("scripts/helpers"))?;
    for script in ["backup_agents.sh", "restore_agents.sh"] {
        fs::write(
            dir.join("scripts").join(script),
            format!("#!/bin/sh\n{note}"),
        )?;
    }
    fs::write(dir.join("scripts/helpers/sync_engine.py"), note)
}
