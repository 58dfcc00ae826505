//! Memory: a separate `serve --demo` process, idle and with many idle subscribers (RSS from /proc).

use std::process::Stdio;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use super::EXE;
use super::measure::{free_port, rss_kib};

struct Server {
    child: tokio::process::Child,
    pid: u32,
    base: String,
    port: u16,
    job: String,
}

async fn memory_server() -> Server {
    let port = free_port();
    let mcp = free_port();
    let child = tokio::process::Command::new(EXE)
        .args(["serve", "--demo"])
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("MCP_PORT", mcp.to_string())
        .env("GATEWAY_LIMITS__MAX_STREAMS_PER_CLIENT", "100000")
        .env("GATEWAY_LIMITS__REQUESTS_PER_SECOND", "0")
        .env("GATEWAY_CONDUCTOR__ENV__CONDUCTOR_DOUBLE_MODE", "hang")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    loop {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for _ in 0..20 {
        client.get(format!("{base}/health")).send().await.unwrap();
    }
    let r: Value = client
        .post(format!("{base}/api/v1/stream-execute"))
        .json(&json!({"input": "/list"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job = r["job_id"].as_str().unwrap().to_string();
    Server {
        child,
        pid,
        base,
        port,
        job,
    }
}

pub async fn memory(idle_subscribers: usize) {
    let Server {
        mut child,
        pid,
        port,
        job,
        ..
    } = memory_server().await;
    let idle = rss_kib(pid);
    println!(
        "idle RSS of `serve --demo` (release, one job running): {:.1} MB",
        idle as f64 / 1024.0
    );

    let before = rss_kib(pid);
    let mut sockets = Vec::with_capacity(idle_subscribers);
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for _ in 0..idle_subscribers {
        let mut s = match tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            Ok(s) => s,
            Err(e) => {
                println!(
                    "stopped at {} connections: {e} (raise `ulimit -n`)",
                    sockets.len()
                );
                break;
            }
        };
        let path = if std::env::var_os("BENCH_IDLE_HEALTH").is_some() {
            "/health".to_string()
        } else {
            format!("/api/v1/stream/{job}")
        };
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        sockets.push(s);
    }
    // Read each response's first bytes so every subscription is really open.
    for s in sockets.iter_mut() {
        let mut buf = [0u8; 512];
        let _ = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await;
    }
    let after = rss_kib(pid);
    let n = sockets.len().max(1);
    println!(
        "{} idle SSE subscribers: RSS {:.1} MB -> {:.1} MB, {:.1} MB in total, {:.1} KB each",
        sockets.len(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / n as f64
    );
    drop(sockets);
    let _ = child.start_kill();

    // The same over HTTP/2 (h2c), on a fresh server: many subscriptions share one connection.
    let Server {
        mut child,
        pid,
        base,
        job,
        ..
    } = memory_server().await;
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let before = rss_kib(pid);
    let mut held = Vec::with_capacity(idle_subscribers);
    let mut pending = futures::stream::FuturesUnordered::new();
    for _ in 0..idle_subscribers {
        let h2 = h2.clone();
        let url = format!("{base}/api/v1/stream/{job}");
        pending.push(async move {
            let mut r = h2.get(url).send().await.ok()?;
            let _ = r.chunk().await;
            Some(r)
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(r) = pending.next().await {
            if let Some(r) = r {
                held.push(r);
            }
        }
    })
    .await;
    let after = rss_kib(pid);
    println!(
        "{} idle SSE subscribers over HTTP/2: RSS {:.1} MB -> {:.1} MB, {:.1} MB in total, {:.1} KB each",
        held.len(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / held.len().max(1) as f64
    );
    drop(held);
    let _ = child.start_kill();
}
