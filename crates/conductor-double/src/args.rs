//! The conductor flags parsed with Python argparse semantics (prefixes, ambiguity, `=` values,
//! choices, int conversion, error texts), the dispatch precedence, and the help/usage text.

use std::collections::{BTreeMap, BTreeSet};

use super::pytext::repr;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Flag,
    Help,
    Value,
    Int,
    Choice(&'static [&'static str]),
}

/// One option string; `key` is its action's first name, which stores the value.
struct Opt {
    name: &'static str,
    key: &'static str,
    kind: Kind,
}

const fn opt(name: &'static str, kind: Kind) -> Opt {
    Opt {
        name,
        key: name,
        kind,
    }
}

const fn alias(name: &'static str, key: &'static str, kind: Kind) -> Opt {
    Opt { name, key, kind }
}

const OUTPUTS: &[&str] = &["text", "json"];
const BACKENDS: &[&str] = &["mongodb", "filesystem"];
const LEGACY: &[&str] = &[
    "list-agents",
    "execute",
    "validate-config",
    "info",
    "backup",
    "restore",
    "install",
    "repl",
    "chat",
];

/// In `add_argument` order: argparse lists ambiguous matches in this order.
const OPTS: &[Opt] = &[
    opt("-h", Kind::Help),
    alias("--help", "-h", Kind::Help),
    opt("--agent", Kind::Value),
    opt("--input", Kind::Value),
    opt("--chat", Kind::Flag),
    opt("--history", Kind::Flag),
    opt("--interactive", Kind::Flag),
    opt("--clear", Kind::Flag),
    opt("--simulate", Kind::Flag),
    opt("--timeout", Kind::Int),
    opt("--output", Kind::Choice(OUTPUTS)),
    opt("--project", Kind::Value),
    opt("--environment", Kind::Value),
    opt("--meta", Kind::Flag),
    opt("--new-agent-id", Kind::Value),
    alias("--new-agent", "--new-agent-id", Kind::Value),
    opt("--list", Kind::Flag),
    opt("--info", Kind::Value),
    opt("--validate", Kind::Flag),
    opt("--install", Kind::Value),
    opt("--backup", Kind::Flag),
    opt("--restore", Kind::Flag),
    opt("--migrate-to", Kind::Choice(BACKENDS)),
    opt("--migrate-from", Kind::Choice(BACKENDS)),
    opt("--no-config-update", Kind::Flag),
    opt("--path", Kind::Value),
];

/// argparse's name for an action in error messages: all its option strings.
fn shown(o: &Opt) -> String {
    let names: Vec<&str> = OPTS
        .iter()
        .filter(|p| p.key == o.key)
        .map(|p| p.name)
        .collect();
    names.join("/")
}

/// The parsed namespace, keyed by option name. Values may carry escaped raw bytes (`pytext`).
#[derive(Debug, Default, PartialEq)]
pub struct Args {
    values: BTreeMap<&'static str, String>,
    flags: BTreeSet<&'static str>,
    /// A legacy subcommand; what follows it belongs to its sub-parser and is not kept.
    pub command: Option<String>,
}

#[derive(Debug, PartialEq)]
pub enum Parsed {
    Run(Args),
    /// `-h`/`--help`: help on stdout, exit 0.
    Help,
    /// An argparse error: usage plus `conductor: error: <msg>` on stderr, exit 2.
    Error(String),
}

/// What runs, by the CLI's precedence (first match wins, the rest is ignored).
#[derive(Debug, PartialEq)]
pub enum Command {
    List,
    Info(String),
    Validate,
    Install(String),
    Backup,
    Restore,
    Migrate,
    Agent(String),
    Legacy(String),
    Help,
}

