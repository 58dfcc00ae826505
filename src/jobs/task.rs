//! One job's background task: wait for a run slot, execute the command
//! (a tool, a slash command, or plain text for the agent), record the end and
//! close the log; and the handles through which the manager reaches it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_util::sync::CancellationToken;

use super::approval::Approvals;
use super::context::{Agent, JobContext, JobFailure, tool_failure};
use super::event::JobEvent;
use super::lock;
use super::model::{JobId, JobRecord, JobState};
use super::payload::JobCommand;
use super::slash::{HELP, Slash};
use super::store::JobUpdate;
use crate::conductor::Conductor;

/// The final record of a job, once it has one.
pub type Finished = watch::Receiver<Option<JobRecord>>;

pub struct Handle {
    pub cancel: CancellationToken,
    pub approvals: Arc<Approvals>,
    pub finished: Finished,
}

pub type Handles = Arc<Mutex<HashMap<JobId, Handle>>>;

/// One job's background task.
pub struct Runner {
    pub ctx: JobContext,
    pub command: JobCommand,
    pub agent: Option<Arc<dyn Agent>>,
    pub slots: Arc<Semaphore>,
    pub queued: Arc<AtomicUsize>,
    pub handles: Handles,
    pub done: watch::Sender<Option<JobRecord>>,
    pub instance: Arc<str>,
}

impl Runner {
    #[tracing::instrument(skip_all, fields(job_id = %self.ctx.job_id))]
    pub async fn run(self, permit: Option<OwnedSemaphorePermit>) {
        let ctx = &self.ctx;
        let permit = match permit {
            Some(p) => Some(p),
            None => {
                ctx.emit(JobEvent::StatusUpdate {
                    state: JobState::Queued,
                    message: "waiting for a free run slot".into(),
                })
                .await;
                let acquired = tokio::select! {
                    p = self.slots.clone().acquire_owned() => p.ok(),
                    _ = ctx.cancel.cancelled() => None,
                };
                self.queued.fetch_sub(1, Ordering::AcqRel);
                acquired
            }
        };
        let outcome = match permit {
            None => Err(JobFailure::cancelled()),
            Some(_permit) => {
                let started = JobUpdate::Started {
                    runner: self.instance.to_string(),
                };
                if let Err(e) = ctx.store.update(&ctx.job_id, started).await {
                    tracing::warn!(error = %e, "job start not recorded");
                }
                ctx.emit(JobEvent::StatusUpdate {
                    state: JobState::Running,
                    message: "job running".into(),
                })
                .await;
                tokio::select! {
                    r = execute(ctx, &self.command, self.agent.as_deref()) => r,
                    // Dropping the execution kills its CLI process groups.
                    _ = ctx.cancel.cancelled() => Err(JobFailure::cancelled()),
                }
            }
        };
        let record = self.finish(outcome).await;
        lock(&self.handles).remove(&ctx.job_id);
        self.done.send_replace(record);
    }

    async fn finish(&self, outcome: Result<String, JobFailure>) -> Option<JobRecord> {
        let ctx = &self.ctx;
        let (state, result, error) = match outcome {
            Ok(text) => {
                ctx.emit(JobEvent::Result {
                    result: text.clone(),
                })
                .await;
                (JobState::Succeeded, Some(text), None)
            }
            Err(failure) => {
                ctx.emit(JobEvent::Error {
                    error: failure.message.clone(),
                    state: failure.state,
                })
                .await;
                (failure.state, None, Some(failure.message))
            }
        };
        // The record is terminal before `end_of_stream`, so a client that saw the
        // end and reads the job sees the final state.
        let update = JobUpdate::Finished {
            state,
            result,
            error,
        };
        let record = match ctx.store.update(&ctx.job_id, update).await {
            Ok(record) => Some(record),
            Err(e) => {
                tracing::warn!(error = %e, "job end not recorded");
                None
            }
        };
        ctx.emit(JobEvent::EndOfStream {
            state,
            message: "stream complete".into(),
        })
        .await;
        crate::metrics::job_finished(state);
        tracing::info!(state = state.as_str(), "job finished");
        record
    }
}

/// Direct mode: tools and slash commands; plain text goes to the agent when there is one.
async fn execute(
    ctx: &JobContext,
    command: &JobCommand,
    agent: Option<&dyn Agent>,
) -> Result<String, JobFailure> {
    let tool = |name: &str, arguments: &serde_json::Value| {
        let name = name.to_string();
        let arguments = arguments.clone();
        async move {
            match ctx.run_tool(&name, arguments).await {
                Ok(result) if !result.is_error => Ok(result.readable),
                Ok(result) => Err(tool_failure(&result)),
                Err(refused) => Err(JobFailure::failed(refused.to_string())),
            }
        }
    };
    match command {
        JobCommand::Tool { name, arguments }
        | JobCommand::Slash(Slash::Tool { name, arguments }) => tool(name, arguments).await,
        JobCommand::Slash(Slash::Help) => Ok(HELP.to_string()),
        JobCommand::Slash(Slash::Tools) => Ok(tool_list(&ctx.conductor)),
        JobCommand::Invalid(message) => Err(JobFailure::failed(message.clone())),
        JobCommand::Text(text) => match agent {
            Some(agent) => agent.run(ctx, text).await,
            None => Err(JobFailure::failed(format!(
                "Plain-text commands need an LLM, and none is configured (set OPENAI_API_KEY, or llm.api_key in config.yaml). Meanwhile:\n{}",
                *HELP
            ))),
        },
    }
}

fn tool_list(conductor: &Conductor) -> String {
    let mut text = String::from("Tools:\n");
    for tool in conductor.tools() {
        text.push_str(&format!("  {:<28} {}\n", tool.name, tool.description));
    }
    text
}
