//! Work shared by replicas (a store with a shared queue): a job this
//! replica cannot start at once is handed to the queue, and this replica
//! takes queued jobs, its own or others', whenever it has a free run slot.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OwnedSemaphorePermit;

use super::JobManager;
use crate::auth::Scopes;
use crate::jobs::error::SubmitError;
use crate::jobs::event::JobEvent;
use crate::jobs::model::{JobId, JobRecord, JobState};

/// How long one wait on the shared queue lasts before it is renewed.
const TAKE_WAIT: Duration = Duration::from_secs(2);

/// Where an accepted job goes.
pub enum Admission {
    /// A run slot here is free.
    Run(OwnedSemaphorePermit),
    /// It waits for a slot here.
    Queue,
    /// It goes to the shared queue.
    Share,
}

impl JobManager {
    /// A free slot here; else the shared queue (within `jobs.max_queued`
    /// jobs waiting there) with a shared store, or this replica's queue.
    pub(super) async fn admission(&self) -> Result<Admission, SubmitError> {
        if !self.store.has_room() {
            return Err(SubmitError::Full);
        }
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(Admission::Run(permit));
        }
        if self.store.lease().is_none() {
            self.queue_here()?;
            return Ok(Admission::Queue);
        }
        let queued = self.store.shared_queue_len().await?;
        if queued >= self.settings.max_queued {
            let (running, _) = self.load();
            return Err(SubmitError::TooMany { running, queued });
        }
        Ok(Admission::Share)
    }

    /// Gives an inserted job its first events and hands it to the shared
    /// queue; its record as it stands, or `None` if the queue refused it.
    pub(super) async fn hand_off(
        &self,
        job_id: &JobId,
        started: String,
        kind: &str,
    ) -> Option<JobRecord> {
        let events = [
            JobEvent::JobStarted {
                message: started,
                kind: kind.to_string(),
            },
            JobEvent::StatusUpdate {
                state: JobState::Queued,
                message: "waiting for a free run slot on any replica".into(),
            },
        ];
        for event in events {
            self.store.append(job_id, event).await.ok()?;
        }
        if let Err(e) = self.store.share(job_id).await {
            tracing::warn!(error = %e, "the shared queue refused a job; it waits here");
            return None;
        }
        self.store.get(job_id).await.ok().flatten()
    }

    /// Takes shared jobs while this replica has a free run slot, until the
    /// stop. No slot is held while waiting, so jobs submitted here still start
    /// at once; a job read when the slot has gone meanwhile stays queued.
    pub fn take_shared_work(self: &Arc<Self>) {
        if self.store.lease().is_none() {
            return;
        }
        let jobs = self.clone();
        tokio::spawn(async move {
            loop {
                // Room now (and given back at once).
                tokio::select! {
                    p = jobs.slots.clone().acquire_owned() => if p.is_err() { return },
                    _ = jobs.stopping.cancelled() => return,
                }
                let taken = tokio::select! {
                    t = jobs.store.take_shared(TAKE_WAIT, &jobs.slots) => t,
                    _ = jobs.stopping.cancelled() => return,
                };
                match taken {
                    Ok(Some((job, spec, permit))) => {
                        tracing::debug!(job_id = %job.job_id, "took a job from the shared queue");
                        jobs.start(
                            job.job_id,
                            job.metadata,
                            Scopes::from_bits(spec.scopes),
                            Arc::from(job.owner.as_str()),
                            spec.command,
                            Some(permit),
                            None,
                        )
                        .await;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the shared queue failed");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = jobs.stopping.cancelled() => return,
                        }
                    }
                }
            }
        });
    }
}