impl Args {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The value if Python would find it true: an empty string counts as absent.
    pub fn set(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    pub fn flag(&self, key: &str) -> bool {
        self.flags.contains(key)
    }

    pub fn chat(&self) -> bool {
        self.flag("--chat") || self.flag("--history")
    }

    pub fn json(&self) -> bool {
        self.get("--output") == Some("json")
    }

    pub fn timeout(&self) -> i64 {
        self.get("--timeout").and_then(py_int).unwrap_or(120)
    }

    pub fn command(&self) -> Command {
        let set = |key| self.set(key).map(str::to_string);
        if self.flag("--list") {
            Command::List
        } else if let Some(id) = set("--info") {
            Command::Info(id)
        } else if self.flag("--validate") {
            Command::Validate
        } else if let Some(target) = set("--install") {
            Command::Install(target)
        } else if self.flag("--backup") {
            Command::Backup
        } else if self.flag("--restore") {
            Command::Restore
        } else if self.get("--migrate-to").is_some() {
            Command::Migrate
        } else if let Some(agent) = set("--agent") {
            Command::Agent(agent)
        } else if let Some(name) = self.command.clone() {
            Command::Legacy(name)
        } else {
            Command::Help
        }
    }
}

enum Tok {
    Pos,
    DashDash,
    Opt(Option<usize>, Option<String>),
}

pub fn parse(argv: &[String]) -> Parsed {
    // First pass, like argparse: classify every string; an ambiguous prefix fails right here.
    let mut toks = Vec::with_capacity(argv.len());
    for a in argv {
        let tok = if toks.iter().any(|t| matches!(t, Tok::DashDash)) {
            Tok::Pos
        } else if a == "--" {
            Tok::DashDash
        } else {
            match classify(a) {
                Ok(tok) => tok,
                Err(ambiguous) => return Parsed::Error(ambiguous.to_string()),
            }
        };
        toks.push(tok);
    }
    let mut args = Args::default();
    let mut extras: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let (o, explicit) = match &toks[i] {
            Tok::DashDash => {
                i += 1;
                continue;
            }
            Tok::Pos if LEGACY.contains(&argv[i].as_str()) => {
                args.command = Some(argv[i].clone());
                break;
            }
            Tok::Pos => {
                let choices: Vec<String> = LEGACY.iter().map(|c| repr(c)).collect();
                let (bad, listed) = (repr(&argv[i]), choices.join(", "));
                let msg = format!("invalid choice: {bad} (choose from {listed})");
                return Parsed::Error(format!("argument command: {msg}"));
            }
            Tok::Opt(None, _) => {
                extras.push(&argv[i]);
                i += 1;
                continue;
            }
            Tok::Opt(Some(k), explicit) => (&OPTS[*k], explicit.clone()),
        };
        i += 1;
        let fail = |msg: String| Parsed::Error(format!("argument {}: {msg}", shown(o)));
        if matches!(o.kind, Kind::Flag | Kind::Help) {
            match explicit {
                Some(e) => return fail(format!("ignored explicit argument {}", repr(&e))),
                None if o.kind == Kind::Help => return Parsed::Help,
                None => args.flags.insert(o.key),
            };
            continue;
        }
        let value = match explicit {
            Some(e) => e,
            None => {
                // nargs=None matches `-*A-*`: `--` markers around the value are dropped.
                let skip = |mut j: usize| {
                    while matches!(toks.get(j), Some(Tok::DashDash)) {
                        j += 1;
                    }
                    j
                };
                let j = skip(i);
                if !matches!(toks.get(j), Some(Tok::Pos)) {
                    return fail("expected one argument".into());
                }
                i = skip(j + 1);
                argv[j].clone()
            }
        };
        match o.kind {
            Kind::Int if py_int(&value).is_none() => {
                return fail(format!("invalid int value: {}", repr(&value)));
            }
            Kind::Choice(choices) if !choices.contains(&value.as_str()) => {
                let listed: Vec<String> = choices.iter().map(|c| repr(c)).collect();
                let (bad, listed) = (repr(&value), listed.join(", "));
                return fail(format!("invalid choice: {bad} (choose from {listed})"));
            }
            _ => args.values.insert(o.key, value),
        };
    }
    if !extras.is_empty() {
        return Parsed::Error(format!("unrecognized arguments: {}", extras.join(" ")));
    }
    Parsed::Run(args)
}

/// An abbreviation that matches several options, worded as argparse says it.
#[derive(Debug, thiserror::Error)]
#[error("ambiguous option: {option} could match {names}")]
struct Ambiguous {
    option: String,
    names: String,
}

/// argparse's `_parse_optional`: is this string a positional, a known option, or an unknown one?
fn classify(a: &str) -> Result<Tok, Ambiguous> {
    if !a.starts_with('-') || a == "-" {
        return Ok(Tok::Pos);
    }
    let exact = |name: &str| OPTS.iter().position(|o| o.name == name);
    if let Some(k) = exact(a) {
        return Ok(Tok::Opt(Some(k), None));
    }
    if let Some((name, value)) = a.split_once('=')
        && let Some(k) = exact(name)
    {
        return Ok(Tok::Opt(Some(k), Some(value.to_string())));
    }
    let matches = prefix_matches(a);
    if matches.len() > 1 {
        let names: Vec<&str> = matches.iter().map(|(k, _)| OPTS[*k].name).collect();
        return Err(Ambiguous {
            option: a.to_string(),
            names: names.join(", "),
        });
    }
    if let Some((k, explicit)) = matches.into_iter().next() {
        return Ok(Tok::Opt(Some(k), explicit));
    }
    // No option looks like a negative number, so `-5` or `-.5` is a value, as is `-x y`.
    if is_negative_number(a) || a.contains(' ') {
        return Ok(Tok::Pos);
    }
    Ok(Tok::Opt(None, None))
}

