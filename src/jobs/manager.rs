//! The job manager: admission (limits, the store's budget, idempotency per
//! principal), running jobs in the background independently of their
//! subscribers, ownership, cancel, approvals and waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::approval::{AnswerError, Decision};
use super::context::{Agent, JobContext};
use super::error::{ApprovalError, CancelError, SubmitError};
use super::event::JobEvent;
use super::lock;
use super::model::{JobId, JobRecord, JobState, now};
use super::payload::{JobCommand, ParsedPayload};
use super::store::{Claim, Delivery, JobSpec, JobStore, StoreError};
use super::task::{Finished, Handle, Handles, Runner};
use crate::auth::{Principal, Scopes};
use crate::conductor::Conductor;
use crate::config::JobSettings;

mod recovery;
mod shared;

use shared::Admission;

/// A job accepted by `submit`.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub job: JobRecord,
    /// The `Idempotency-Key` matched an earlier job, which is returned instead.
    pub replayed: bool,
    /// Receives the final record of a job run here (even if the store has
    /// dropped it by then).
    pub finished: Option<Finished>,
}

/// An `Idempotency-Key` and the fingerprint of the payload it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub fingerprint: String,
}

/// Starts, tracks and cancels jobs.
pub struct JobManager {
    settings: JobSettings,
    store: Arc<dyn JobStore>,
    conductor: Arc<Conductor>,
    agent: Option<Arc<dyn Agent>>,
    slots: Arc<Semaphore>,
    queued: Arc<AtomicUsize>,
    handles: Handles,
    tracker: TaskTracker,
    stopping: CancellationToken,
    cancel_all: CancellationToken,
    /// This gateway instance (the `runner` of the jobs it runs).
    instance: Arc<str>,
}

impl JobManager {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        instance: &str,
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
            handles: Arc::default(),
            tracker,
            stopping,
            cancel_all,
            instance: Arc::from(instance),
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

    /// A job the caller may see: another principal's job is "not found".
    pub async fn get_for(
        &self,
        job_id: &JobId,
        principal: &Principal,
    ) -> Result<Option<JobRecord>, StoreError> {
        Ok(self
            .store
            .get(job_id)
            .await?
            .filter(|job| principal.may_see(&job.owner)))
    }

