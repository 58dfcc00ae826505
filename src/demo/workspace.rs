//! The demo conductor project: `config.yaml`, five installed agents, the `agent_templates/`
//! catalogue and the `scripts/` the CLI checks for, matching the agents of the transcript.

use std::fs;
use std::io;
use std::path::Path;

/// (id, description, tags, capabilities, instructions).
type Spec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
);

const AGENT_CREATOR: Spec = (
    "AgentCreator_Agent",
    "Um agente que cria a estrutura inicial de arquivos (scaffolding) para novos agentes.",
    &["meta", "onboarding"],
    &["create_agent_scaffold"],
    "Crie definition.yaml e persona.md para o novo agente.",
);
/// Sized so `--info` reports `definition.yaml (424B)` as in transcript block [2].
const CODE_REVIEWER: Spec = (
    "CodeReviewer_Agent",
    "Analyzes Python code quality, detects code smells, and suggests improvements following best practices",
    &[
        "python",
        "code-review",
        "quality-analysis",
        "best-practices",
    ],
    &[
        "analyze_python_code",
        "detect_code_smells",
        "suggest_improvements",
        "check_best_practices",
    ],
    "Review the Python code you are given",
);
const COMMIT_MESSAGE: Spec = (
    "CommitMessage_Agent",
    "Specialist in creating standardized commit messages (Conventional Commits) from code diffs.",
    &["meta", "git", "conventional-commits"],
    &["generate_commit_message_from_diff"],
    "Write one Conventional Commits message for the diff.",
);
const DOC_WRITER: Spec = (
    "DocWriter_Agent",
    "Technical documentation specialist that writes and updates READMEs, usage guides, and technical manuals with clear structure and practical examples",
    &["documentation", "readme", "technical-writing", "markdown"],
    &[
        "write_documentation",
        "update_readmes",
        "create_usage_guides",
        "document_apis",
    ],
    "Write clear documentation with practical examples.",
);
const SYSTEM_GUIDE: Spec = (
    "SystemGuide_Meta_Agent",
    "System documentation helper that explains the system architecture and functionality to programmers at different knowledge levels, focusing on main READMEs",
    &["documentation", "system-guide", "architecture", "meta"],
    &[
        "explain_system_architecture",
        "adapt_to_knowledge_level",
        "provide_system_overview",
        "summarize_readmes",
    ],
    "Explain the system at the reader's level, starting from the READMEs.",
);

const fn template(
    id: &'static str,
    description: &'static str,
    tags: &'static [&'static str],
    caps: &'static [&'static str],
) -> Spec {
    (
        id,
        description,
        tags,
        caps,
        "Answer as the specialist described above.",
    )
}

/// Categories and agents of transcript block [26].
const TEMPLATES: &[(&str, &[Spec])] = &[
    (
        "backend_development",
        &[
            template(
                "SecuritySpecialist_Agent",
                "Expert in application security, authentication, authorization, and security best practices",
                &["security", "auth"],
                &["review_security", "design_auth"],
            ),
            template(
                "APIArchitect_Agent",
                "Expert in designing RESTful APIs, GraphQL, microservices architecture, and API documentation",
                &["api", "architecture"],
                &["design_apis", "document_apis"],
            ),
            template(
                "TestingSpecialist_Agent",
                "Expert in comprehensive testing strategies including unit, integration, and end-to-end testing",
                &["testing", "quality"],
                &["write_tests", "plan_test_strategy"],
            ),
            template(
                "PerformanceOptimizer_Agent",
                "Expert in application performance optimization, caching strategies, and scalability solutions",
                &["performance", "caching"],
                &["profile_code", "design_caching"],
            ),
            template(
                "DatabaseExpert_Agent",
                "Expert in database design, optimization, migrations, and both SQL and NoSQL technologies",
                &["database", "sql", "nosql"],
                &["design_schemas", "optimize_queries"],
            ),
        ],
    ),
    (
        "core_tools",
        &[
            CODE_REVIEWER,
            SYSTEM_GUIDE,
            DOC_WRITER,
            AGENT_CREATOR,
            COMMIT_MESSAGE,
        ],
    ),
    (
        "data_science",
        &[template(
            "DataAnalyst_Agent",
            "Expert in data analysis, visualization, and statistical insights using Python and R",
            &["data", "analysis"],
            &["analyze_data", "visualize_data"],
        )],
    ),
    (
        "web_development",
        &[
            template(
                "ReactExpert_Agent",
                "Expert in React development, hooks, state management, and modern React patterns",
                &["react", "frontend"],
                &["build_components", "manage_state"],
            ),
            template(
                "AngularExpert_Agent",
                "Expert in Angular development, TypeScript, RxJS, NgRx, and modern Angular patterns and best practices",
                &["angular", "frontend"],
                &["build_components", "design_rxjs_flows"],
            ),
        ],
    ),
];

const CONFIG: &str = "\
# Demo conductor project written by conductor-gateway's demo engine.
storage:
  type: filesystem
  path: .conductor_workspace
tool_plugins: []
prompt_format: xml
";

fn definition(spec: &Spec) -> String {
    let (id, description, tags, caps, instructions) = spec;
    format!(
        "name: {id}\nversion: \"1.0.0\"\nschema_version: \"1.0\"\ndescription: \"{description}\"\nauthor: PrimoIA\n\
         tags: [{}]\ncapabilities: [{}]\nallowed_tools: []\nprompt: \"{instructions}\"\n",
        tags.join(", "),
        caps.join(", ")
    )
}

/// Between 1 and 2 KB, as the transcript's personas are.
fn persona(spec: &Spec) -> String {
    let (id, description, _, caps, instructions) = spec;
    format!(
        "# Persona: {id}\n\n## Papel\n{description}\n\n## Missão\n{instructions}\n\n## Capacidades\n{}\n\n\
         ## Diretrizes\n\
         - Responda em português, de forma direta, com exemplos curtos quando ajudarem.\n\
         - Leia o pedido inteiro antes de responder e pergunte quando algo for ambíguo.\n\
         - Prefira mudanças pequenas e verificáveis a reescritas completas.\n\
         - Explique o porquê de cada recomendação, não só o quê.\n\
         - Não invente arquivos, APIs ou resultados: diga o que não sabe.\n\
         - Cite o trecho exato (arquivo, função ou linha) ao qual cada observação se refere.\n\
         - Termine com uma lista curta de próximos passos.\n\n\
         ## Formato da resposta\n\
         1. Resumo em uma ou duas frases.\n\
         2. Detalhes organizados em tópicos.\n\
         3. Próximos passos.\n\n\
         ## Limites\n\
         Este agente faz parte do projeto de demonstração do conductor-gateway. Ele não executa\n\
         comandos nem altera arquivos por conta própria; tudo o que produz é texto para revisão.\n",
        caps.iter()
            .map(|c| format!("- {c}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

fn write_agent(dir: &Path, spec: &Spec) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join("definition.yaml"), definition(spec))?;
    fs::write(dir.join("persona.md"), persona(spec))
}

/// Writes a demo conductor project into `dir` (existing files are overwritten).
pub fn create_workspace(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join("config.yaml"), CONFIG)?;
    for spec in [
        AGENT_CREATOR,
        CODE_REVIEWER,
        COMMIT_MESSAGE,
        DOC_WRITER,
        SYSTEM_GUIDE,
    ] {
        write_agent(&dir.join(".conductor_workspace/agents").join(spec.0), &spec)?;
    }
    for (category, specs) in TEMPLATES {
        for spec in *specs {
            write_agent(
                &dir.join("agent_templates").join(category).join(spec.0),
                spec,
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
