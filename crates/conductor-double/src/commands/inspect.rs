//! The read-only commands: `--list`, `--info` and `--validate`, returning what the real CLI
//! prints (transcript blocks [1]–[4]), from the project as `project` reads it.

use std::fs;
use std::path::Path;

use super::{SEP60, WS};
use crate::cli::Ctx;
use crate::modes::filler;
use crate::project::{self, AGENT_FILES, Agent, Config};
use crate::pytext::{float_repr, repr};

const LIST_HINT: &str =
    "\n💡 Para executar um agente:\n   conductor execute --agent <agent_id> --input '<mensagem>'\n";
const VALID_HINT: &str = "\n💡 Para mais informações sobre um agente específico:\n   conductor info --agent <agent_id>\n";

pub fn list(ctx: &Ctx) -> String {
    let mut o = format!("🤖 Agentes disponíveis em {WS}:\n{SEP60}\n");
    let agents = match Config::load(ctx.cwd) {
        Ok(cfg) => project::discover(&cfg.agents_dir(ctx.cwd)),
        Err(e) => {
            w!(
                o,
                "❌ Erro ao listar agentes: {e}\n💡 Verifique se o diretório {WS} existe"
            );
            return o;
        }
    };
    if agents.is_empty() {
        w!(
            o,
            "❌ Nenhum agente encontrado.\n💡 Verifique se há agentes em {WS}"
        );
        return o;
    }
    for (i, agent) in agents.iter().enumerate() {
        w!(o, "{:2}. {}\n     Nome: {}", i + 1, agent.id, agent.name());
        for (key, label) in [("capabilities", "Capacidades"), ("tags", "Tags")] {
            let items = agent.list(key);
            if !items.is_empty() {
                let more = if items.len() > 3 { "..." } else { "" };
                w!(
                    o,
                    "     {label}: {}{more}",
                    items[..items.len().min(3)].join(", ")
                );
            }
        }
        w!(o);
    }
    w!(o, "📊 Total: {} agentes encontrados", agents.len());
    o.push_str(LIST_HINT);
    if ctx.env.modes.huge {
        o.push_str(&filler(ctx.env.huge_bytes, true));
    }
    o
}

pub fn info(ctx: &Ctx, id: &str) -> String {
    let mut o = format!("🔍 Informações do agente: {id}\n{SEP60}\n");
    let cfg = match Config::load(ctx.cwd) {
        Ok(cfg) => cfg,
        Err(e) => {
            w!(o, "❌ Erro ao obter informações: {e}");
            return o;
        }
    };
    let agents_dir = cfg.agents_dir(ctx.cwd);
    let Some(agent) = Agent::load(&agents_dir, id) else {
        w!(o, "❌ Agente '{id}' não encontrado em {WS}");
        let similar = similar_agents(&agents_dir, id);
        if !similar.is_empty() {
            w!(
                o,
                "💡 Agentes similares disponíveis: {}",
                similar.join(", ")
            );
        }
        w!(
            o,
            "📋 Use 'conductor list-agents' para ver todos os agentes disponíveis"
        );
        return o;
    };
    let field = |key: &str, default: &str| agent.text(key).unwrap_or_else(|| default.into());
    w!(
        o,
        "📋 INFORMAÇÕES BÁSICAS\n   ID: {id}\n   Nome: {}",
        agent.name()
    );
    w!(o, "   Versão: {}", field("version", "1.0.0"));
    w!(o, "   Autor: {}", field("author", "Unknown"));
    w!(o, "   Descrição: {}", field("description", ""));
    let sections = [
        ("tags", "🏷️  TAGS"),
        ("capabilities", "🛠️  CAPACIDADES"),
        ("allowed_tools", "🔧 FERRAMENTAS PERMITIDAS"),
    ];
    for (key, title) in sections {
        let items = agent.list(key);
        if !items.is_empty() {
            w!(o, "\n{title}");
            items.iter().for_each(|item| w!(o, "   • {item}"));
        }
    }
    w!(
        o,
        "\n📁 ARQUIVOS DO AGENTE\n   Localização: {}",
        agent.dir.display()
    );
    for file in AGENT_FILES {
        match fs::metadata(agent.dir.join(file)) {
            Ok(meta) => w!(o, "   ✅ {file} ({})", human_size(meta.len())),
            Err(_) => w!(o, "   ❌ {file}"),
        }
    }
    let history = project::history(&agent.dir);
    w!(
        o,
        "\n📊 ESTATÍSTICAS\n   Conversas no histórico: {}",
        history.len()
    );
    if !history.is_empty() {
        let stamp = |line: &String| {
            let entry: serde_json::Value = serde_json::from_str(line).ok()?;
            entry["timestamp"].as_f64()
        };
        let last = history.iter().filter_map(stamp).reduce(f64::max);
        w!(
            o,
            "   Última interação: {}",
            last.map_or("N/A".into(), float_repr)
        );
    }
    w!(o, "\n💡 Para executar este agente:");
    w!(
        o,
        "   conductor execute --agent {id} --input '<sua mensagem>'"
    );
    o
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b}B"),
        b if b < 1024 * 1024 => format!("{}KB", b / 1024),
        b => format!("{}MB", b / (1024 * 1024)),
    }
}

/// Up to three agents whose id contains the requested one or the other way round.
pub fn similar_agents(agents_dir: &Path, id: &str) -> Vec<String> {
    let wanted = id.to_lowercase();
    let ids = project::discover(agents_dir).into_iter().map(|a| a.id);
    let similar = |a: &String| {
        let a = a.to_lowercase();
        !wanted.is_empty() && (a.contains(&wanted) || wanted.contains(&a))
    };
    ids.filter(similar).take(3).collect()
}

