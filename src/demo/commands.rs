//! The non-agent commands: `--list`, `--info`, `--validate`, `--install`, `--backup`,
//! `--restore` and `--migrate-to`, printing what the real CLI prints (transcript blocks [1]–[7],
//! [21]–[26]). The shell scripts and sync engine the CLI calls are emulated in-process.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::args::Args;
use super::cli::Ctx;
use super::project::{self, AGENT_FILES, Agent, Config};
use super::pytext::{float_repr, repr};

const SEP50: &str = "==================================================";
const SEP60: &str = "============================================================";

pub fn list(ctx: &mut Ctx) -> io::Result<i32> {
    say!(
        ctx.out,
        "🤖 Agentes disponíveis em .conductor_workspace/agents/:"
    )?;
    say!(ctx.out, "{SEP60}")?;
    let agents = match Config::load(ctx.cwd) {
        Ok(cfg) => project::discover(&cfg.agents_dir(ctx.cwd)),
        Err(e) => {
            say!(ctx.out, "❌ Erro ao listar agentes: {e}")?;
            say!(
                ctx.out,
                "💡 Verifique se o diretório .conductor_workspace/agents/ existe"
            )?;
            return Ok(0);
        }
    };
    if agents.is_empty() {
        say!(ctx.out, "❌ Nenhum agente encontrado.")?;
        say!(
            ctx.out,
            "💡 Verifique se há agentes em .conductor_workspace/agents/"
        )?;
        return Ok(0);
    }
    let first3 = |items: Vec<String>| {
        let more = if items.len() > 3 { "..." } else { "" };
        format!(
            "{}{more}",
            items.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        )
    };
    for (i, agent) in agents.iter().enumerate() {
        say!(ctx.out, "{:2}. {}", i + 1, agent.id)?;
        say!(ctx.out, "     Nome: {}", agent.name())?;
        let (caps, tags) = (agent.list("capabilities"), agent.list("tags"));
        if !caps.is_empty() {
            say!(ctx.out, "     Capacidades: {}", first3(caps))?;
        }
        if !tags.is_empty() {
            say!(ctx.out, "     Tags: {}", first3(tags))?;
        }
        say!(ctx.out)?;
    }
    say!(ctx.out, "📊 Total: {} agentes encontrados", agents.len())?;
    say!(ctx.out, "\n💡 Para executar um agente:")?;
    say!(
        ctx.out,
        "   conductor execute --agent <agent_id> --input '<mensagem>'"
    )?;
    if ctx.env.modes.huge {
        ctx.out
            .write_all(filler(ctx.env.huge_bytes, true).as_bytes())?;
    }
    Ok(0)
}

/// `bytes` bytes of numbered lines (`linha N ...`); with `newline_end` the text ends in `\n`,
/// otherwise it ends in a non-space (an answer is whitespace-stripped by the CLI).
pub fn filler(bytes: usize, newline_end: bool) -> String {
    let mut text = String::with_capacity(bytes + 100);
    let mut n = 0;
    while text.len() < bytes {
        n += 1;
        let head = format!("linha {n:07} ");
        text.push_str(&head);
        text.push_str(&"x".repeat(99 - head.len()));
        text.push('\n');
    }
    text.truncate(bytes);
    if !text.is_empty() {
        let last = if newline_end { "\n" } else { "x" };
        text.replace_range(text.len() - 1.., last);
    }
    text
}

