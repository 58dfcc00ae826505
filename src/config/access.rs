//! Who may call: `auth.*` (API keys, their scopes, open mode) and `agent.*`
//! (what the LLM agent may run without a person's approval).

use serde::{Deserialize, Serialize};

use super::secret::{Secret, lenient_opt_string};

/// `auth.*`: API keys (none configured: the gateway runs open).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    pub api_keys: Vec<ApiKeySetting>,
    /// Whether `/metrics` needs a key.
    pub protect_metrics: bool,
    /// Allows serving a non-loopback address without keys (anyone who can
    /// reach the port can then run agents).
    pub allow_open: bool,
}

/// What the agent does when the model asks for a destructive tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DestructivePolicy {
    /// A person approves or denies each call (the job waits).
    #[default]
    Approve,
    /// Never: the model is told to ask the user to run it directly.
    Deny,
    /// Run it like any other tool.
    Allow,
}

/// `agent.*`: what the LLM agent may do on its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentSettings {
    pub destructive_tools: DestructivePolicy,
    /// Seconds an approval request waits for an answer; no answer is a denial.
    pub approval_timeout_secs: u64,
}

impl Default for AgentSettings {
    fn default() -> Self {
        Self {
            destructive_tools: DestructivePolicy::Approve,
            approval_timeout_secs: 300,
        }
    }
}

/// One API key and the scopes it grants.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySetting {
    pub key: Secret,
    #[serde(default)]
    #[serde(deserialize_with = "lenient_opt_string")]
    pub name: Option<String>,
    #[serde(default = "all_scopes")]
    pub scopes: Vec<String>,
}

/// The principal of a gateway without keys; no key may take its name.
pub const ANONYMOUS: &str = "anonymous";

impl ApiKeySetting {
    /// The name jobs and logs know this key by: its configured name, or
    /// `key-` and 8 bytes of the key's SHA-256 digest.
    pub fn principal_name(&self) -> String {
        use sha2::{Digest, Sha256};
        if let Some(name) = &self.name {
            return name.clone();
        }
        let digest = Sha256::digest(self.key.expose().as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("key-{hex}")
    }
}

/// Whether `host` (an address or `localhost`) is a loopback one.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn all_scopes() -> Vec<String> {
    vec!["read".into(), "run".into(), "admin".into()]
}