pub fn validate(ctx: &Ctx) -> String {
    let mut o = format!("🔍 Validando configuração do Conductor...\n{SEP60}\n");
    w!(o, "📋 1. Validando arquivo de configuração...");
    let cfg = match Config::load(ctx.cwd) {
        Ok(cfg) => cfg,
        Err(e) => {
            w!(o, "❌ Erro crítico na validação: {e}");
            return o;
        }
    };
    w!(o, "   ✅ config.yaml carregado com sucesso");
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let path = &cfg.storage_path;
    w!(o, "\n💾 2. Validando configuração de storage...");
    w!(o, "   Tipo: {}\n   Caminho: {path}", cfg.storage_type);
    match fs::metadata(cfg.workspace(ctx.cwd)) {
        Err(_) => {
            errors.push(format!("Diretório de storage não existe: {path}"));
            w!(o, "   ❌ Diretório base não existe: {path}");
        }
        Ok(meta) if meta.permissions().readonly() => {
            errors.push(format!("Sem permissão de escrita em: {path}"));
            w!(
                o,
                "   ✅ Diretório base existe\n   ❌ Sem permissão de escrita"
            );
        }
        Ok(_) => w!(
            o,
            "   ✅ Diretório base existe\n   ✅ Permissões de escrita OK"
        ),
    }
    w!(o, "\n🤖 3. Validando diretório de agentes...");
    let shown = format!("{path}/agents");
    let agents_dir = cfg.agents_dir(ctx.cwd);
    if !agents_dir.is_dir() {
        warnings.push(format!("Diretório de agentes não existe: {shown}"));
        w!(o, "   ⚠️  Diretório não existe: {shown}");
        w!(o, "   💡 Será criado automaticamente quando necessário");
    } else {
        let dirs = project::subdirs(&agents_dir);
        w!(
            o,
            "   ✅ Diretório existe: {shown}\n   📊 Agentes encontrados: {}",
            dirs.len()
        );
        if !dirs.is_empty() {
            w!(o, "\n   🔍 Validando estrutura dos agentes...");
        }
        let mut valid = 0;
        // The CLI checks only the first five to stay short.
        for id in dirs.iter().take(5) {
            let text = fs::read_to_string(agents_dir.join(id).join("definition.yaml"));
            let Ok(text) = text else {
                errors.push(format!("Agente {id}: definition.yaml não encontrado"));
                w!(o, "   ❌ {id}: definition.yaml ausente");
                continue;
            };
            let def = match serde_yaml::from_str::<serde_yaml::Value>(&text) {
                Ok(def) => def,
                Err(e) => {
                    errors.push(format!("Agente {id}: erro ao validar definition.yaml: {e}"));
                    w!(o, "   ❌ {id}: erro na definição: {e}");
                    continue;
                }
            };
            let required = ["name", "version", "description"];
            let missing: Vec<String> = required
                .iter()
                .filter(|k| def.get(**k).is_none())
                .map(|k| repr(k))
                .collect();
            if missing.is_empty() {
                valid += 1;
                w!(o, "   ✅ {id}: estrutura válida");
            } else {
                let missing = format!("[{}]", missing.join(", "));
                warnings.push(format!(
                    "Agente {id}: campos obrigatórios ausentes: {missing}"
                ));
                w!(o, "   ⚠️  {id}: campos ausentes: {missing}");
            }
        }
        if dirs.len() > 5 {
            let rest = dirs.len() - 5;
            w!(
                o,
                "   ... (validação completa de {rest} agentes restantes omitida)"
            );
        }
        if !dirs.is_empty() {
            w!(o, "   📊 Agentes válidos: {valid}/{}", dirs.len());
        }
    }
    w!(o, "\n🔧 4. Validando plugins de ferramentas...");
    if cfg.tool_plugins.is_empty() {
        w!(o, "   📊 Nenhum plugin configurado");
    } else {
        w!(o, "   📊 Plugins configurados: {}", cfg.tool_plugins.len());
    }
    for plugin in &cfg.tool_plugins {
        if ctx.cwd.join(plugin).exists() {
            w!(o, "   ✅ {plugin}: existe");
        } else {
            warnings.push(format!("Diretório de plugin não existe: {plugin}"));
            w!(o, "   ⚠️  {plugin}: não existe");
        }
    }
    let found = project::discover(&agents_dir).len();
    w!(o, "\n🔍 5. Testando descoberta de agentes...");
    w!(
        o,
        "   ✅ Descoberta funcionando: {found} agentes descobertos"
    );
    w!(o, "\n{SEP60}\n📊 RESUMO DA VALIDAÇÃO");
    for (items, title) in [(&errors, "❌ Erros encontrados"), (&warnings, "⚠️  Avisos")] {
        if !items.is_empty() {
            w!(o, "{title}: {}", items.len());
            items.iter().for_each(|item| w!(o, "   • {item}"));
        }
    }
    if !errors.is_empty() {
        w!(
            o,
            "❌ Configuração com problemas que precisam ser corrigidos"
        );
        return o;
    }
    match warnings.is_empty() {
        true => w!(o, "✅ Configuração totalmente válida!"),
        false => w!(o, "✅ Configuração válida com avisos menores"),
    }
    o + VALID_HINT
}