pub fn info(ctx: &mut Ctx, id: &str) -> io::Result<i32> {
    say!(ctx.out, "🔍 Informações do agente: {id}")?;
    say!(ctx.out, "{SEP60}")?;
    let cfg = match Config::load(ctx.cwd) {
        Ok(cfg) => cfg,
        Err(e) => {
            say!(ctx.out, "❌ Erro ao obter informações: {e}")?;
            return Ok(0);
        }
    };
    let agents_dir = cfg.agents_dir(ctx.cwd);
    let Some(agent) = Agent::load(&agents_dir, id) else {
        say!(
            ctx.out,
            "❌ Agente '{id}' não encontrado em .conductor_workspace/agents/"
        )?;
        let similar = similar_agents(&agents_dir, id);
        if !similar.is_empty() {
            say!(
                ctx.out,
                "💡 Agentes similares disponíveis: {}",
                similar.join(", ")
            )?;
        }
        say!(
            ctx.out,
            "📋 Use 'conductor list-agents' para ver todos os agentes disponíveis"
        )?;
        return Ok(0);
    };
    say!(ctx.out, "📋 INFORMAÇÕES BÁSICAS")?;
    say!(ctx.out, "   ID: {id}")?;
    say!(ctx.out, "   Nome: {}", agent.name())?;
    say!(
        ctx.out,
        "   Versão: {}",
        agent.text("version").unwrap_or_else(|| "1.0.0".into())
    )?;
    say!(
        ctx.out,
        "   Autor: {}",
        agent.text("author").unwrap_or_else(|| "Unknown".into())
    )?;
    say!(
        ctx.out,
        "   Descrição: {}",
        agent.text("description").unwrap_or_default()
    )?;
    for (key, title) in [
        ("tags", "🏷️  TAGS"),
        ("capabilities", "🛠️  CAPACIDADES"),
        ("allowed_tools", "🔧 FERRAMENTAS PERMITIDAS"),
    ] {
        let items = agent.list(key);
        if !items.is_empty() {
            say!(ctx.out, "\n{title}")?;
            for item in items {
                say!(ctx.out, "   • {item}")?;
            }
        }
    }
    say!(ctx.out, "\n📁 ARQUIVOS DO AGENTE")?;
    say!(ctx.out, "   Localização: {}", agent.dir.display())?;
    for file in AGENT_FILES {
        match fs::metadata(agent.dir.join(file)) {
            Ok(meta) => say!(ctx.out, "   ✅ {file} ({})", human_size(meta.len()))?,
            Err(_) => say!(ctx.out, "   ❌ {file}")?,
        }
    }
    let history = project::history(&agent.dir);
    say!(ctx.out, "\n📊 ESTATÍSTICAS")?;
    say!(ctx.out, "   Conversas no histórico: {}", history.len())?;
    if !history.is_empty() {
        let last = history
            .iter()
            .filter_map(|line| {
                serde_json::from_str::<serde_json::Value>(line).ok()?["timestamp"].as_f64()
            })
            .fold(None, |max: Option<f64>, t| {
                Some(max.map_or(t, |m| m.max(t)))
            });
        say!(
            ctx.out,
            "   Última interação: {}",
            last.map_or("N/A".into(), float_repr)
        )?;
    }
    say!(ctx.out, "\n💡 Para executar este agente:")?;
    say!(
        ctx.out,
        "   conductor execute --agent {id} --input '<sua mensagem>'"
    )?;
    Ok(0)
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b}B"),
        b if b < 1024 * 1024 => format!("{}KB", b / 1024),
        b => format!("{}MB", b / (1024 * 1024)),
    }
}

/// Agents whose id contains the requested one or the other way round (case-insensitive).
pub fn similar_agents(agents_dir: &Path, id: &str) -> Vec<String> {
    let wanted = id.to_lowercase();
    let mut found: Vec<String> = project::discover(agents_dir)
        .into_iter()
        .map(|a| a.id)
        .filter(|a| {
            let a = a.to_lowercase();
            !wanted.is_empty() && (a.contains(&wanted) || wanted.contains(&a))
        })
        .collect();
    found.truncate(3);
    found
}

