//! Settling jobs nobody finishes: those an earlier life of this gateway left
//! (after a restart) and those of replicas that died (a shared store), and
//! cancels other replicas ask for.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::JobManager;
use crate::auth::Scopes;
use crate::jobs::event::JobEvent;
use crate::jobs::lock;
use crate::jobs::model::{JobId, JobState};
use crate::jobs::store::{JobUpdate, Recovered, StoreError};

/// Why a job that was running failed, after this gateway's restart.
const RESTARTED: &str = "interrupted: the gateway restarted while the job was running";
/// Why a job that was running failed, after the replica running it stopped.
const REPLICA_STOPPED: &str =
    "interrupted: the gateway replica running the job stopped (its lease expired)";

impl JobManager {
    /// Settles what an earlier life of the store left: jobs that were running
    /// fail (their leftover processes are killed first), queued ones run.
    pub async fn recover(&self) -> Result<(usize, usize), StoreError> {
        let recovered = self.store.recover().await?;
        let why = match self.store.lease() {
            Some(_) => REPLICA_STOPPED,
            None => RESTARTED,
        };
        self.settle(recovered, why).await
    }

    /// Settles the jobs of replicas that died (a shared store): the same as
    /// after a restart, for jobs another replica held.
    pub async fn adopt_orphans(&self) -> Result<(usize, usize), StoreError> {
        let orphans = self.store.adopt_orphans().await?;
        self.settle(orphans, REPLICA_STOPPED).await
    }

    /// Cancels the jobs this replica runs when another replica asks.
    pub fn follow_remote_cancels(&self) {
        let Some(mut requests) = self.store.cancel_requests() else {
            return;
        };
        let handles = self.handles.clone();
        tokio::spawn(async move {
            while let Some(job_id) = requests.recv().await {
                if let Some(handle) = lock(&handles).get(&job_id) {
                    tracing::info!(job_id = %job_id, "cancelled at another replica's request");
                    handle.cancel.cancel();
                }
            }
        });
    }

    async fn settle(&self, recovered: Recovered, why: &str) -> Result<(usize, usize), StoreError> {
        let mut dead: Vec<String> = recovered
            .interrupted
            .iter()
            .filter_map(|(_, runner)| runner.clone())
            .filter(|runner| *runner != *self.instance)
            .collect();
        dead.sort();
        dead.dedup();
        for instance in dead {
            let killed = tokio::task::spawn_blocking(move || {
                crate::conductor::reaper::kill_instance(&instance)
            })
            .await
            .unwrap_or(0);
            if killed > 0 {
                tracing::warn!(killed, "killed processes a stopped gateway left running");
            }
        }
        let interrupted = recovered.interrupted.len();
        for (job, _) in recovered.interrupted {
            self.end_unstarted(&job.job_id, JobState::Failed, why)
                .await?;
        }
        let queued = recovered.queued.len();
        for (job, spec) in recovered.queued {
            // They were accepted with a promise: over the queue limit or not, they run.
            let permit = self.slots.clone().try_acquire_owned().ok();
            if permit.is_none() {
                self.queued.fetch_add(1, Ordering::AcqRel);
            }
            crate::metrics::job_submitted();
            self.start(
                job.job_id,
                job.metadata,
                Scopes::from_bits(spec.scopes),
                Arc::from(job.owner.as_str()),
                spec.command,
                permit,
                None,
            )
            .await;
        }
        Ok((interrupted, queued))
    }

    /// Ends a job nobody runs here: `error`, the final record, `end_of_stream`.
    pub(super) async fn end_unstarted(
        &self,
        job_id: &JobId,
        state: JobState,
        why: &str,
    ) -> Result<(), StoreError> {
        let message = why.to_string();
        self.store
            .append(
                job_id,
                JobEvent::Error {
                    error: message.clone(),
                    state,
                },
            )
            .await?;
        self.store
            .update(
                job_id,
                JobUpdate::Finished {
                    state,
                    result: None,
                    error: Some(message),
                },
            )
            .await?;
        self.store
            .append(
                job_id,
                JobEvent::EndOfStream {
                    state,
                    message: "stream complete".into(),
                },
            )
            .await?;
        Ok(())
    }
}
