//! Several gateway processes on one Redis (`store.backend: redis`): any
//! replica serves and resumes any job's stream, cancels reach the replica
//! running the job, a killed replica's jobs fail within its lease, and a
//! Redis restart loses nothing. Each test starts its own `redis-server`.

#[path = "common/app.rs"]
mod app;
#[path = "api/helpers.rs"]
mod helpers;
#[path = "api/process.rs"]
mod process;

#[path = "replicas/redis_server.rs"]
mod redis_server;

#[path = "replicas/cluster.rs"]
mod cluster;
#[path = "replicas/config.rs"]
mod config;
#[path = "replicas/mcp.rs"]
mod mcp;
