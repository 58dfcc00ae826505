//! Idle memory per SSE subscriber of a separate `serve --demo` process on
//! each backend (RSS from /proc), measured as `benches/gateway/memory.rs`
//! measures it for the memory store: one job that never ends, then many idle
//! subscribers to it over HTTP/1.1 (a connection each) and over HTTP/2 (h2c,
//! one connection). With Redis, also subscribers on a second replica, whose
//! events come through Redis rather than the replica's own memory.

use std::process::Stdio;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use super::common::{count, row};
use super::measure::{free_port, rss_kib};

const EXE: &str = env!("CARGO_BIN_EXE_conductor-gateway");

struct Server {
    _child: tokio::process::Child,
    pid: u32,
    base: String,
    port: u16,
}

/// `serve --demo` with `env` on top of the memory bench's settings.
async fn server(env: &[(&str, String)]) -> Server {
    let port = free_port();
    let mut command = tokio::process::Command::new(EXE);
    command
        .args(["serve", "--demo"])
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("MCP_PORT", free_port().to_string())
        .env("GATEWAY_LIMITS__MAX_STREAMS_PER_CLIENT", "100000")
        .env("GATEWAY_LIMITS__REQUESTS_PER_SECOND", "0")
        // One address opens every connection (the default allows 1,000 per address).
        .env("GATEWAY_LIMITS__MAX_CONNECTIONS", "100000")
        .env("GATEWAY_LIMITS__MAX_CONNECTIONS_PER_ADDR", "100000")
        .env("GATEWAY_CONDUCTOR__ENV__CONDUCTOR_DOUBLE_MODE", "hang")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    let child = command.spawn().expect("starting serve --demo");
    let pid = child.id().expect("the server's pid");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..1000 {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for _ in 0..20 {
        client
            .get(format!("{base}/health"))
            .send()
            .await
            .expect("the server answers /health");
    }
    Server {
        _child: child,
        pid,
        base,
        port,
    }
}

/// A job that runs until the server stops (the double hangs).
async fn hanging_job(base: &str) -> String {
    let r: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/stream-execute"))
        .json(&json!({"input": "/list"}))
        .send()
        .await
        .expect("stream-execute")
        .json()
        .await
        .expect("stream-execute's answer");
    r["job_id"].as_str().expect("a job id").to_string()
}

/// `n` idle HTTP/1.1 subscribers, a connection each; (subscribers, KiB before, after).
async fn http1(server: &Server, job: &str, n: usize) -> (usize, u64, u64) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let before = rss_kib(server.pid);
    let mut sockets = Vec::with_capacity(n);
    for _ in 0..n {
        let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await else {
            println!(
                "stopped at {} connections (raise `ulimit -n`)",
                sockets.len()
            );
            break;
        };
        // A loopback `Host`: the Host check refuses any other name with 403.
        let request = format!(
            "GET /api/v1/stream/{job} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            server.port
        );
        s.write_all(request.as_bytes()).await.expect("a request");
        sockets.push(s);
    }
    // Each response's first bytes: only subscriptions really open count.
    let mut open = 0;
    for s in sockets.iter_mut() {
        let mut buf = [0u8; 512];
        let read = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await;
        if matches!(read, Ok(Ok(n)) if buf[..n].starts_with(b"HTTP/1.1 200")) {
            open += 1;
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    (open, before, rss_kib(server.pid))
}

/// `n` idle HTTP/2 subscribers on one h2c connection.
async fn http2(server: &Server, job: &str, n: usize) -> (usize, u64, u64) {
    // A connection window that holds every stream's first events unread
    // (the default 5 MB stalls the connection near 7,000 streams).
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .http2_initial_connection_window_size(Some(256 << 20))
        .build()
        .expect("an h2c client");
    let before = rss_kib(server.pid);
    let mut held = Vec::with_capacity(n);
    let mut pending = futures::stream::FuturesUnordered::new();
    for _ in 0..n {
        let h2 = h2.clone();
        let url = format!("{}/api/v1/stream/{job}", server.base);
        pending.push(async move {
            let mut r = h2.get(url).send().await.ok()?;
            let first = r.chunk().await.ok().flatten()?;
            (r.status().is_success() && !first.is_empty()).then_some(r)
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(r) = pending.next().await {
            held.extend(r);
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    (held.len(), before, rss_kib(server.pid))
}

fn report(backend: &str, how: &str, idle: u64, (n, before, after): (usize, u64, u64)) {
    let added = after.saturating_sub(before);
    row(
        "memory",
        backend,
        &format!("{} idle SSE subscribers, {how}", count(n as f64)),
        &format!(
            "{:.1} KB each ({:.1} MB in total; RSS {:.1} → {:.1} MB; idle server {:.1} MB)",
            added as f64 / n.max(1) as f64,
            added as f64 / 1024.0,
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            idle as f64 / 1024.0
        ),
    );
}

/// Both protocols, each on a fresh server (and job) made by `start`.
async fn measure<F, Fut>(backend: &str, n: usize, start: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = (Server, String, Vec<Server>)>,
{
    for how in ["HTTP/1.1", "HTTP/2 (h2c)"] {
        let (server, job, _others) = start().await;
        let idle = rss_kib(server.pid);
        let figures = if how == "HTTP/1.1" {
            http1(&server, &job, n).await
        } else {
            http2(&server, &job, n).await
        };
        report(backend, how, idle, figures);
    }
}

pub async fn memory(redis_url: Option<&str>) {
    let n: usize = std::env::var("BENCH_SUBSCRIBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let backend = |name: &str| ("GATEWAY_STORE__BACKEND", name.to_string());
    measure("memory", n, || async {
        let s = server(&[backend("memory")]).await;
        let job = hanging_job(&s.base).await;
        (s, job, Vec::new())
    })
    .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("gateway.db").display().to_string();
    measure("sqlite", n, || async {
        let _ = std::fs::remove_file(&path);
        let s = server(&[backend("sqlite"), ("GATEWAY_STORE__PATH", path.clone())]).await;
        let job = hanging_job(&s.base).await;
        (s, job, Vec::new())
    })
    .await;
    let Some(url) = redis_url else {
        row(
            "memory",
            "redis",
            "idle SSE subscribers",
            "skipped (no redis-server)",
        );
        return;
    };
    let runs = std::sync::atomic::AtomicUsize::new(0);
    let redis_env = |run: usize| {
        vec![
            backend("redis"),
            ("REDIS_URL", url.to_string()),
            ("GATEWAY_STORE__REDIS_PREFIX", format!("bench-memory-{run}")),
        ]
    };
    measure("redis", n, || async {
        let run = runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let s = server(&redis_env(run)).await;
        let job = hanging_job(&s.base).await;
        (s, job, Vec::new())
    })
    .await;
    // The job runs on replica A; the subscribers are on replica B.
    measure("redis, 2nd replica", n, || async {
        let run = runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let a = server(&redis_env(run)).await;
        let job = hanging_job(&a.base).await;
        let b = server(&redis_env(run)).await;
        (b, job, vec![a])
    })
    .await;
}
