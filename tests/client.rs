//! Black-box tests of the terminal client (`run`, `tail`, `jobs`, `tools`, `call`): the real
//! binary, against the real gateway on a random port with the conductor CLI double, or against
//! a small stand-in server for dropped connections and approvals; piped or in a pseudo-terminal.

#[path = "common/app.rs"]
mod app;
#[path = "api/helpers.rs"]
mod helpers;

#[path = "client/standin.rs"]
mod standin;
#[path = "client/support.rs"]
mod support;

#[path = "client/approval.rs"]
mod approval;
#[path = "client/exit_codes.rs"]
mod exit_codes;
#[path = "client/interrupt.rs"]
mod interrupt;
#[path = "client/json.rs"]
mod json;
#[path = "client/output.rs"]
mod output;
#[path = "client/resume.rs"]
mod resume;
