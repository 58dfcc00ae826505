//! A string that never reaches a log, `Debug` output or a printed configuration.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret value (API key, token). `Debug` and `Serialize` print `[redacted]`.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret itself; call only where it is sent to its one consumer.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        lenient_string(deserializer).map(Secret::new)
    }
}

/// Accepts a string, or a number or boolean written where a string was meant.
///
/// figment parses environment values, so `OPENAI_API_KEY=12345` arrives as a
/// number; a key or a path must still load as the text the user wrote.
pub fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Int(i64),
        Uint(u64),
        Float(f64),
        Bool(bool),
    }
    Ok(match Loose::deserialize(deserializer)? {
        Loose::Text(s) => s,
        Loose::Int(n) => n.to_string(),
        Loose::Uint(n) => n.to_string(),
        Loose::Float(n) => n.to_string(),
        Loose::Bool(b) => b.to_string(),
    })
}

/// [`lenient_string`] for optional fields.
pub fn lenient_opt_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "lenient_string")] String);
    Ok(Option::<Wrap>::deserialize(deserializer)?.map(|w| w.0))
}

/// An optional secret where an empty value means none: `OPENAI_API_KEY=`
/// or `api_key: ""` must read as "not configured", not as a key.
pub fn non_empty_secret<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Secret>, D::Error> {
    Ok(lenient_opt_string(deserializer)?
        .filter(|s| !s.trim().is_empty())
        .map(Secret::new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_serialize_hide_the_value() {
        let s = Secret::new("sk-very-secret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"[redacted]\"");
        assert_eq!(s.expose(), "sk-very-secret");
    }

    #[test]
    fn empty_secrets_are_none() {
        #[derive(Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "non_empty_secret")]
            key: Option<Secret>,
        }
        let empty: S = serde_json::from_str(r#"{"key": "  "}"#).unwrap();
        assert!(empty.key.is_none());
        let absent: S = serde_json::from_str("{}").unwrap();
        assert!(absent.key.is_none());
        let set: S = serde_json::from_str(r#"{"key": "sk-1"}"#).unwrap();
        assert_eq!(set.key.unwrap().expose(), "sk-1");
    }

    #[test]
    fn numbers_load_as_text() {
        let s: Secret = serde_json::from_str("12345").unwrap();
        assert_eq!(s.expose(), "12345");
    }
}
