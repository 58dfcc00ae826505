//! The commands that copy agents: `--install` (templates into the workspace), `--backup`,
//! `--restore` and `--migrate-to`, returning what the real CLI prints (transcript blocks
//! [5]–[7], [21]–[26]). The shell scripts and sync engine the CLI calls are emulated in-process.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::{SEP50, SEP60};
use crate::args::Args;
use crate::cli::Ctx;
use crate::project::{self, AGENT_FILES, Agent, Config, ConfigError};
use crate::pytext::repr;

const INSTALL_HINT: &str = "\n💡 Para instalar:\n   conductor --install <categoria>\n   conductor --install <agent_name>\n";
const NO_MONGO: &str = "⚠️  MongoDB não configurado!\n📖 Configure MONGO_URI no seu arquivo .env\n🔗 Documentação: https://docs.conductor.dev/mongodb-setup\n";

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

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
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

/// Why a backup or restore stopped, worded as the CLI's scripts say it.
#[derive(Debug, thiserror::Error)]
enum TransferError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("HOME não definido")]
    NoHome,
    #[error("diretório não encontrado: {}", .0.display())]
    NoWorkspace(PathBuf),
    #[error("Backup não encontrado em: {}", .0.display())]
    NoBackup(PathBuf),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// `--path` (against the cwd) if given, else `$HOME/conductor_backup/.conductor_workspace`.
fn backup_dir(ctx: &Ctx, args: &Args) -> Result<PathBuf, TransferError> {
    match (args.set("--path"), &ctx.env.home) {
        (Some(path), _) => Ok(ctx.cwd.join(path)),
        (None, Some(home)) => Ok(home.join("conductor_backup/.conductor_workspace")),
        (None, None) => Err(TransferError::NoHome),
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
    let done = (|| -> Result<(PathBuf, PathBuf), TransferError> {
        let workspace = Config::load(ctx.cwd)?.workspace(ctx.cwd);
        let dest = backup_dir(ctx, args)?;
        if !workspace.is_dir() {
            return Err(TransferError::NoWorkspace(workspace));
        }
        let snapshots = dest.parent().unwrap_or(&dest).join("snapshots");
        let snapshot = snapshots.join(format!("backup_{stamp}"));
        copy_tree(&workspace, &dest)?;
        copy_tree(&workspace, &snapshot)?;
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
    let done = (|| -> Result<(PathBuf, PathBuf), TransferError> {
        let workspace = Config::load(ctx.cwd)?.workspace(ctx.cwd);
        let source = backup_dir(ctx, args)?;
        if !source.is_dir() {
            return Err(TransferError::NoBackup(source));
        }
        copy_tree(&source, &workspace)?;
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
fn utc_stamp(t: SystemTime) -> String {
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