pub fn validate(ctx: &mut Ctx) -> io::Result<i32> {
    say!(ctx.out, "🔍 Validando configuração do Conductor...")?;
    say!(ctx.out, "{SEP60}")?;
    say!(ctx.out, "📋 1. Validando arquivo de configuração...")?;
    let cfg = match Config::load(ctx.cwd) {
        Ok(cfg) => cfg,
        Err(e) => {
            say!(ctx.out, "❌ Erro crítico na validação: {e}")?;
            return Ok(0);
        }
    };
    say!(ctx.out, "   ✅ config.yaml carregado com sucesso")?;
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    say!(ctx.out, "\n💾 2. Validando configuração de storage...")?;
    say!(ctx.out, "   Tipo: {}", cfg.storage_type)?;
    say!(ctx.out, "   Caminho: {}", cfg.storage_path)?;
    match fs::metadata(cfg.workspace(ctx.cwd)) {
        Err(_) => {
            errors.push(format!(
                "Diretório de storage não existe: {}",
                cfg.storage_path
            ));
            say!(
                ctx.out,
                "   ❌ Diretório base não existe: {}",
                cfg.storage_path
            )?;
        }
        Ok(meta) => {
            say!(ctx.out, "   ✅ Diretório base existe")?;
            if meta.permissions().readonly() {
                errors.push(format!("Sem permissão de escrita em: {}", cfg.storage_path));
                say!(ctx.out, "   ❌ Sem permissão de escrita")?;
            } else {
                say!(ctx.out, "   ✅ Permissões de escrita OK")?;
            }
        }
    }
    say!(ctx.out, "\n🤖 3. Validando diretório de agentes...")?;
    let shown_dir = format!("{}/agents", cfg.storage_path);
    let agents_dir = cfg.agents_dir(ctx.cwd);
    if !agents_dir.is_dir() {
        warnings.push(format!("Diretório de agentes não existe: {shown_dir}"));
        say!(ctx.out, "   ⚠️  Diretório não existe: {shown_dir}")?;
        say!(
            ctx.out,
            "   💡 Será criado automaticamente quando necessário"
        )?;
    } else {
        say!(ctx.out, "   ✅ Diretório existe: {shown_dir}")?;
        let dirs = project::subdirs(&agents_dir);
        say!(ctx.out, "   📊 Agentes encontrados: {}", dirs.len())?;
        if !dirs.is_empty() {
            say!(ctx.out, "\n   🔍 Validando estrutura dos agentes...")?;
            let mut valid = 0;
            // The CLI checks only the first five to stay short.
            for id in dirs.iter().take(5) {
                let path = agents_dir.join(id).join("definition.yaml");
                let Ok(text) = fs::read_to_string(&path) else {
                    errors.push(format!("Agente {id}: definition.yaml não encontrado"));
                    say!(ctx.out, "   ❌ {id}: definition.yaml ausente")?;
                    continue;
                };
                match serde_yaml::from_str::<serde_yaml::Value>(&text) {
                    Err(e) => {
                        errors.push(format!("Agente {id}: erro ao validar definition.yaml: {e}"));
                        say!(ctx.out, "   ❌ {id}: erro na definição: {e}")?;
                    }
                    Ok(def) => {
                        let missing: Vec<String> = ["name", "version", "description"]
                            .iter()
                            .filter(|k| def.get(**k).is_none())
                            .map(|k| repr(k))
                            .collect();
                        if missing.is_empty() {
                            valid += 1;
                            say!(ctx.out, "   ✅ {id}: estrutura válida")?;
                        } else {
                            let missing = format!("[{}]", missing.join(", "));
                            warnings.push(format!(
                                "Agente {id}: campos obrigatórios ausentes: {missing}"
                            ));
                            say!(ctx.out, "   ⚠️  {id}: campos ausentes: {missing}")?;
                        }
                    }
                }
            }
            if dirs.len() > 5 {
                say!(
                    ctx.out,
                    "   ... (validação completa de {} agentes restantes omitida)",
                    dirs.len() - 5
                )?;
            }
            say!(ctx.out, "   📊 Agentes válidos: {valid}/{}", dirs.len())?;
        }
    }
    say!(ctx.out, "\n🔧 4. Validando plugins de ferramentas...")?;
    if cfg.tool_plugins.is_empty() {
        say!(ctx.out, "   📊 Nenhum plugin configurado")?;
    } else {
        say!(
            ctx.out,
            "   📊 Plugins configurados: {}",
            cfg.tool_plugins.len()
        )?;
        for plugin in &cfg.tool_plugins {
            if ctx.cwd.join(plugin).exists() {
                say!(ctx.out, "   ✅ {plugin}: existe")?;
            } else {
                warnings.push(format!("Diretório de plugin não existe: {plugin}"));
                say!(ctx.out, "   ⚠️  {plugin}: não existe")?;
            }
        }
    }
    say!(ctx.out, "\n🔍 5. Testando descoberta de agentes...")?;
    say!(
        ctx.out,
        "   ✅ Descoberta funcionando: {} agentes descobertos",
        project::discover(&agents_dir).len()
    )?;
    say!(ctx.out, "\n{SEP60}")?;
    say!(ctx.out, "📊 RESUMO DA VALIDAÇÃO")?;
    for (items, title) in [(&errors, "❌ Erros encontrados"), (&warnings, "⚠️  Avisos")] {
        if !items.is_empty() {
            say!(ctx.out, "{title}: {}", items.len())?;
            for item in items {
                say!(ctx.out, "   • {item}")?;
            }
        }
    }
    if !errors.is_empty() {
        say!(
            ctx.out,
            "❌ Configuração com problemas que precisam ser corrigidos"
        )?;
        return Ok(0);
    }
    let verdict = if warnings.is_empty() {
        "✅ Configuração totalmente válida!"
    } else {
        "✅ Configuração válida com avisos menores"
    };
    say!(ctx.out, "{verdict}")?;
    say!(
        ctx.out,
        "\n💡 Para mais informações sobre um agente específico:"
    )?;
    say!(ctx.out, "   conductor info --agent <agent_id>")?;
    Ok(0)
}

