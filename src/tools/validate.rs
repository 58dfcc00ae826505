//! Argument validation: nothing a caller sends reaches a process unchecked.

use std::path::{Component, Path, PathBuf};

/// An argument that failed validation; `field` names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ArgError {
    pub field: String,
    pub message: String,
    /// The value is too large rather than malformed (413 rather than 422).
    pub too_large: bool,
}

impl ArgError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
            too_large: false,
        }
    }
}

/// Agent ids and template names: `^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`.
pub fn identifier(field: &str, value: &str) -> Result<(), ArgError> {
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if first_ok && rest_ok && value.len() <= 128 {
        Ok(())
    } else {
        Err(ArgError::new(
            field,
            "must start with a letter or digit and contain only letters, digits, '_', '.' and '-' (at most 128 characters)",
        ))
    }
}

/// Text for the agent: non-empty, no NUL byte (argv cannot carry one), at most `max` bytes.
pub fn input_text(field: &str, value: &str, max: usize) -> Result<(), ArgError> {
    if value.trim().is_empty() {
        return Err(ArgError::new(field, "must not be empty"));
    }
    if value.contains('\0') {
        return Err(ArgError::new(field, "must not contain NUL characters"));
    }
    if value.len() > max {
        return Err(ArgError {
            too_large: true,
            ..ArgError::new(
                field,
                format!("is {} bytes; the limit is {max}", value.len()),
            )
        });
    }
    Ok(())
}

/// Short free-text labels (environment, project): 1–256 characters, no
/// control characters and no invisible format characters (bidi overrides,
/// zero-width spaces), which would make a label read differently than it is.
pub fn label(field: &str, value: &str) -> Result<(), ArgError> {
    if value.trim().is_empty()
        || value.len() > 256
        || value.chars().any(|c| c.is_control() || is_format(c))
    {
        return Err(ArgError::new(
            field,
            "must be 1 to 256 characters without control or invisible formatting characters",
        ));
    }
    Ok(())
}

/// Unicode general category Cf (format), from the Unicode 16 tables.
pub fn is_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// A timeout in whole seconds between 1 and `max`.
pub fn timeout(field: &str, value: u64, max: u64) -> Result<(), ArgError> {
    if value == 0 || value > max {
        return Err(ArgError::new(
            field,
            format!("must be between 1 and {max} seconds"),
        ));
    }
    Ok(())
}

/// Resolves a user path inside `root`: relative paths are taken from `root`,
/// absolute ones must already lie inside it; `..` is refused and symlinks are
/// resolved, so the result cannot escape. `root` is created when missing.
pub fn confined_path(field: &str, root: &Path, value: &str) -> Result<PathBuf, ArgError> {
    if value.is_empty() || value.contains('\0') {
        return Err(ArgError::new(field, "must be a non-empty path"));
    }
    let requested = Path::new(value);
    if requested
        .components()
        .any(|c| matches!(c, Component::ParentDir))
    {
        return Err(ArgError::new(field, "must not contain '..'"));
    }
    std::fs::create_dir_all(root)
        .map_err(|e| ArgError::new(field, format!("the files folder cannot be created: {e}")))?;
    let root = root
        .canonicalize()
        .map_err(|e| ArgError::new(field, format!("the files folder is unusable: {e}")))?;
    let joined = if requested.is_absolute() {
        requested.to_path_buf()
    } else {
        root.join(requested)
    };
    let resolved = resolve_existing_prefix(&joined);
    if resolved.starts_with(&root) {
        Ok(resolved)
    } else {
        Err(ArgError::new(
            field,
            format!("must stay inside the files folder {}", root.display()),
        ))
    }
}

/// Canonicalizes the longest existing ancestor and appends the rest, so a
/// symlink anywhere on the way is followed before the containment check.
fn resolve_existing_prefix(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        for ok in ["CodeReviewer_Agent", "a", "web_development", "v1.2-x"] {
            assert!(identifier("agent_id", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-x",
            "--list",
            "x; rm -rf /",
            "../etc",
            "a/b",
            ".hidden",
            "a b",
            "ä",
        ] {
            assert!(identifier("agent_id", bad).is_err(), "{bad}");
        }
        assert!(identifier("agent_id", &"a".repeat(128)).is_ok());
        assert!(identifier("agent_id", &"a".repeat(129)).is_err());
    }

    #[test]
    fn input_limits() {
        assert!(input_text("input_text", "--agent evil", 10).is_err());
        assert!(input_text("input_text", "--agent", 10).is_ok());
        assert!(input_text("input_text", "  ", 10).is_err());
        let e = input_text("input_text", "0123456789a", 10).unwrap_err();
        assert!(e.too_large);
    }

    #[test]
    fn labels_refuse_invisible_formatting() {
        assert!(label("environment", "production").is_ok());
        assert!(label("environment", "produção").is_ok());
        for bad in [
            "prod\u{202E}noitcudorp",
            "a\u{200B}b",
            "\u{FEFF}x",
            "x\ny",
            "",
        ] {
            assert!(label("environment", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("files");
        let ok = confined_path("path", &root, "bk/one").unwrap();
        assert!(ok.starts_with(root.canonicalize().unwrap()));
        assert!(confined_path("path", &root, "../x").is_err());
        assert!(confined_path("path", &root, "/etc/passwd").is_err());
        let inside_abs = root.canonicalize().unwrap().join("abs");
        assert!(confined_path("path", &root, inside_abs.to_str().unwrap()).is_ok());
        std::os::unix::fs::symlink("/etc", root.join("link")).unwrap();
        assert!(confined_path("path", &root, "link/passwd").is_err());
    }
}
