//! Agent runs (`--agent A --input M`): header, log lines, the fake provider call (with the
//! slow/timeout/failure/huge/setsid modes), the text or JSON result, history and session files, and
//! the `--interactive` stdin read. Output follows transcript blocks [8]–[11] and [28].

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::args::Args;
use super::cli::Ctx;
use super::commands::similar_agents;
use super::modes::{filler, leave_detached};
use super::project::{self, Agent, Config};
use super::pytext::{Json, escape_byte, put};

const SEP50: &str = "==================================================";
const DASH50: &str = "--------------------------------------------------";
/// What the CLI's executor uses when `--timeout` is 0.
const DEFAULT_TIMEOUT: i64 = 120;

/// A run's outcome, shaped like the CLI's `TaskResultDTO`.
struct TaskResult {
    output: String,
    /// `None` for errors raised before the executor existed (`metadata: {}`).
    agent_id: Option<String>,
    success: Option<Success>,
}

struct Success {
    task_id: String,
    timestamp: f64,
    conversation_count: i64,
}

pub fn execute(ctx: &mut Ctx, args: &Args, agent_id: &str) -> io::Result<i32> {
    let mut o = String::new();
    let interactive = args.flag("--interactive");
    let input = args.set("--input").unwrap_or_default();
    let usage_error = match (input.is_empty(), interactive) {
        (true, false) => Some(NEEDS_INPUT),
        (_, true) if !args.chat() => Some(NEEDS_CHAT),
        _ => None,
    };
    if let Some(text) = usage_error {
        o.push_str(text);
        return emit(ctx, &mut o).map(|()| 0);
    }
    // The real CLI echoes undecodable argv bytes verbatim; `nonutf8` makes sure there is one.
    let input = match ctx.env.modes.nonutf8 && !input.is_empty() {
        true => format!("{input}{}", escape_byte(0xFF)),
        false => input.to_string(),
    };
    let simulate = args.flag("--simulate");
    let mode = match (simulate, args.chat()) {
        (true, _) => "🎭 Modo simulação",
        (false, true) => "💬 Modo contextual (com histórico)",
        (false, false) => "⚡ Modo isolado (sem histórico)",
    };
    w!(o, "🤖 Executando {agent_id}\n📋 {mode}");
    if let Some(project) = args.set("--project") {
        w!(o, "🏗️ Projeto: {project}");
    }
    if let Some(environment) = args.set("--environment") {
        w!(o, "🌐 Ambiente: {environment}");
    }
    if args.flag("--meta") {
        w!(o, "🔧 Meta-agent ativo");
    }
    w!(o, "{SEP50}");
    let agents_dir = match Config::load(ctx.cwd) {
        Ok(cfg) => cfg.agents_dir(ctx.cwd),
        Err(e) => {
            w!(o, "❌ Erro fatal: {e}");
            return emit(ctx, &mut o).map(|()| 0);
        }
    };
    let ready = format!("✅ ConductorCLI inicializado para agente: {agent_id}\n");
    if args.flag("--clear") {
        o.push_str(&ready);
        if clear_history(&agents_dir, agent_id) {
            log(
                &mut o,
                1,
                &format!("Cleared conversation history for agent {agent_id}"),
            );
            w!(o, "🗑️ Histórico limpo");
        } else {
            w!(o, "⚠️ Não foi possível limpar o histórico");
        }
    }
    o.push_str(&ready);
    let Some(agent) = Agent::load(&agents_dir, agent_id) else {
        w!(o, "❌ Agente '{agent_id}' não encontrado");
        let similar = similar_agents(&agents_dir, agent_id);
        if !similar.is_empty() {
            w!(o, "💡 Agentes similares: {}", similar.join(", "));
        }
        w!(o, "📋 Use 'conductor --list' para ver todos os agentes");
        return emit(ctx, &mut o).map(|()| 0);
    };
    let history = project::history(&agent.dir);
    if args.chat() {
        w!(o, "📚 Histórico: {} interações anteriores", history.len());
    }
    if !input.is_empty() {
        w!(o, "📝 Input: {input}\n{DASH50}");
        let history = if args.chat() { history } else { Vec::new() };
        let result = run_task(ctx, &mut o, args, &agent, &input, &history)?;
        if args.json() {
            w!(o, "{}", payload(&result, &agent.id, &input).dumps(false));
        } else {
            let error = if result.success.is_some() {
                ""
            } else {
                "❌ Erro: "
            };
            w!(
                o,
                "🤖 Resposta:\n{SEP50}\n{error}{}\n{SEP50}",
                result.output
            );
        }
        match (simulate, args.chat()) {
            (true, _) => w!(o, "🎭 Simulação concluída (sem chamada real à IA)"),
            (false, true) => w!(o, "✅ Resposta adicionada ao histórico"),
            (false, false) => w!(o, "⚡ Execução isolada concluída"),
        }
    }
    if interactive {
        w!(
            o,
            "\n🎮 Entrando no modo interativo...\n💡 Digite 'exit' para sair"
        );
        emit(ctx, &mut o)?;
        // prompt_toolkit without a tty warns and reads stdin to EOF: an open pipe blocks.
        writeln!(ctx.err, "Warning: Input is not a terminal (fd=0).")?;
        io::copy(ctx.stdin, &mut io::sink())?;
    }
    emit(ctx, &mut o).map(|()| 0)
}

