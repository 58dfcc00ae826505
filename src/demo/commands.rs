//! The non-agent commands: `--list`, `--info`, `--validate`, `--install`, `--backup`,
//! `--restore` and `--migrate-to`, returning what the real CLI prints (transcript blocks
//! [1]–[7], [21]–[26]). The shell scripts and sync engine the CLI calls are emulated in-process.

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
/// The CLI names this location in messages whatever storage.path says.
const WS: &str = ".conductor_workspace/agents/";
const LIST_HINT: &str =
    "\n💡 Para executar um agente:\n   conductor execute --agent <agent_id> --input '<mensagem>'\n";
const VALID_HINT: &str = "\n💡 Para mais informações sobre um agente específico:\n   conductor info --agent <agent_id>\n";
const INSTALL_HINT: &str = "\n💡 Para instalar:\n   conductor --install <categoria>\n   conductor --install <agent_name>\n";
const NO_MONGO: &str = "⚠️  MongoDB não configurado!\n📖 Configure MONGO_URI no seu arquivo .env\n🔗 Documentação: https://docs.conductor.dev/mongodb-setup\n";

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

/// `bytes` bytes of numbered lines (`linha N xxx`); with `newline_end` the text ends in `\n`,
/// otherwise in a non-space (the CLI strips whitespace around an answer).
pub fn filler(bytes: usize, newline_end: bool) -> String {
    let mut text = String::with_capacity(bytes + 100);
    for n in 1.. {
        if text.len() >= bytes {
            break;
        }
        w!(text, "linha {n:07} {}", "x".repeat(85));
    }
    text.truncate(bytes);
    if text.pop().is_some() {
        text.push(if newline_end { '\n' } else { 'x' });
    }
    text
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

pub fn install(ctx: &Ctx, target: &str) -> String {
    let templates = ctx.cwd.join("agent_templates");
    // `--install` always writes here, whatever storage.path says.
    let installed_dir = ctx.cwd.join(".conductor_workspace/agents");
    let mut o = String::new();
    if target == "list" {
        w!(o, "📋 Templates Disponíveis:\n{SEP50}");
        if !templates.is_dir() {
            w!(o, "❌ Diretório de templates não encontrado");
            return o;
        }
        for category in project::subdirs(&templates) {
            w!(o, "\n🏷️ {}:", title_case(&category.replace('_', " ")));
            for agent in project::subdirs(&templates.join(&category)) {
                let def = Agent::load(&templates.join(&category), &agent);
                let description = def.and_then(|a| a.text("description"));
                let description = description.unwrap_or_else(|| "Sem descrição".into());
                w!(o, "   • {agent}: {description}");
            }
        }
        return o + INSTALL_HINT;
    }
    // A target is one directory name; anything else could reach outside the templates.
    let plain = !target.contains('/') && target != "." && target != "..";
    if plain && templates.join(target).exists() {
        w!(o, "📦 Instalando categoria: {target}\n{SEP50}");
        let mut installed = 0;
        for agent in project::subdirs(&templates.join(target)) {
            let dest = installed_dir.join(&agent);
            if dest.exists() {
                w!(o, "⚠️  {agent}: já existe, pulando");
            } else if let Err(e) = copy_tree(&templates.join(target).join(&agent), &dest) {
                w!(o, "❌ {agent}: {e}");
            } else {
                w!(o, "✅ {agent}: instalado");
                installed += 1;
            }
        }
        w!(
            o,
            "\n📊 {installed} agentes instalados da categoria '{target}'"
        );
        return o;
    }
    for category in project::subdirs(&templates) {
        let source = templates.join(&category).join(target);
        if !plain || !source.is_dir() {
            continue;
        }
        let dest = installed_dir.join(target);
        match dest.exists() {
            true => w!(o, "⚠️  Agente '{target}' já existe"),
            false => match copy_tree(&source, &dest) {
                Ok(()) => w!(
                    o,
                    "✅ Agente '{target}' instalado da categoria '{category}'"
                ),
                Err(e) => w!(o, "❌ Erro ao instalar '{target}': {e}"),
            },
        }
        return o;
    }
    w!(o, "❌ Agente '{target}' não encontrado nos templates");
    w!(o, "💡 Use --list para ver agentes disponíveis");
    o
}

/// Python's `str.title()` for the ASCII category names.
fn title_case(s: &str) -> String {
    let mut after_letter = false;
    let mut title = String::with_capacity(s.len());
    for c in s.chars() {
        title.push(if after_letter {
            c.to_ascii_lowercase()
        } else {
            c.to_ascii_uppercase()
        });
        after_letter = c.is_alphabetic();
    }
    title
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

/// `--path` (against the cwd) if given, else `$HOME/conductor_backup/.conductor_workspace`.
fn backup_dir(ctx: &Ctx, args: &Args) -> Result<PathBuf, String> {
    match (args.set("--path"), &ctx.env.home) {
        (Some(path), _) => Ok(ctx.cwd.join(path)),
        (None, Some(home)) => Ok(home.join("conductor_backup/.conductor_workspace")),
        (None, None) => Err("HOME não definido".into()),
    }
}

/// The CLI refuses to run when the script it would call is missing.
fn missing_script(ctx: &Ctx, script: &str, what: &str, o: &mut String) -> bool {
    let path = ctx.cwd.join("scripts").join(script);
    if !path.exists() {
        w!(o, "❌ Script de {what} não encontrado: {}", path.display());
    }
    !path.exists()
}

pub fn backup(ctx: &Ctx, args: &Args) -> String {
    let mut o = format!("💾 Fazendo backup dos agentes...\n{SEP50}\n");
    if missing_script(ctx, "backup_agents.sh", "backup", &mut o) {
        return o;
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
        let mut old = project::subdirs(&snapshots);
        old.retain(|name| name.starts_with("backup_"));
        for name in old.iter().rev().skip(10) {
            let _ = fs::remove_dir_all(snapshots.join(name));
        }
        Ok((dest, snapshot))
    })();
    match done {
        Ok((dest, snapshot)) => {
            w!(o, "🔄 Fazendo backup dos agentes...\n✅ Backup concluído:");
            w!(
                o,
                "   Incremental: {}\n   Snapshot: {}",
                dest.display(),
                snapshot.display()
            );
            w!(o, "🧹 Snapshots antigos limpos (mantidos últimos 10)\n");
        }
        Err(e) => w!(o, "❌ Erro no backup: {e}"),
    }
    o
}

pub fn restore(ctx: &Ctx, args: &Args) -> String {
    let mut o = format!("📥 Restaurando agentes do backup...\n{SEP50}\n");
    if missing_script(ctx, "restore_agents.sh", "restore", &mut o) {
        return o;
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
            w!(o, "❌ Erro no restore: {e}");
            return o;
        }
    };
    w!(
        o,
        "🔄 Restaurando agentes do backup...\n✅ Restore concluído!"
    );
    w!(
        o,
        "   De: {}\n   Para: {}",
        source.display(),
        workspace.display()
    );
    w!(o, "📊 Agentes restaurados:");
    // The script runs `ls -1 agents/ || echo ...`.
    match workspace.join("agents").is_dir() {
        true => project::subdirs(&workspace.join("agents"))
            .iter()
            .for_each(|n| w!(o, "{n}")),
        false => w!(o, "   Nenhum agente encontrado"),
    }
    o + "\n🔄 Cache de descoberta limpo\n"
}

