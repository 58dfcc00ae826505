//! `run` (start a job, then follow it) and `tail` (follow or replay one): both end in a
//! `Session` with the renderer the output calls for.

use super::args::{Connection, FollowArgs, RunArgs, TailArgs};
use super::exit::Exit;
use super::http::{ClientError, Gateway};
use super::render::{Human, JsonLines, Render};
use super::session::{ApprovalPolicy, Session};
use super::term::Terminal;

/// `run "<command>"`.
pub async fn run(args: RunArgs, terminal: Terminal) -> Result<Exit, ClientError> {
    let command = args.command.join(" ");
    if command.trim().is_empty() {
        return Err(ClientError::Usage("the command is empty".into()));
    }
    let gateway = gateway(&args.connection)?;
    let job_id = gateway.start_job(&command).await?;
    follow(gateway, &job_id, &args.follow, &args.connection, terminal).await
}

/// `tail <job_id>`.
pub async fn tail(args: TailArgs, terminal: Terminal) -> Result<Exit, ClientError> {
    let gateway = gateway(&args.connection)?;
    follow(
        gateway,
        &args.job_id,
        &args.follow,
        &args.connection,
        terminal,
    )
    .await
}

pub fn gateway(connection: &Connection) -> Result<Gateway, ClientError> {
    Gateway::new(&connection.url, connection.key.clone())
}

async fn follow(
    gateway: Gateway,
    job_id: &str,
    follow: &FollowArgs,
    connection: &Connection,
    terminal: Terminal,
) -> Result<Exit, ClientError> {
    let render: Box<dyn Render> = if connection.json {
        Box::new(JsonLines)
    } else {
        Box::new(Human::new(&terminal, follow.max_output_lines))
    };
    let policy = match (follow.approve, follow.deny) {
        (true, _) => ApprovalPolicy::Approve,
        (_, true) => ApprovalPolicy::Deny,
        _ => ApprovalPolicy::Ask,
    };
    let session = Session::new(gateway, job_id, render, terminal, policy)?;
    session.follow(follow.retries).await
}