const NEEDS_INPUT: &str = "❌ Erro: Especifique --input ou --interactive\n💡 Exemplos:\n   conductor --agent MyAgent --input 'sua mensagem'\n   conductor --agent MyAgent --chat --interactive\n";
const NEEDS_CHAT: &str = "❌ Erro: --interactive requer --chat\n💡 Use: conductor --agent MyAgent --chat --interactive\n";

/// Writes and flushes what `o` holds, as the CLI's log records flush stdout.
fn emit(ctx: &mut Ctx, o: &mut String) -> io::Result<()> {
    put(ctx.out, o)?;
    o.clear();
    ctx.out.flush()
}

/// Truncates history.log; like the CLI it creates the agent directory if missing.
fn clear_history(agents_dir: &Path, agent_id: &str) -> bool {
    if agent_id.contains('/') || agent_id == "." || agent_id == ".." {
        return false;
    }
    let dir = agents_dir.join(agent_id);
    fs::create_dir_all(&dir)
        .and_then(|()| fs::File::create(dir.join("history.log")))
        .is_ok()
}

/// One log record as the CLI's stdout JSON handler prints it (ASCII-escaped), once per handler.
fn log(o: &mut String, handlers: usize, message: &str) {
    let line = Json::Obj(vec![("message", Json::str(message))]).dumps(true);
    (0..handlers).for_each(|_| w!(o, "{line}"));
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn run_task(
    ctx: &mut Ctx,
    o: &mut String,
    args: &Args,
    agent: &Agent,
    input: &str,
    history: &[String],
) -> io::Result<TaskResult> {
    let fail = |output: String, agent_id| TaskResult {
        output,
        agent_id,
        success: None,
    };
    // Each ConductorCLI adds one stdout log handler, so `--clear` doubles every log line.
    let handlers = if args.flag("--clear") { 2 } else { 1 };
    // Loading the definition raises KeyError on the first missing required key.
    let required = ["name", "version", "schema_version", "description", "author"];
    if let Some(key) = required.iter().find(|k| !agent.has(k)) {
        return Ok(fail(format!("'{key}'"), None));
    }
    let session = read_json(&agent.dir.join("session.json"));
    write_session(&agent.dir, &session, None)?;
    let timeout = match args.timeout() {
        0 => DEFAULT_TIMEOUT,
        t => t,
    };
    let client = format!("🐳 Creating Claude CLI client with timeout: {timeout}s, admin: True");
    log(o, handlers, &client);
    let persona_path = agent.dir.join(
        agent
            .text("persona_prompt_path")
            .unwrap_or("persona.md".into()),
    );
    let Ok(persona) = fs::read_to_string(&persona_path) else {
        return Ok(fail(
            format!("Persona file not found: {}", persona_path.display()),
            None,
        ));
    };
    let chars = build_prompt(agent, &persona, history, input)
        .chars()
        .count();
    log(
        o,
        handlers,
        &format!("Prompt XML final construído com sucesso ({chars} chars)."),
    );
    // Log records flush stdout: the header is out before the provider call.
    emit(ctx, o)?;
    let agent_id = Some(agent.id.clone());
    let answer = match provider(ctx, input, timeout) {
        Ok(answer) => answer,
        Err(ProviderError::Timeout) => {
            log(
                o,
                handlers,
                &format!("Claude CLI timed out after {timeout} seconds"),
            );
            let msg = "Complex operations may need more time.";
            let msg = format!("Claude CLI timed out after {timeout} seconds. {msg}");
            return Ok(fail(msg, agent_id));
        }
        Err(ProviderError::Failed(stderr)) => {
            let failed = format!("Claude CLI failed: {stderr}");
            log(o, handlers, &failed);
            log(o, handlers, &format!("Claude CLI error: {failed}"));
            return Ok(fail(format!("Claude CLI error: {failed}"), agent_id));
        }
    };
    let count = session
        .as_ref()
        .and_then(|s| s["state"]["conversation_count"].as_i64());
    let success = Success {
        task_id: uuid::Uuid::new_v4().to_string(),
        timestamp: now(),
        conversation_count: count.unwrap_or(0) + 1,
    };
    if args.chat() {
        persist(&agent.dir, &session, &success, &agent.id, input, &answer)?;
    }
    Ok(TaskResult {
        output: answer,
        agent_id,
        success: Some(success),
    })
}

enum ProviderError {
    Timeout,
    Failed(String),
}

/// The fake provider: the CLI's documented stub answer, after the `slow` delay (bounded by
/// the timeout, as the CLI kills a provider that overruns it). In `setsid` mode the provider
/// leaves a detached process behind first.
fn provider(ctx: &Ctx, input: &str, timeout: i64) -> Result<String, ProviderError> {
    let modes = &ctx.env.modes;
    if modes.setsid {
        leave_detached(ctx.env);
    }
    let delay = if modes.slow {
        ctx.env.delay
    } else {
        Duration::ZERO
    };
    // A negative timeout expires at once in Python's subprocess.
    let limit = Duration::from_secs(u64::try_from(timeout).unwrap_or(0));
    if timeout < 0 || delay > limit {
        sleep(limit);
        return Err(ProviderError::Timeout);
    }
    sleep(delay);
    if modes.provider_error {
        return Err(ProviderError::Failed("simulated provider failure".into()));
    }
    if modes.huge {
        return Ok(filler(ctx.env.huge_bytes, false));
    }
    Ok(format!(
        "Resposta simulada para o prompt: {}...",
        input.chars().take(100).collect::<String>()
    ))
}

/// The XML prompt the CLI would send (only its length is reported).
fn build_prompt(agent: &Agent, persona: &str, history: &[String], input: &str) -> String {
    let instructions = agent
        .text("prompt")
        .or_else(|| agent.text("instructions"))
        .or_else(|| agent.text("description"));
    let playbook = fs::read_to_string(agent.dir.join("playbook.yaml")).unwrap_or_default();
    let turns: String = history
        .iter()
        .rev()
        .take(100)
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|turn| {
            let text = |k: &str| turn[k].as_str().unwrap_or_default().to_string();
            format!("    <turn>\n      <user><![CDATA[{}]]></user>\n      <assistant><![CDATA[{}]]></assistant>\n    </turn>\n", text("user_input"), text("summary"))
        })
        .collect();
    format!(
        "<prompt>\n  <system_context>\n    <persona><![CDATA[{persona}]]></persona>\n    <instructions><![CDATA[{}]]></instructions>\n    <playbook><![CDATA[{playbook}]]></playbook>\n  </system_context>\n  <conversation_history>\n{turns}  </conversation_history>\n  <user_request><![CDATA[{input}]]></user_request>\n</prompt>",
        instructions.unwrap_or_default()
    )
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

/// session.json: written on every run; the conversation fields only after a saved chat turn.
fn write_session(
    dir: &Path,
    old: &Option<serde_json::Value>,
    turn: Option<&Success>,
) -> io::Result<()> {
    let old_state = old.as_ref().map(|s| s["state"].clone()).unwrap_or_default();
    let mut state = vec![("agent_home_path", Json::str(dir.to_string_lossy()))];
    let last_task = turn
        .map(|t| Json::str(&t.task_id))
        .or_else(|| old_state["last_task_id"].as_str().map(Json::str));
    let last_at = turn
        .map(|t| t.timestamp)
        .or_else(|| old_state["last_interaction"].as_f64());
    let count = turn
        .map(|t| t.conversation_count)
        .or_else(|| old_state["conversation_count"].as_i64());
    if let (Some(task), Some(at), Some(count)) = (last_task, last_at, count) {
        state.extend([
            ("last_task_id", task),
            ("last_interaction", Json::Float(at)),
            ("conversation_count", Json::Int(count)),
        ]);
    }
    let session = Json::Obj(vec![
        ("current_task_id", Json::Null),
        ("state", Json::Obj(state)),
    ]);
    fs::write(dir.join("session.json"), session.dumps(false))
}

/// A successful `--chat` turn: session, knowledge and one history.log line.
fn persist(
    dir: &Path,
    session: &Option<serde_json::Value>,
    turn: &Success,
    agent_id: &str,
    input: &str,
    answer: &str,
) -> io::Result<()> {
    write_session(dir, session, Some(turn))?;
    let knowledge = Json::Obj(vec![("artifacts", knowledge_entry(turn, input))]);
    fs::write(dir.join("knowledge.json"), knowledge.dumps(false))?;
    let summary: String = answer.chars().take(200).collect();
    let entry = Json::Obj(vec![
        ("_id", Json::str(uuid::Uuid::new_v4().to_string())),
        ("agent_id", Json::str(agent_id)),
        ("task_id", Json::str(&turn.task_id)),
        ("status", Json::str("success")),
        // This CLI version always appends "..." and records a fixed output_length.
        ("summary", Json::Str(summary + "...")),
        ("git_commit_hash", Json::str("")),
        ("timestamp", Json::Float(turn.timestamp)),
        ("user_input", Json::str(input)),
        ("output_length", Json::Int(100)),
    ]);
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("history.log"))?;
    file.write_all((entry.dumps(true) + "\n").as_bytes())
}