pub fn migrate(ctx: &Ctx, args: &Args) -> String {
    let config = Config::load(ctx.cwd);
    let source = match (args.get("--migrate-from"), &config) {
        (Some(from), _) => from.to_string(),
        (None, Ok(cfg)) => cfg.storage_type.clone(),
        (None, Err(e)) => return format!("❌ Erro ao executar migração: {e}\n"),
    };
    let dest = args.get("--migrate-to").unwrap_or_default();
    let mut o = format!("🔄 Migrando agentes: {source} → {dest}\n{SEP50}\n");
    if missing_script(ctx, "helpers/sync_engine.py", "sincronização", &mut o) {
        return o;
    }
    w!(
        o,
        "{SEP60}\n🔄 Iniciando migração: {source} → {dest}\n{SEP60}"
    );
    let failed = "❌ Erro na migração (código: 1)\n";
    let cfg = match config {
        Ok(cfg) if source != "mongodb" && dest != "mongodb" => cfg,
        Ok(_) if ctx.env.mongo_uri.is_none() => return o + NO_MONGO + failed,
        // The double has no MongoDB client; never echo the URI, it may hold credentials.
        Ok(_) => {
            return o + "❌ Falha ao conectar ao MongoDB (não suportado pelo double)\n" + failed;
        }
        Err(e) => return format!("{o}❌ {e}\n{failed}"),
    };
    let started = Instant::now();
    let from = cfg.agents_dir(ctx.cwd);
    let to = args
        .set("--path")
        .map_or(from.clone(), |p| ctx.cwd.join(p).join("agents"));
    let agents = project::discover(&from);
    let names: Vec<String> = agents.iter().map(|a| repr(&a.id)).collect();
    w!(
        o,
        "🔄 Iniciando migração de agentes...\n📊 Descobrindo agentes..."
    );
    w!(
        o,
        "   ✓ Encontrados {} agentes: [{}]",
        agents.len(),
        names.join(", ")
    );
    w!(o, "\n📦 Transferindo dados:");
    let mut files = 0;
    for agent in &agents {
        w!(o, "   🤖 {}", agent.id);
        // History stays behind, as in the real sync engine.
        for file in AGENT_FILES.iter().filter(|f| **f != "history.log") {
            let Ok(meta) = fs::metadata(agent.dir.join(file)) else {
                continue;
            };
            let target = to.join(&agent.id);
            let copied = match target == agent.dir {
                true => Ok(0),
                false => fs::create_dir_all(&target)
                    .and_then(|()| fs::copy(agent.dir.join(file), target.join(file))),
            };
            if let Err(e) = copied {
                return format!("{o}❌ Erro na migração: {e}\n{failed}");
            }
            w!(o, "      ✓ {file} ({}B) → destino", thousands(meta.len()));
            files += 1;
        }
    }
    w!(o, "\n✅ Migração concluída!");
    w!(
        o,
        "   📈 {} agentes, {files} arquivos transferidos",
        agents.len()
    );
    w!(
        o,
        "   ⏱️  Tempo total: {:.1}s",
        started.elapsed().as_secs_f64()
    );
    match args.flag("--no-config-update") {
        true => w!(o, "🔒 Configuração preservada (--no-config-update)"),
        false => w!(o, "📝 Configuração atualizada: storage.type = {dest}"),
    }
    o + "\n🎉 Processo concluído com sucesso!\n"
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
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{year:04}{month:02}{day:02}_{h:02}{m:02}{s:02}")
}
