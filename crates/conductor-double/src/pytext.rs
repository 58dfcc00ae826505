//! Python-compatible text plumbing for the double: argv decoding with `surrogateescape`, writing
//! such text back as raw bytes, `repr()` of strings and floats, and `json.dumps` output.
//!
//! The real CLI is Python: it echoes undecodable argv bytes back verbatim and prints JSON with
//! `", "`/`": "` separators, so serde_json's compact output would not be byte-faithful.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;

/// Undecodable bytes 0x80..=0xFF ride in a `String` as U+10FF80..=U+10FFFF (private use), the
/// way Python carries them as lone surrogates; `put` turns them back into the raw byte.
const ESCAPE_BASE: u32 = 0x10_FF00;

/// Appends `format!(...)` and a newline to a `String` (writing to a `String` cannot fail).
macro_rules! w {
    ($o:expr) => {
        $o.push('\n')
    };
    ($o:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($arg)*);
    }};
}

pub fn decode_os(s: &OsStr) -> String {
    let mut text = String::with_capacity(s.len());
    for chunk in s.as_bytes().utf8_chunks() {
        text.push_str(chunk.valid());
        text.extend(chunk.invalid().iter().map(|&b| escape_byte(b)));
    }
    text
}

pub fn escape_byte(b: u8) -> char {
    char::from_u32(ESCAPE_BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

fn escaped_byte(c: char) -> Option<u8> {
    let v = u32::from(c);
    (v >= ESCAPE_BASE + 0x80).then(|| (v - ESCAPE_BASE) as u8)
}

/// Writes `s`, turning escaped bytes back into raw (possibly non-UTF-8) bytes.
pub fn put(out: &mut dyn Write, s: &str) -> io::Result<()> {
    // Every escaped char starts with 0xF4 in UTF-8; most text has none and goes out as is.
    if !s.as_bytes().contains(&0xF4) {
        return out.write_all(s.as_bytes());
    }
    let mut bytes = Vec::with_capacity(s.len());
    for c in s.chars() {
        match escaped_byte(c) {
            Some(b) => bytes.push(b),
            None => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out.write_all(&bytes)
}

/// Python's `repr(str)`, used in argparse and sync-engine messages.
pub fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut r = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => r.push_str("\\\\"),
            '\n' => r.push_str("\\n"),
            '\r' => r.push_str("\\r"),
            '\t' => r.push_str("\\t"),
            c if c == quote => r.extend(['\\', c]),
            c if escaped_byte(c).is_some() => {
                r.push_str(&format!("\\udc{:02x}", u32::from(c) & 0xFF))
            }
            c if (c as u32) < 0x20 || c == '\x7f' => r.push_str(&format!("\\x{:02x}", c as u32)),
            c => r.push(c),
        }
    }
    r.push(quote);
    r
}

/// Python's `repr(float)` for the values the double prints (epoch timestamps).
pub fn float_repr(f: f64) -> String {
    let s = f.to_string();
    if s.contains(['.', 'e', 'i', 'N']) {
        s
    } else {
        s + ".0"
    }
}

/// A JSON value whose objects keep insertion order, as Python dicts do.
pub enum Json {
    Null,
    Int(i64),
    Float(f64),
    Str(String),
    Obj(Vec<(&'static str, Json)>),
    /// An object whose keys are only known at run time (environment variable names).
    Map(Vec<(String, Json)>),
    Arr(Vec<Json>),
}

impl Json {
    pub fn str(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    /// `json.dumps(value, ensure_ascii=ascii)`.
    pub fn dumps(&self, ascii: bool) -> String {
        let mut s = String::new();
        self.write(&mut s, ascii);
        s
    }

    fn write(&self, s: &mut String, ascii: bool) {
        match self {
            Json::Null => s.push_str("null"),
            Json::Int(i) => s.push_str(&i.to_string()),
            Json::Float(f) => s.push_str(&float_repr(*f)),
            Json::Str(text) => write_str(s, text, ascii),
            Json::Arr(items) => {
                s.push('[');
                for (i, item) in items.iter().enumerate() {
                    s.push_str(if i == 0 { "" } else { ", " });
                    item.write(s, ascii);
                }
                s.push(']');
            }
            Json::Obj(fields) => write_obj(s, fields.iter().map(|(k, v)| (*k, v)), ascii),
            Json::Map(fields) => write_obj(s, fields.iter().map(|(k, v)| (k.as_str(), v)), ascii),
        }
    }
}

fn write_obj<'a>(s: &mut String, fields: impl Iterator<Item = (&'a str, &'a Json)>, ascii: bool) {
    s.push('{');
    for (i, (key, value)) in fields.enumerate() {
        s.push_str(if i == 0 { "" } else { ", " });
        write_str(s, key, ascii);
        s.push_str(": ");
        value.write(s, ascii);
    }
    s.push('}');
}

fn write_str(s: &mut String, text: &str, ascii: bool) {
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '\x08' => s.push_str("\\b"),
            '\x0c' => s.push_str("\\f"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            // A raw byte is a lone surrogate to Python; ensure_ascii spells it as one.
            c if ascii && escaped_byte(c).is_some() => {
                s.push_str(&format!("\\udc{:02x}", u32::from(c) & 0xFF));
            }
            c if ascii && !(' '..='~').contains(&c) => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    s.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => s.push(c),
        }
    }
    s.push('"');
}
