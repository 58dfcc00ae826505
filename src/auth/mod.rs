//! API keys and scopes: who is calling and what they may do.
//!
//! Keys are kept only as SHA-256 digests and compared in constant time. With
//! no key configured the gateway runs open, as the old service did: every
//! caller is the anonymous principal with every scope.

use std::sync::{Arc, LazyLock};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::AuthSettings;

/// What a caller must be allowed to do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read-only queries.
    Read,
    /// Runs agents.
    Run,
    /// Changes or copies stored agents.
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Run => "run",
            Scope::Admin => "admin",
        }
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u8);

impl Scopes {
    pub const ALL: Scopes = Scopes(0b111);

    /// The set as bits (read 1, run 2, admin 4).
    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn from_bits(bits: u8) -> Self {
        Scopes(bits & Self::ALL.0)
    }

    fn bit(scope: Scope) -> u8 {
        match scope {
            Scope::Read => 1,
            Scope::Run => 2,
            Scope::Admin => 4,
        }
    }

    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = Scopes(0);
        for name in names {
            match name {
                "read" => set.0 |= Self::bit(Scope::Read),
                "run" => set.0 |= Self::bit(Scope::Run),
                "admin" => set.0 |= Self::bit(Scope::Admin),
                _ => {}
            }
        }
        set
    }

    pub fn allows(self, scope: Scope) -> bool {
        self.0 & Self::bit(scope) != 0
    }

    pub fn names(self) -> Vec<&'static str> {
        [Scope::Read, Scope::Run, Scope::Admin]
            .into_iter()
            .filter(|s| self.allows(*s))
            .map(Scope::as_str)
            .collect()
    }
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The key's configured name (unique: duplicates are refused at start-up),
    /// or a digest prefix of the key; `anonymous` when the gateway is open.
    pub name: Arc<str>,
    pub scopes: Scopes,
}

/// The one owner of everything in a gateway without keys.
pub use crate::config::ANONYMOUS;

impl Principal {
    pub fn anonymous() -> Self {
        static NAME: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(ANONYMOUS));
        Self {
            name: NAME.clone(),
            scopes: Scopes::ALL,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        &*self.name == ANONYMOUS
    }

    /// Admins see and cancel every principal's jobs; others only their own.
    pub fn sees_all(&self) -> bool {
        self.scopes.allows(Scope::Admin)
    }

    /// Whether this principal may see what `owner` created.
    pub fn may_see(&self, owner: &str) -> bool {
        self.sees_all() || &*self.name == owner
    }

    /// Ok, or why a 403: the missing scope and the ones the key has.
    pub fn require(&self, scope: Scope) -> Result<(), MissingScope> {
        if self.scopes.allows(scope) {
            Ok(())
        } else {
            Err(MissingScope {
                needed: scope,
                has: self.scopes.names().join(", "),
            })
        }
    }
}

/// A key without the scope an operation needs (a 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this API key lacks the '{}' scope (it has: {has})", needed.as_str())]
pub struct MissingScope {
    pub needed: Scope,
    pub has: String,
}

struct Key {
    digest: [u8; 32],
    principal: Principal,
}

/// Checks presented keys against the configured ones.
pub struct Authenticator {
    keys: Vec<Key>,
}

/// Why a request was not authenticated (401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("an API key is required (Authorization: Bearer <key> or X-API-Key)")]
    Missing,
    #[error("the API key is not valid")]
    Invalid,
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl Authenticator {
    pub fn new(settings: &AuthSettings) -> Self {
        let keys = settings
            .api_keys
            .iter()
            .map(|k| {
                let digest = digest(k.key.expose());
                let name = k.principal_name();
                Key {
                    digest,
                    principal: Principal {
                        name: Arc::from(name),
                        scopes: Scopes::from_names(k.scopes.iter().map(String::as_str)),
                    },
                }
            })
            .collect();
        Self { keys }
    }

    /// No keys configured: everyone may do everything.
    pub fn is_open(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn authenticate(&self, presented: Option<&str>) -> Result<Principal, AuthError> {
        if self.is_open() {
            return Ok(Principal::anonymous());
        }
        let presented = presented
            .filter(|k| !k.is_empty())
            .ok_or(AuthError::Missing)?;
        let wanted = digest(presented);
        // Every key is compared, matching or not, so timing says nothing about which matched.
        let mut found = None;
        for key in &self.keys {
            if bool::from(key.digest.ct_eq(&wanted)) {
                found = Some(&key.principal);
            }
        }
        found.cloned().ok_or(AuthError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ApiKeySetting, Secret};

    fn settings() -> AuthSettings {
        AuthSettings {
            api_keys: vec![
                ApiKeySetting {
                    key: Secret::new("reader-key"),
                    name: Some("reader".into()),
                    scopes: vec!["read".into()],
                },
                ApiKeySetting {
                    key: Secret::new("admin-key"),
                    name: None,
                    scopes: vec!["read".into(), "run".into(), "admin".into()],
                },
            ],
            protect_metrics: false,
            allow_open: false,
        }
    }

    #[test]
    fn open_without_keys() {
        let auth = Authenticator::new(&AuthSettings::default());
        assert!(auth.is_open());
        assert_eq!(auth.authenticate(None).unwrap(), Principal::anonymous());
    }

    #[test]
    fn keys_and_scopes() {
        let auth = Authenticator::new(&settings());
        assert_eq!(auth.authenticate(None), Err(AuthError::Missing));
        assert_eq!(auth.authenticate(Some("nope")), Err(AuthError::Invalid));
        let reader = auth.authenticate(Some("reader-key")).unwrap();
        assert_eq!(&*reader.name, "reader");
        assert!(reader.require(Scope::Read).is_ok());
        let denied = reader.require(Scope::Admin).unwrap_err().to_string();
        assert!(denied.contains("'admin'"), "{denied}");
        let admin = auth.authenticate(Some("admin-key")).unwrap();
        assert!(admin.name.starts_with("key-"));
        assert_eq!(admin.scopes, Scopes::ALL);
    }
}