fn knowledge_entry(turn: &Success, input: &str) -> Json {
    Json::Obj(vec![(
        "last_task_execution",
        Json::Obj(vec![
            ("task_id", Json::str(&turn.task_id)),
            ("timestamp", Json::Float(turn.timestamp)),
            (
                "user_input_summary",
                Json::Str(input.chars().take(100).collect()),
            ),
        ]),
    )])
}

/// The `--output json` line: `TaskResultDTO` fields in the CLI's order, raw UTF-8.
fn payload(result: &TaskResult, agent_id: &str, input: &str) -> Json {
    let Some(turn) = &result.success else {
        let metadata = result
            .agent_id
            .as_ref()
            .map(|id| vec![("agent_id", Json::str(id))])
            .unwrap_or_default();
        return Json::Obj(vec![
            ("status", Json::str("error")),
            ("output", Json::str(&result.output)),
            ("metadata", Json::Obj(metadata)),
            ("updated_session", Json::Null),
            ("updated_knowledge", Json::Null),
            ("history_entry", Json::Null),
        ]);
    };
    let task_id = || Json::str(&turn.task_id);
    Json::Obj(vec![
        ("status", Json::str("success")),
        ("output", Json::str(&result.output)),
        (
            "metadata",
            Json::Obj(vec![
                ("agent_id", Json::str(agent_id)),
                ("task_id", task_id()),
            ]),
        ),
        (
            "updated_session",
            Json::Obj(vec![
                ("last_task_id", task_id()),
                ("last_interaction", Json::Float(turn.timestamp)),
                ("conversation_count", Json::Int(turn.conversation_count)),
            ]),
        ),
        ("updated_knowledge", knowledge_entry(turn, input)),
        (
            "history_entry",
            Json::Obj(vec![
                ("task_id", task_id()),
                ("agent_id", Json::str(agent_id)),
                ("timestamp", Json::Float(turn.timestamp)),
                ("user_input", Json::str(input)),
                ("status", Json::str("success")),
                ("ai_response", Json::str(&result.output)),
                (
                    "output_length",
                    Json::Int(result.output.chars().count() as i64),
                ),
            ]),
        ),
    ])
}
