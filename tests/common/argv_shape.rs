//! The grammar every argument vector the gateway hands the conductor CLI must
//! follow, checked independently of the code that builds it. Shared by the
//! property tests (`tests/properties.rs`) and the `tool_args` fuzz target
//! (`fuzz/fuzz_targets/tool_args.rs`), which include this file by path.
//!
//! Each element is a known flag, the value right after a flag that takes one
//! (matching that flag's pattern), or a joined `--input=` / `--environment=` /
//! `--project=` element. So text a caller wrote can only ever reach the CLI
//! joined to its flag, never as an element the CLI could read as a flag.

use std::path::{Component, Path};

/// `^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`, written out by hand.
pub fn is_identifier(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && bytes[0].is_ascii_alphanumeric()
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Ok, or why `args` breaks the grammar. `files_root` is where `--path` values must lie.
pub fn check_argv(args: &[String], files_root: Option<&Path>) -> Result<(), String> {
    let mut inputs = 0;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let mut value = |pattern: &str, ok: &dyn Fn(&str) -> bool| -> Result<(), String> {
            let v = args
                .get(i + 1)
                .ok_or_else(|| format!("{arg} at the end, without its value"))?;
            if !ok(v) {
                return Err(format!("{arg} {v:?}: the value is not {pattern}"));
            }
            i += 1;
            Ok(())
        };
        match arg {
            "--list" | "--validate" | "--chat" | "--clear" | "--backup" | "--restore"
            | "--no-config-update" => {}
            "--agent" | "--info" | "--install" => value("an identifier", &is_identifier)?,
            "--timeout" => value("a positive number", &|v| {
                !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) && v != "0"
            })?,
            "--output" => value("json", &|v| v == "json")?,
            "--migrate-from" | "--migrate-to" => {
                value("a storage type", &|v| v == "filesystem" || v == "mongodb")?
            }
            "--path" => value("a path inside the files folder", &|v| {
                let p = Path::new(v);
                p.is_absolute()
                    && !v.contains('\0')
                    && !p.components().any(|c| matches!(c, Component::ParentDir))
                    && files_root.is_some_and(|root| p.starts_with(root))
            })?,
            _ if arg.starts_with("--input=") => {
                inputs += 1;
                if arg.len() == "--input=".len() {
                    return Err("an empty --input=".into());
                }
            }
            _ if arg.starts_with("--environment=") || arg.starts_with("--project=") => {}
            other => {
                return Err(format!(
                    "element {i} ({other:?}) is not part of the grammar"
                ));
            }
        }
        i += 1;
    }
    if inputs > 1 {
        return Err(format!("{inputs} --input= elements"));
    }
    Ok(())
}
