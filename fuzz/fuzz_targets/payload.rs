//! Fuzzes `jobs::payload::parse`: any JSON body, both endpoint precedences.
//! Beyond "never panics": a text command is never blank, the `tool` form
//! always carries a non-empty name and object arguments, and the two
//! precedences agree on whether a command exists at all.

#![no_main]

use conductor_gateway::jobs::payload::{JobCommand, PayloadError, Precedence, parse};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let stream = parse(&body, Precedence::Stream);
    let execute = parse(&body, Precedence::Execute);
    assert_eq!(
        matches!(stream, Err(PayloadError::NoCommand)),
        matches!(execute, Err(PayloadError::NoCommand)),
        "precedence changed whether {body} has a command"
    );
    for parsed in [stream, execute].into_iter().flatten() {
        match (&parsed.command, parsed.kind) {
            (JobCommand::Tool { name, arguments }, "tool") => {
                assert!(!name.is_empty());
                assert!(arguments.is_object());
                assert_eq!(parsed.display, format!("tool:{name}"));
            }
            (JobCommand::Text(text), "text") => {
                assert!(!text.trim().is_empty());
                assert!(!text.trim_start().starts_with('/'));
            }
            (_, "slash") => assert!(parsed.display.trim_start().starts_with('/')),
            (command, kind) => panic!("{kind} with {command:?}"),
        }
    }
});