pub fn install(ctx: &mut Ctx, target: &str) -> io::Result<i32> {
    let templates = ctx.cwd.join("agent_templates");
    // `--install` always writes here, whatever storage.path says.
    let workspace_agents = ctx.cwd.join(".conductor_workspace/agents");
    if target == "list" {
        say!(ctx.out, "📋 Templates Disponíveis:")?;
        say!(ctx.out, "{SEP50}")?;
        if !templates.is_dir() {
            say!(ctx.out, "❌ Diretório de templates não encontrado")?;
            return Ok(0);
        }
        for category in project::subdirs(&templates) {
            say!(ctx.out, "\n🏷️ {}:", title_case(&category.replace('_', " ")))?;
            for agent in project::subdirs(&templates.join(&category)) {
                let description = Agent::load(&templates.join(&category), &agent)
                    .and_then(|a| a.text("description"))
                    .unwrap_or_else(|| "Sem descrição".into());
                say!(ctx.out, "   • {agent}: {description}")?;
            }
        }
        say!(ctx.out, "\n💡 Para instalar:")?;
        say!(ctx.out, "   conductor --install <categoria>")?;
        say!(ctx.out, "   conductor --install <agent_name>")?;
        return Ok(0);
    }
    let plain = !target.contains('/') && target != "." && target != "..";
    if plain && templates.join(target).exists() {
        say!(ctx.out, "📦 Instalando categoria: {target}")?;
        say!(ctx.out, "{SEP50}")?;
        let mut installed = 0;
        for agent in project::subdirs(&templates.join(target)) {
            let dest = workspace_agents.join(&agent);
            if dest.exists() {
                say!(ctx.out, "⚠️  {agent}: já existe, pulando")?;
            } else {
                copy_tree(&templates.join(target).join(&agent), &dest)?;
                say!(ctx.out, "✅ {agent}: instalado")?;
                installed += 1;
            }
        }
        say!(
            ctx.out,
            "\n📊 {installed} agentes instalados da categoria '{target}'"
        )?;
        return Ok(0);
    }
    for category in project::subdirs(&templates) {
        let source = templates.join(&category).join(target);
        if plain && source.is_dir() {
            let dest = workspace_agents.join(target);
            if dest.exists() {
                say!(ctx.out, "⚠️  Agente '{target}' já existe")?;
            } else {
                copy_tree(&source, &dest)?;
                say!(
                    ctx.out,
                    "✅ Agente '{target}' instalado da categoria '{category}'"
                )?;
            }
            return Ok(0);
        }
    }
    say!(ctx.out, "❌ Agente '{target}' não encontrado nos templates")?;
    say!(ctx.out, "💡 Use --list para ver agentes disponíveis")?;
    Ok(0)
}

/// Python's `str.title()` for the ASCII category names.
fn title_case(s: &str) -> String {
    let mut prev_letter = false;
    s.chars()
        .map(|c| {
            let out = if prev_letter {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            };
            prev_letter = c.is_alphabetic();
            out
        })
        .collect()
}

pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// `--path` if given (resolved against the cwd), else `$HOME/conductor_backup/.conductor_workspace`.
fn backup_dir(ctx: &Ctx, args: &Args) -> Result<PathBuf, String> {
    match (&args.path, &ctx.env.home) {
        (Some(p), _) if !p.is_empty() => Ok(ctx.cwd.join(p)),
        (_, Some(home)) => Ok(home.join("conductor_backup/.conductor_workspace")),
        _ => Err("HOME não definido".into()),
    }
}

