//! Black-box tests of the LLM agent: the real gateway on a free port, a mock
//! OpenAI-compatible server streaming scripted chunks, and a shell-script
//! double of the conductor CLI.

#[path = "common/app.rs"]
mod app;
#[path = "agent/helpers.rs"]
mod helpers;
#[path = "agent/mock.rs"]
mod mock;

#[path = "agent/approvals.rs"]
mod approvals;
#[path = "agent/failures.rs"]
mod failures;
#[path = "agent/rounds.rs"]
mod rounds;
#[path = "agent/routing.rs"]
mod routing;
