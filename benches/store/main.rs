//! Job store benchmarks (not tests): event appends per second, time to the
//! first event (in one process and across replicas), fan-out through Redis,
//! restart recovery on SQLite and idle memory per subscriber, for the
//! memory, SQLite and Redis backends. Run with `cargo bench --bench store`
//! (one section: `cargo bench --bench store -- append`, sections `append`,
//! `first`, `fanout`, `recovery`, `memory`); figures are recorded in
//! docs/benchmarks.md.
//!
//! The Redis rows use a `redis-server` the bench starts itself on a free
//! loopback port (`--save '' --appendonly no`, in a temporary directory) and
//! stops at the end; without `redis-server` on the PATH they are skipped.
//!
//! - `common`: records, events, stores, percentiles, the table.
//! - `redis_server`: the bench's own `redis-server`.
//! - `append`: appends per second, and until the last one is durable.
//! - `latency`: time to the first event, and fan-out through Redis.
//! - `recovery`: reopening a SQLite file with 10,000 retained jobs.
//! - `memory`: idle SSE subscribers of `serve` on each backend (RSS).

mod append;
mod common;
mod latency;
#[allow(dead_code)]
#[path = "../gateway/measure.rs"]
mod measure;
mod memory;
mod recovery;
mod redis_server;

use redis_server::RedisServer;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let only = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-') && a != "store");
    let want = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    runtime.block_on(async {
        let redis = RedisServer::start().await;
        if redis.is_none() {
            println!("redis-server not found on the PATH: the Redis rows are skipped");
        }
        let url = redis.as_ref().map(RedisServer::url);
        common::header();
        if want("append") {
            append::appends(url.as_deref()).await;
        }
        if want("first") {
            latency::first_event(url.as_deref()).await;
        }
        if want("fanout") {
            match url.as_deref() {
                Some(url) => latency::fanout(url).await,
                None => println!("fan-out through Redis: skipped (no redis-server)"),
            }
        }
        if want("recovery") {
            recovery::recovery().await;
        }
        if want("memory") {
            memory::memory(url.as_deref()).await;
        }
        drop(redis);
    });
}