fn script_missing(ctx: &mut Ctx, script: &str, what: &str) -> io::Result<bool> {
    let path = ctx.cwd.join("scripts").join(script);
    if !path.exists() {
        say!(
            ctx.out,
            "❌ Script de {what} não encontrado: {}",
            path.display()
        )?;
    }
    Ok(!path.exists())
}

pub fn backup(ctx: &mut Ctx, args: &Args) -> io::Result<i32> {
    say!(ctx.out, "💾 Fazendo backup dos agentes...")?;
    say!(ctx.out, "{SEP50}")?;
    if script_missing(ctx, "backup_agents.sh", "backup")? {
        return Ok(0);
    }
    let stamp = utc_stamp(SystemTime::now());
    let done = (|| -> Result<(PathBuf, PathBuf), String> {
        let workspace = Config::load(ctx.cwd)?.workspace(ctx.cwd);
        let dest = backup_dir(ctx, args)?;
        if !workspace.is_dir() {
            return Err(format!("diretório não encontrado: {}", workspace.display()));
        }
        let snapshots = dest.parent().unwrap_or(&dest).join("snapshots");
        let snapshot = snapshots.join(format!("backup_{stamp}"));
        copy_tree(&workspace, &dest).map_err(|e| e.to_string())?;
        copy_tree(&workspace, &snapshot).map_err(|e| e.to_string())?;
        // Keep the ten newest snapshots, as the script does; only our own `backup_*` dirs.
        let mut old: Vec<String> = project::subdirs(&snapshots)
            .into_iter()
            .filter(|n| n.starts_with("backup_"))
            .collect();
        old.sort_by(|a, b| b.cmp(a));
        for name in old.iter().skip(10) {
            let _ = fs::remove_dir_all(snapshots.join(name));
        }
        Ok((dest, snapshot))
    })();
    match done {
        Ok((dest, snapshot)) => {
            say!(ctx.out, "🔄 Fazendo backup dos agentes...")?;
            say!(ctx.out, "✅ Backup concluído:")?;
            say!(ctx.out, "   Incremental: {}", dest.display())?;
            say!(ctx.out, "   Snapshot: {}", snapshot.display())?;
            say!(
                ctx.out,
                "🧹 Snapshots antigos limpos (mantidos últimos 10)\n"
            )?;
        }
        Err(e) => say!(ctx.out, "❌ Erro no backup: {e}")?,
    }
    Ok(0)
}

pub fn restore(ctx: &mut Ctx, args: &Args) -> io::Result<i32> {
    say!(ctx.out, "📥 Restaurando agentes do backup...")?;
    say!(ctx.out, "{SEP50}")?;
    if script_missing(ctx, "restore_agents.sh", "restore")? {
        return Ok(0);
    }
    let done = (|| -> Result<(PathBuf, PathBuf), String> {
        let workspace = Config::load(ctx.cwd)?.workspace(ctx.cwd);
        let source = backup_dir(ctx, args)?;
        if !source.is_dir() {
            return Err(format!("Backup não encontrado em: {}", source.display()));
        }
        copy_tree(&source, &workspace).map_err(|e| e.to_string())?;
        Ok((source, workspace))
    })();
    let (source, workspace) = match done {
        Ok(paths) => paths,
        Err(e) => {
            say!(ctx.out, "❌ Erro no restore: {e}")?;
            return Ok(0);
        }
    };
    say!(ctx.out, "🔄 Restaurando agentes do backup...")?;
    say!(ctx.out, "✅ Restore concluído!")?;
    say!(ctx.out, "   De: {}", source.display())?;
    say!(ctx.out, "   Para: {}", workspace.display())?;
    say!(ctx.out, "📊 Agentes restaurados:")?;
    if workspace.join("agents").is_dir() {
        for name in project::subdirs(&workspace.join("agents")) {
            say!(ctx.out, "{name}")?;
        }
    } else {
        say!(ctx.out, "   Nenhum agente encontrado")?;
    }
    say!(ctx.out)?;
    say!(ctx.out, "🔄 Cache de descoberta limpo")?;
    Ok(0)
}

