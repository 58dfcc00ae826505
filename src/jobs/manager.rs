//! The job manager: admission (limits, idempotency), running jobs in the
//! background independently of their subscribers, cancel, and waiting.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::context::{Agent, JobContext, JobFailure, tool_failure};
use super::lock;
use super::model::{END_OF_STREAM, JobRecord, JobState, new_job_id, now};
use super::payload::{JobCommand, ParsedPayload};
use super::slash::{HELP, Slash};
use super::store::{JobStore, JobUpdate, StoreError};
use crate::auth::Principal;
use crate::conductor::Conductor;
use crate::config::JobSettings;

/// Why a job was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("too many jobs: {running} running and {queued} queued; try again shortly")]
    TooMany { running: usize, queued: usize },
    #[error("the gateway is shutting down and accepts no new jobs")]
    ShuttingDown,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a cancel did not apply.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("job {0} not found or expired")]
    NotFound(String),
    #[error("job already finished ({})", .0.state.as_str())]
    Finished(Box<JobRecord>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A job accepted by `submit`.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub job: JobRecord,
    /// The `Idempotency-Key` matched an earlier job, which is returned instead.
    pub replayed: bool,
    /// Receives the final record (even if the job is gone from the store by then).
    pub finished: Option<Finished>,
}

/// The final record of a job, once it has one.
pub type Finished = watch::Receiver<Option<JobRecord>>;

struct Handle {
    cancel: CancellationToken,
    finished: Finished,
}

/// Starts, tracks and cancels jobs.
pub struct JobManager {
    settings: JobSettings,
    store: Arc<dyn JobStore>,
    conductor: Arc<Conductor>,
    agent: Option<Arc<dyn Agent>>,
    slots: Arc<Semaphore>,
    queued: Arc<AtomicUsize>,
    handles: Arc<Mutex<HashMap<String, Handle>>>,
    idempotency: Mutex<HashMap<String, (String, Instant)>>,
    tracker: TaskTracker,
    stopping: CancellationToken,
    cancel_all: CancellationToken,
}

impl JobManager {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        settings: JobSettings,
        store: Arc<dyn JobStore>,
        conductor: Arc<Conductor>,
        agent: Option<Arc<dyn Agent>>,
        tracker: TaskTracker,
        stopping: CancellationToken,
        cancel_all: CancellationToken,
    ) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(settings.max_running)),
            settings,
            store,
            conductor,
            agent,
            queued: Arc::new(AtomicUsize::new(0)),
            handles: Arc::new(Mutex::new(HashMap::new())),
            idempotency: Mutex::new(HashMap::new()),
            tracker,
            stopping,
            cancel_all,
        }
    }

    pub fn store(&self) -> &Arc<dyn JobStore> {
        &self.store
    }

    pub fn settings(&self) -> &JobSettings {
        &self.settings
    }

    /// Whether plain-text commands have an agent to go to.
    pub fn has_agent(&self) -> bool {
        self.agent.is_some()
    }

    /// Jobs running now and jobs waiting for a slot.
    pub fn load(&self) -> (usize, usize) {
        let running = self.settings.max_running - self.slots.available_permits();
        (running, self.queued.load(Ordering::Relaxed))
    }

    /// Accepts a job and starts it in the background. Its first event
    /// (`job_started`) is stored before this returns.
    pub async fn submit(
        &self,
        payload: ParsedPayload,
        idempotency_key: Option<String>,
        principal: &Principal,
    ) -> Result<Submitted, SubmitError> {
        if self.stopping.is_cancelled() {
            return Err(SubmitError::ShuttingDown);
        }
        let job_id = new_job_id();
        if let Some(key) = &idempotency_key {
            let window = Duration::from_secs(self.settings.idempotency_window_secs);
            let earlier = {
                let mut map = lock(&self.idempotency);
                map.retain(|_, (_, at)| at.elapsed() < window);
                match map.get(key) {
                    Some((id, _)) => Some(id.clone()),
                    None => {
                        map.insert(key.clone(), (job_id.clone(), Instant::now()));
                        None
                    }
                }
            };
            if let Some(id) = earlier
                && let Some(job) = self.store.get(&id).await?
            {
                let finished = lock(&self.handles).get(&id).map(|h| h.finished.clone());
                return Ok(Submitted {
                    job,
                    replayed: true,
                    finished,
                });
            }
        }
        let admitted = self.admit();
        let permit = match admitted {
            Ok(permit) => permit,
            Err(e) => {
                if let Some(key) = &idempotency_key {
                    lock(&self.idempotency).remove(key);
                }
                return Err(e);
            }
        };

        let record = JobRecord {
            job_id: job_id.clone(),
            state: JobState::Queued,
            command: payload.display.clone(),
            kind: payload.kind.to_string(),
            metadata: payload.metadata.clone(),
            created_at: now(),
            started_at: None,
            finished_at: None,
            result: None,
            error: None,
            last_event_id: 0,
        };
        self.store.insert(record).await?;
        let (done, finished) = watch::channel(None);
        let handle = Handle {
            cancel: self.cancel_all.child_token(),
            finished: finished.clone(),
        };
        let ctx = JobContext {
            job_id: Arc::from(job_id.as_str()),
            metadata: payload.metadata.clone(),
            cancel: handle.cancel.clone(),
            store: self.store.clone(),
            conductor: self.conductor.clone(),
            scopes: principal.scopes,
            owner: Arc::from(principal.name.as_str()),
        };
        lock(&self.handles).insert(job_id.clone(), handle);
        ctx.emit(
            "job_started",
            json!({ "message": format!("Job started: {}", payload.display), "kind": payload.kind }),
        )
        .await;
        let job = self
            .store
            .get(&job_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(job_id.clone()))?;

        let runner = Runner {
            ctx,
            command: payload.command,
            agent: self.agent.clone(),
            slots: self.slots.clone(),
            queued: self.queued.clone(),
            handles: self.handles.clone(),
            done,
        };
        crate::metrics::job_submitted();
        self.tracker.spawn(runner.run(permit));
        Ok(Submitted {
            job,
            replayed: false,
            finished: Some(finished),
        })
    }

    /// A free run slot now, `None` to queue, or too many.
    fn admit(&self) -> Result<Option<OwnedSemaphorePermit>, SubmitError> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(Some(permit));
        }
        let queued = self.queued.fetch_add(1, Ordering::AcqRel);
        if queued >= self.settings.max_queued {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            let (running, _) = self.load();
            return Err(SubmitError::TooMany { running, queued });
        }
        Ok(None)
    }

    /// Cancels a queued or running job and waits until it has stopped.
    pub async fn cancel(&self, job_id: &str) -> Result<JobRecord, CancelError> {
        let record = self
            .store
            .get(job_id)
            .await?
            .ok_or_else(|| CancelError::NotFound(job_id.to_string()))?;
        if record.state.is_terminal() {
            // Cancelling a cancelled job again is a no-op, not a conflict.
            return if record.state == JobState::Cancelled {
                Ok(record)
            } else {
                Err(CancelError::Finished(Box::new(record)))
            };
        }
        let finished = {
            let handles = lock(&self.handles);
            handles.get(job_id).map(|h| {
                h.cancel.cancel();
                h.finished.clone()
            })
        };
        if let Some(mut finished) = finished
            && let Ok(record) = finished.wait_for(Option::is_some).await
            && let Some(record) = record.clone()
        {
            return Ok(record);
        }
        let record = self
            .store
            .get(job_id)
            .await?
            .ok_or_else(|| CancelError::NotFound(job_id.to_string()))?;
        if record.state.is_terminal() && record.state != JobState::Cancelled {
            return Err(CancelError::Finished(Box::new(record)));
        }
        Ok(record)
    }

    /// Waits up to `limit` for the job to finish; the record either way.
    pub async fn wait(
        &self,
        submitted: &Submitted,
        limit: Duration,
    ) -> Result<Option<JobRecord>, StoreError> {
        let id = &submitted.job.job_id;
        let finished = submitted
            .finished
            .clone()
            .or_else(|| lock(&self.handles).get(id).map(|h| h.finished.clone()));
        if let Some(mut finished) = finished {
            let waited = tokio::time::timeout(limit, finished.wait_for(Option::is_some)).await;
            if let Ok(Ok(record)) = waited
                && let Some(record) = record.clone()
            {
                return Ok(Some(record));
            }
        }
        self.store.get(id).await
    }
}

