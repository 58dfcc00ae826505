//! The names of the store's Redis keys, all under one prefix (`store.redis_prefix`),
//! so several gateways or test runs can share one Redis.

use super::super::model::JobId;

pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_string(),
        }
    }

    /// Hash: `record` (JSON), its `state` and `owner` (for the list's filters),
    /// `spec` (JSON), `by` (the instance that accepted it), `runner` (the
    /// instance running it), `last` (the last sequence number).
    pub fn job(&self, id: &JobId) -> String {
        format!("{}:job:{id}", self.prefix)
    }

    /// Stream: one entry per event, id `<seq>-0`, fields `d` (the JSON) and `t` (terminal).
    pub fn events(&self, id: &JobId) -> String {
        format!("{}:events:{id}", self.prefix)
    }

    /// Sorted set of every retained job id, by creation time.
    pub fn index(&self) -> String {
        format!("{}:jobs", self.prefix)
    }

    /// Stream of queued jobs any replica with a free run slot may take
    /// (consumer group `runners`); entries are deleted once taken.
    pub fn queue(&self) -> String {
        format!("{}:queue", self.prefix)
    }

    /// Set of the jobs not yet finished (queued, running, awaiting approval).
    pub fn active(&self) -> String {
        format!("{}:active", self.prefix)
    }

    /// A replica's lease: exists while the instance is alive.
    pub fn lease(&self, instance: &str) -> String {
        format!("{}:lease:{instance}", self.prefix)
    }

    /// Taken by the one replica that settles a dead replica's job.
    pub fn adoption(&self, id: &JobId) -> String {
        format!("{}:adopt:{id}", self.prefix)
    }

    /// The owner's length first, so no (owner, key) pair can spell another's.
    pub fn idempotency(&self, owner: &str, key: &str) -> String {
        format!("{}:idem:{}:{owner}:{key}", self.prefix, owner.len())
    }

    pub fn conversation(&self, owner: &str, id: &str) -> String {
        format!("{}:conv:{}:{owner}:{id}", self.prefix, owner.len())
    }

    /// Pub/sub channel of the legacy MCP messages for a replica's sessions.
    pub fn relay(&self, instance: &str) -> String {
        format!("{}:mcp:{instance}", self.prefix)
    }

    /// Hash of the open legacy MCP sessions: id to the key (name) that opened it.
    pub fn sessions(&self) -> String {
        format!("{}:mcp-sessions", self.prefix)
    }

    /// Pub/sub channel of cancel requests; the payload is the job id.
    pub fn cancels(&self) -> String {
        format!("{}:cancel", self.prefix)
    }
}