pub fn migrate(ctx: &mut Ctx, args: &Args) -> io::Result<i32> {
    let config = Config::load(ctx.cwd);
    let source = match (&args.migrate_from, &config) {
        (Some(from), _) => from.clone(),
        (None, Ok(cfg)) => cfg.storage_type.clone(),
        (None, Err(e)) => {
            say!(ctx.out, "❌ Erro ao executar migração: {e}")?;
            return Ok(0);
        }
    };
    let dest = args.migrate_to.clone().unwrap_or_default();
    say!(ctx.out, "🔄 Migrando agentes: {source} → {dest}")?;
    say!(ctx.out, "{SEP50}")?;
    if script_missing(ctx, "helpers/sync_engine.py", "sincronização")? {
        return Ok(0);
    }
    say!(
        ctx.out,
        "{SEP60}\n🔄 Iniciando migração: {source} → {dest}\n{SEP60}"
    )?;
    let cfg = match config {
        Ok(cfg) if source != "mongodb" && dest != "mongodb" => cfg,
        Ok(_) if ctx.env.mongo_uri.is_none() => {
            say!(ctx.out, "⚠️  MongoDB não configurado!")?;
            say!(ctx.out, "📖 Configure MONGO_URI no seu arquivo .env")?;
            say!(
                ctx.out,
                "🔗 Documentação: https://docs.conductor.dev/mongodb-setup"
            )?;
            say!(ctx.out, "❌ Erro na migração (código: 1)")?;
            return Ok(0);
        }
        Ok(_) => {
            // The double has no MongoDB client; never echo the URI, it may hold credentials.
            say!(
                ctx.out,
                "❌ Falha ao conectar ao MongoDB (não suportado pelo double)"
            )?;
            say!(ctx.out, "❌ Erro na migração (código: 1)")?;
            return Ok(0);
        }
        Err(e) => {
            say!(ctx.out, "❌ {e}")?;
            say!(ctx.out, "❌ Erro na migração (código: 1)")?;
            return Ok(0);
        }
    };
    let started = Instant::now();
    let source_agents = cfg.agents_dir(ctx.cwd);
    let dest_agents = match &args.path {
        Some(p) if !p.is_empty() => ctx.cwd.join(p).join("agents"),
        _ => source_agents.clone(),
    };
    say!(ctx.out, "🔄 Iniciando migração de agentes...")?;
    say!(ctx.out, "📊 Descobrindo agentes...")?;
    let agents = project::discover(&source_agents);
    let names: Vec<String> = agents.iter().map(|a| repr(&a.id)).collect();
    say!(
        ctx.out,
        "   ✓ Encontrados {} agentes: [{}]",
        agents.len(),
        names.join(", ")
    )?;
    say!(ctx.out, "\n📦 Transferindo dados:")?;
    let mut files = 0;
    for agent in &agents {
        say!(ctx.out, "   🤖 {}", agent.id)?;
        // History stays behind, as in the real sync engine.
        for file in AGENT_FILES.iter().filter(|f| **f != "history.log") {
            let Ok(meta) = fs::metadata(agent.dir.join(file)) else {
                continue;
            };
            let target = dest_agents.join(&agent.id);
            if target != agent.dir {
                fs::create_dir_all(&target)?;
                fs::copy(agent.dir.join(file), target.join(file))?;
            }
            say!(
                ctx.out,
                "      ✓ {file} ({}B) → destino",
                thousands(meta.len())
            )?;
            files += 1;
        }
    }
    say!(ctx.out, "\n✅ Migração concluída!")?;
    say!(
        ctx.out,
        "   📈 {} agentes, {files} arquivos transferidos",
        agents.len()
    )?;
    say!(
        ctx.out,
        "   ⏱️  Tempo total: {:.1}s",
        started.elapsed().as_secs_f64()
    )?;
    if args.no_config_update {
        say!(ctx.out, "🔒 Configuração preservada (--no-config-update)")?;
    } else {
        say!(ctx.out, "📝 Configuração atualizada: storage.type = {dest}")?;
    }
    say!(ctx.out, "\n🎉 Processo concluído com sucesso!")?;
    Ok(0)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `date +%Y%m%d_%H%M%S`, in UTC (the double has no time-zone database).
pub fn utc_stamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's days-to-civil conversion.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}_{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
