//! Fuzzes `http::stream::parse_last_event_id` with any header and query
//! values. Beyond "never panics": the header wins over the query, an accepted
//! value is exactly a decimal u64 (surrounding whitespace aside), and a parsed
//! id round-trips.

#![no_main]

use arbitrary::Arbitrary;
use conductor_gateway::http::stream::parse_last_event_id;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    header: Option<&'a str>,
    query: Option<&'a str>,
}

fuzz_target!(|input: Input| {
    let result = parse_last_event_id(input.header, input.query);
    let used = input.header.or(input.query).map(str::trim);
    match (used, &result) {
        (None | Some(""), r) => assert_eq!(r, &Ok(0)),
        (Some(text), Ok(id)) => {
            assert_eq!(text.parse::<u64>().ok(), Some(*id));
            assert_eq!(parse_last_event_id(Some(&id.to_string()), None), Ok(*id));
        }
        (Some(text), Err(_)) => assert!(text.parse::<u64>().is_err()),
    }
});