/// One job's background task.
struct Runner {
    ctx: JobContext,
    command: JobCommand,
    agent: Option<Arc<dyn Agent>>,
    slots: Arc<Semaphore>,
    queued: Arc<AtomicUsize>,
    handles: Arc<Mutex<HashMap<String, Handle>>>,
    done: watch::Sender<Option<JobRecord>>,
}

impl Runner {
    #[tracing::instrument(skip_all, fields(job_id = %self.ctx.job_id))]
    async fn run(self, permit: Option<OwnedSemaphorePermit>) {
        let ctx = &self.ctx;
        let permit = match permit {
            Some(p) => Some(p),
            None => {
                ctx.emit(
                    "status_update",
                    json!({ "state": "queued", "message": "waiting for a free run slot" }),
                )
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
                if let Err(e) = ctx.store.update(&ctx.job_id, JobUpdate::Started).await {
                    tracing::warn!(error = %e, "job start not recorded");
                }
                ctx.emit(
                    "status_update",
                    json!({ "state": "running", "message": "job running" }),
                )
                .await;
                tokio::select! {
                    r = execute(ctx, &self.command, self.agent.as_deref()) => r,
                    // Dropping the execution kills its CLI process groups.
                    _ = ctx.cancel.cancelled() => Err(JobFailure::cancelled()),
                }
            }
        };
        let record = self.finish(outcome).await;
        lock(&self.handles).remove(&*ctx.job_id);
        self.done.send_replace(record);
    }

    async fn finish(&self, outcome: Result<String, JobFailure>) -> Option<JobRecord> {
        let ctx = &self.ctx;
        let (state, result, error) = match outcome {
            Ok(text) => {
                ctx.emit("result", json!({ "result": text })).await;
                (JobState::Succeeded, Some(text), None)
            }
            Err(failure) => {
                ctx.emit(
                    "error",
                    json!({ "error": failure.message, "state": failure.state }),
                )
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
        ctx.emit(
            END_OF_STREAM,
            json!({ "state": state, "message": "stream complete" }),
        )
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
    match command {
        JobCommand::Tool { name, arguments } => match ctx.run_tool(name, arguments.clone()).await {
            Ok(result) if !result.is_error => Ok(result.readable),
            Ok(result) => Err(tool_failure(&result)),
            Err(message) => Err(JobFailure::failed(message)),
        },
        JobCommand::Slash(Slash::Help) => Ok(HELP.to_string()),
        JobCommand::Slash(Slash::Tools) => Ok(tool_list(&ctx.conductor)),
        JobCommand::Slash(Slash::Tool { name, arguments }) => {
            Box::pin(execute(
                ctx,
                &JobCommand::Tool {
                    name: name.clone(),
                    arguments: arguments.clone(),
                },
                agent,
            ))
            .await
        }
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