    /// Accepts a job and starts it in the background. Its first event
    /// (`job_started`) is stored before this returns.
    pub async fn submit(
        &self,
        payload: ParsedPayload,
        idempotency: Option<Idempotency>,
        principal: &Principal,
    ) -> Result<Submitted, SubmitError> {
        if self.stopping.is_cancelled() {
            return Err(SubmitError::ShuttingDown);
        }
        let job_id = JobId::new();
        if let Some(idem) = &idempotency {
            let window = Duration::from_secs(self.settings.idempotency_window_secs);
            let claim = self
                .store
                .claim_idempotency(
                    &principal.name,
                    &idem.key,
                    &idem.fingerprint,
                    &job_id,
                    window,
                )
                .await?;
            if let Claim::Existing {
                job_id: earlier,
                fingerprint,
            } = claim
            {
                if fingerprint != idem.fingerprint {
                    return Err(SubmitError::KeyReused);
                }
                match self.store.get(&earlier).await? {
                    Some(job) => {
                        let finished = lock(&self.handles)
                            .get(&earlier)
                            .map(|h| h.finished.clone());
                        return Ok(Submitted {
                            job,
                            replayed: true,
                            finished,
                        });
                    }
                    // The earlier job expired: the key starts a new one.
                    None => {
                        self.store
                            .release_idempotency(&principal.name, &idem.key)
                            .await?;
                        self.store
                            .claim_idempotency(
                                &principal.name,
                                &idem.key,
                                &idem.fingerprint,
                                &job_id,
                                window,
                            )
                            .await?;
                    }
                }
            }
        }
        let admitted = match self.admission().await {
            Ok(admitted) => admitted,
            Err(e) => {
                if let Some(idem) = &idempotency {
                    self.store
                        .release_idempotency(&principal.name, &idem.key)
                        .await?;
                }
                return Err(e);
            }
        };

        let record = JobRecord {
            job_id: job_id.clone(),
            state: JobState::Queued,
            owner: principal.name.to_string(),
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
        let spec = JobSpec {
            command: payload.command.clone(),
            scopes: principal.scopes.bits(),
        };
        self.store.insert(record, &spec).await?;
        let started = Some((format!("Job started: {}", payload.display), payload.kind));
        let (permit, started) = match admitted {
            Admission::Run(permit) => (Some(permit), started),
            Admission::Queue => (None, started),
            Admission::Share => {
                let started = format!("Job started: {}", payload.display);
                if let Some(job) = self.hand_off(&job_id, started, payload.kind).await {
                    crate::metrics::job_submitted();
                    return Ok(Submitted {
                        job,
                        replayed: false,
                        finished: None,
                    });
                }
                // Not handed off (it has its first events): it waits for a slot here.
                self.queued.fetch_add(1, Ordering::AcqRel);
                (None, None)
            }
        };
        let finished = self
            .start(
                job_id.clone(),
                payload.metadata.clone(),
                principal.scopes,
                principal.name.clone(),
                payload.command,
                permit,
                started,
            )
            .await;
        let job = self
            .store
            .get(&job_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(job_id.to_string()))?;
        crate::metrics::job_submitted();
        Ok(Submitted {
            job,
            replayed: false,
            finished: Some(finished),
        })
    }

    /// Registers a job's handle and runs it in the background; `started`
    /// (message, kind) is its `job_started` event, emitted before this
    /// returns (none for a job brought back after a restart: it has one).
    #[allow(clippy::too_many_arguments)]
    async fn start(
        &self,
        job_id: JobId,
        metadata: serde_json::Value,
        scopes: Scopes,
        owner: Arc<str>,
        command: JobCommand,
        permit: Option<OwnedSemaphorePermit>,
        started: Option<(String, &'static str)>,
    ) -> Finished {
        let (done, finished) = watch::channel(None);
        let handle = Handle {
            cancel: self.cancel_all.child_token(),
            approvals: Arc::default(),
            finished: finished.clone(),
        };
        let ctx = JobContext {
            job_id: job_id.clone(),
            metadata,
            cancel: handle.cancel.clone(),
            store: self.store.clone(),
            conductor: self.conductor.clone(),
            scopes,
            owner,
            approvals: handle.approvals.clone(),
        };
        lock(&self.handles).insert(job_id, handle);
        if let Some((message, kind)) = started {
            ctx.emit(JobEvent::JobStarted {
                message,
                kind: kind.to_string(),
            })
            .await;
        }
        let runner = Runner {
            ctx,
            command,
            agent: self.agent.clone(),
            slots: self.slots.clone(),
            queued: self.queued.clone(),
            handles: self.handles.clone(),
            done,
            instance: self.instance.clone(),
        };
        self.tracker.spawn(runner.run(permit));
        finished
    }

    /// Room in this replica's own queue, or too many.
    fn queue_here(&self) -> Result<(), SubmitError> {
        let queued = self.queued.fetch_add(1, Ordering::AcqRel);
        if queued >= self.settings.max_queued {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            let (running, _) = self.load();
            return Err(SubmitError::TooMany { running, queued });
        }
        Ok(())
    }

    /// Cancels a queued or running job of the caller's and waits until it has stopped.
    pub async fn cancel(
        &self,
        job_id: &JobId,
        principal: &Principal,
    ) -> Result<JobRecord, CancelError> {
        let record = self
            .get_for(job_id, principal)
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
        let finished = lock(&self.handles).get(job_id).map(|handle| {
            handle.cancel.cancel();
            handle.finished.clone()
        });
        if finished.is_none() {
            // In the shared queue: whoever claims it first runs it, or cancels it.
            if record.state == JobState::Queued && self.store.claim_queued(job_id).await? {
                self.end_unstarted(job_id, JobState::Cancelled, "job cancelled")
                    .await?;
                return self
                    .store
                    .get(job_id)
                    .await?
                    .ok_or_else(|| CancelError::NotFound(job_id.to_string()));
            }
            // Running on another replica (a shared store): that one stops it.
            self.store.request_cancel(job_id).await?;
        }
        let record = self
            .wait(job_id, finished, Duration::from_secs(60))
            .await?
            .ok_or_else(|| CancelError::NotFound(job_id.to_string()))?;
        if record.state.is_terminal() && record.state != JobState::Cancelled {
            return Err(CancelError::Finished(Box::new(record)));
        }
        Ok(record)
    }

    /// Answers a pending approval of the caller's job; the caller needs the tool's scope.
    pub async fn answer_approval(
        &self,
        job_id: &JobId,
        call_id: &str,
        approve: bool,
        principal: &Principal,
    ) -> Result<(), ApprovalError> {
        self.get_for(job_id, principal)
            .await?
            .ok_or_else(|| ApprovalError::NotFound(job_id.to_string()))?;
        let approvals = lock(&self.handles)
            .get(job_id)
            .map(|h| h.approvals.clone())
            .ok_or_else(|| AnswerError::NotPending(call_id.to_string()))?;
        let tool = approvals
            .tool(call_id)
            .ok_or_else(|| AnswerError::NotPending(call_id.to_string()))?;
        if approve && let Err(why) = principal.require(tool.scope) {
            return Err(ApprovalError::Forbidden(why));
        }
        approvals.answer(
            call_id,
            Decision {
                approve,
                by: principal.name.to_string(),
            },
        )?;
        Ok(())
    }

    /// Waits up to `limit` for the job to finish; the record either way. A job
    /// run here reports its final record through `finished`; otherwise its
    /// events are followed, so it works wherever the job runs.
    pub async fn wait(
        &self,
        job_id: &JobId,
        finished: Option<Finished>,
        limit: Duration,
    ) -> Result<Option<JobRecord>, StoreError> {
        let finished =
            finished.or_else(|| lock(&self.handles).get(job_id).map(|h| h.finished.clone()));
        if let Some(mut finished) = finished {
            let record = match tokio::time::timeout(limit, finished.wait_for(Option::is_some)).await
            {
                Ok(Ok(record)) => record.clone(),
                _ => None,
            };
            return match record {
                Some(record) => Ok(Some(record)),
                None => self.store.get(job_id).await,
            };
        }
        match self.store.subscribe(job_id, 0).await {
            Ok(mut events) => {
                let ended = async {
                    while let Some(delivery) = events.next().await {
                        if let Delivery::Event(e) = delivery
                            && e.terminal
                        {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(limit, ended).await;
            }
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
        self.store.get(job_id).await
    }
}