fn prefix_matches(a: &str) -> Vec<(usize, Option<String>)> {
    let hits = OPTS.iter().enumerate();
    if a.starts_with("--") {
        let (prefix, explicit) = match a.split_once('=') {
            Some((p, v)) => (p, Some(v.to_string())),
            None => (a, None),
        };
        let hits = hits.filter(|(_, o)| o.name.starts_with(prefix));
        return hits.map(|(k, _)| (k, explicit.clone())).collect();
    }
    // Single dash: `-hX` is `-h` with the explicit argument `X`.
    let cut = a.char_indices().nth(2).map_or(a.len(), |(i, _)| i);
    let (short, rest) = a.split_at(cut);
    let hit = |(k, o): (usize, &Opt)| match o.name == short {
        true => Some((k, Some(rest.to_string()))),
        false => o.name.starts_with(a).then_some((k, None)),
    };
    hits.filter_map(hit).collect()
}

fn is_negative_number(a: &str) -> bool {
    let Some(body) = a.strip_prefix('-') else {
        return false;
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match body.split_once('.') {
        None => !body.is_empty() && digits(body),
        Some((int, frac)) => digits(int) && !frac.is_empty() && digits(frac),
    }
}

/// Python's `int(str)`: surrounding whitespace, a sign, and single `_` between digits.
fn py_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let bad_underscore = digits.starts_with('_') || digits.ends_with('_') || digits.contains("__");
    if digits.is_empty() || bad_underscore {
        return None;
    }
    let mut n: i64 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        // Python ints are unbounded; a saturated timeout behaves the same in practice.
        n = n
            .saturating_mul(10)
            .saturating_add(i64::from(c.to_digit(10)?));
    }
    Some(if neg { -n } else { n })
}

pub const USAGE: &str = "\
usage: conductor [-h] [--agent AGENT] [--input INPUT] [--chat] [--history]
                 [--interactive] [--clear] [--simulate] [--timeout TIMEOUT]
                 [--output {text,json}] [--project PROJECT]
                 [--environment ENVIRONMENT] [--meta]
                 [--new-agent-id NEW_AGENT_ID] [--list] [--info INFO]
                 [--validate] [--install INSTALL] [--backup] [--restore]
                 [--migrate-to {mongodb,filesystem}]
                 [--migrate-from {mongodb,filesystem}] [--no-config-update]
                 [--path PATH]
                 {list-agents,execute,validate-config,info,backup,restore,install,repl,chat}
                 ...
";

/// Transcript block [27] up to `--output`; the fixture stops there, so the remaining option
/// lines follow argparse's layout with the help strings of the upstream parser.
const HELP_BODY: &str = "
Conductor - AI-Powered Orchestration Framework

positional arguments:
  {list-agents,execute,validate-config,info,backup,restore,install,repl,chat}
                        Legacy commands (deprecated)
    list-agents         [DEPRECATED] Use --list instead
    execute             [DEPRECATED] Use --agent --input instead
    validate-config     [DEPRECATED] Use --validate instead
    info                [DEPRECATED] Use --info <agent> instead
    backup              [DEPRECATED] Use --backup instead
    restore             [DEPRECATED] Use --restore instead
    install             [DEPRECATED] Use --install instead
    repl                [DEPRECATED] Use --agent --chat --interactive instead
    chat                [DEPRECATED] Use --agent --chat --input instead

options:
  -h, --help            show this help message and exit
  --agent AGENT         Agent ID to interact with
  --input INPUT         Message to send to the agent
  --chat                Enable contextual mode (loads and saves conversation
                        history)
  --history             Alias for --chat (contextual mode with history)
  --interactive         Enter REPL mode after response (requires --chat)
  --clear               Clear conversation history before execution
  --simulate            Simulation mode (no real AI calls)
  --timeout TIMEOUT     Timeout in seconds for AI operations
  --output {text,json}  Output format (text or json). When json, prints
                        TaskResultDTO as JSON
  --project PROJECT     Project context
  --environment ENVIRONMENT
                        Environment context (dev, prod, etc.)
  --meta                Meta-agent mode (for framework management)
  --new-agent-id NEW_AGENT_ID, --new-agent NEW_AGENT_ID
                        ID for new agent creation (meta mode)
  --list                List all available agents
  --info INFO           Show detailed information about an agent
  --validate            Validate system configuration
  --install INSTALL     Install agent templates (category name or --list)
  --backup              Backup agents to persistent storage
  --restore             Restore agents from persistent storage
  --migrate-to {mongodb,filesystem}
                        Migrate agents to another storage backend
  --migrate-from {mongodb,filesystem}
                        Source storage backend (default: current config)
  --no-config-update    Do not update config.yaml after migration
  --path PATH           Custom path for backup, restore or migration

Examples:
  # Stateless execution (fast, no history)
  conductor --agent MyAgent --input \"Analyze this code\"

  # Contextual chat (with history)
  conductor --agent MyAgent --chat --input \"Continue the analysis\"

  # Direct REPL (no initial message)
  conductor --agent MyAgent --chat --interactive

  # System operations
  conductor --list                              # List all agents
  conductor --info MyAgent                      # Agent information
  conductor --validate                          # Validate system
  conductor --install web_development           # Install templates
";

pub fn help() -> String {
    format!("{USAGE}{HELP_BODY}")
}
