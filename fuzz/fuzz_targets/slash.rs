//! Fuzzes `jobs::slash::parse` with any text. Beyond "never panics": every
//! tool it names (except through `/tool <name>`) is in the catalogue, and
//! `/run`/`/chat` keep the text after the agent id verbatim and non-blank.

#![no_main]

use conductor_gateway::tools as catalogue;
use conductor_gateway::jobs::slash::{Slash, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(command) = parse(text) else {
        return;
    };
    if let Slash::Tool { name, arguments } = command {
        // The command word is the first word after the slash, which may be
        // preceded by whitespace ("/ tool x" is "/tool x": found by this target).
        let via_tool = text
            .trim_start()
            .strip_prefix('/')
            .and_then(|body| body.split_whitespace().next())
            == Some("tool");
        assert!(via_tool || catalogue::find(&name).is_some(), "{name}");
        if !via_tool {
            assert!(arguments.is_object());
            if let Some(input) = arguments.get("input_text").and_then(|v| v.as_str()) {
                assert!(!input.trim().is_empty());
                assert!(text.contains(input), "the input text was altered");
            }
        }
    }
});
