//! Layered loading: defaults, then `config.yaml`, then environment variables.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Yaml};

use super::access::ApiKeySetting;
use super::secret::Secret;
use super::settings::Settings;

/// The old service's flat environment names and the keys they set.
const FLAT_ENV: &[(&str, &str)] = &[
    ("HOST", "server.host"),
    ("PORT", "server.port"),
    ("MCP_PORT", "server.mcp_port"),
    ("CONDUCTOR_PROJECT_PATH", "conductor.project_path"),
    ("CONDUCTOR_SCRIPTS_PATH", "conductor.scripts_path"),
    ("CONDUCTOR_TIMEOUT", "conductor.timeout"),
    ("OPENAI_API_KEY", "llm.api_key"),
    ("OPENAI_BASE_URL", "llm.base_url"),
    ("LLM_MODEL", "llm.model"),
    ("REDIS_URL", "store.redis_url"),
];

/// Prefix of the nested names (`GATEWAY_SERVER__PORT`).
const NESTED_PREFIX: &str = "GATEWAY_";

/// `GATEWAY_*` variables that are not settings keys and must not be read as such:
/// the flat key list, and the terminal client's URL and key (a shell that exports them for
/// `conductor-gateway run` must still be able to start the server).
const NESTED_IGNORED: &[&str] = &["API_KEYS", "URL", "API_KEY"];

/// Where the configuration came from.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// The file looked at.
    pub path: PathBuf,
    /// Whether it existed (an absent default file is fine).
    pub file_found: bool,
}

/// A configuration that cannot be used, naming the key and where its value came from.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {message}")]
pub struct ConfigError {
    pub message: String,
}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// Loads the settings. `explicit` is `--config`; else `CONFIG_PATH`; else `./config.yaml`.
pub fn load(explicit: Option<&Path>) -> Result<(Settings, ConfigSource), ConfigError> {
    let env_path = std::env::var_os("CONFIG_PATH")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let named = explicit.or(env_path.as_deref());
    let path = named
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("config.yaml"));
    let file_found = path.is_file();
    if named.is_some() && !file_found {
        return Err(ConfigError::new(format!(
            "configuration file {} does not exist",
            path.display()
        )));
    }

    let mut figment = Figment::from(Serialized::defaults(Settings::default()));
    if file_found {
        figment = figment.merge(Yaml::file_exact(&path));
    }
    let flat = Env::raw().filter_map(|key| {
        FLAT_ENV
            .iter()
            .find(|(name, _)| key.as_str().eq_ignore_ascii_case(name))
            .map(|(_, target)| (*target).into())
    });
    let nested = Env::prefixed(NESTED_PREFIX)
        .ignore(NESTED_IGNORED)
        .split("__");
    figment = figment.merge(flat).merge(nested);

    let mut settings: Settings = figment.extract().map_err(|e| describe(e, &path))?;
    if let Some(keys) = std::env::var_os("GATEWAY_API_KEYS") {
        // Keys given this way have every scope, as documented.
        for key in keys
            .to_string_lossy()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            settings.auth.api_keys.push(ApiKeySetting {
                key: Secret::new(key),
                name: None,
                scopes: vec!["read".into(), "run".into(), "admin".into()],
            });
        }
    }
    settings.validate().map_err(|(key, why)| {
        ConfigError::new(format!("{key}: {why} (set {})", sources_of(&key, &path)))
    })?;
    Ok((settings, ConfigSource { path, file_found }))
}

/// Turns figment's errors into lines that name the key and its origin.
fn describe(errors: figment::Error, path: &Path) -> ConfigError {
    let lines: Vec<String> = errors
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let origin = match &e.metadata {
                Some(meta) if meta.name.contains("YAML") => {
                    format!("from file {}", path.display())
                }
                Some(meta) if meta.name.to_lowercase().contains("environment") => {
                    format!("from environment variable {}", env_name_for(&key))
                }
                Some(meta) => format!("from {}", meta.name),
                None => format!("from file {}", path.display()),
            };
            if key.is_empty() {
                format!("{} ({origin})", e.kind)
            } else {
                format!("key `{key}`: {} ({origin})", e.kind)
            }
        })
        .collect();
    ConfigError::new(lines.join("; "))
}

/// The environment variable that sets `key`: a flat name when one exists and is set.
fn env_name_for(key: &str) -> String {
    let nested = format!(
        "{NESTED_PREFIX}{}",
        key.replace('.', "__").to_ascii_uppercase()
    );
    if std::env::var_os(&nested).is_some() {
        return nested;
    }
    FLAT_ENV
        .iter()
        .find(|(name, target)| *target == key && std::env::var_os(name).is_some())
        .map(|(name, _)| (*name).to_string())
        .unwrap_or(nested)
}

/// Where a value for `key` may come from, for validation messages.
fn sources_of(key: &str, path: &Path) -> String {
    let mut names = vec![format!("in {}", path.display())];
    if let Some((flat, _)) = FLAT_ENV.iter().find(|(_, target)| *target == key) {
        names.push((*flat).to_string());
    }
    names.push(format!(
        "{NESTED_PREFIX}{}",
        key.replace('.', "__").to_ascii_uppercase()
    ));
    names.join(" or ")
}

/// Variables a child process inherits from the gateway whatever the
/// configuration says: what a program needs to find its tools, its home and
/// its locale. Everything else (the gateway's keys, tokens, cloud
/// credentials) stays out unless `conductor.pass_env` names it.
const CHILD_ENV: &[&str] = &[
    "PATH", "HOME", "LANG", "TERM", "TZ", "USER", "LOGNAME", "TMPDIR",
];

/// The conductor CLI's environment: the allow-list above and `LC_*`, the
/// names in `conductor.pass_env`, then `conductor.env` (which wins). Names
/// are matched exactly (environment names are case-sensitive), so
/// `gateway_llm__api_key` is not `PATH`'s cousin: it is simply not passed.
pub fn child_env(settings: &Settings) -> std::collections::BTreeMap<String, String> {
    let pass = &settings.conductor.pass_env;
    let mut env: std::collections::BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| {
            CHILD_ENV.contains(&k.as_str()) || k.starts_with("LC_") || pass.iter().any(|p| p == k)
        })
        .collect();
    env.extend(settings.conductor.env.clone());
    env
}

/// Whether `NO_COLOR` asks for output without colours (set and not empty, as
/// no-color.org defines it).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
