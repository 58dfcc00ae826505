//! Gateway benchmarks (not tests): tool-call overhead, job latency, fan-out
//! and memory. Run with `cargo bench --bench gateway`; figures are recorded in
//! docs/benchmarks.md. Each section prints medians over many runs.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use conductor_gateway::config::Settings;
use conductor_gateway::jobs::Delivery;
use conductor_gateway::jobs::JobEvent;
use conductor_gateway::jobs::memory::MemoryStore;
use conductor_gateway::jobs::model::{JobId, JobRecord, JobState, now};
use conductor_gateway::jobs::store::JobStore;
use conductor_gateway::startup::{Application, BuildOptions};
use futures::StreamExt;
use serde_json::{Value, json};

const EXE: &str = env!("CARGO_BIN_EXE_conductor-gateway");

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn p90(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() * 9 / 10]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

struct Running {
    base: String,
    client: reqwest::Client,
    workspace: tempfile::TempDir,
    _stop: tokio_util::sync::CancellationToken,
}

async fn start(tweak: impl FnOnce(&mut Settings)) -> Running {
    let workspace = tempfile::tempdir().unwrap();
    conductor_double::create_workspace(workspace.path()).unwrap();
    let mut s = Settings::default();
    s.store.backend = Some(conductor_gateway::config::StoreBackend::Memory);
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    s.mcp.enabled = false;
    s.limits.requests_per_second = 0;
    s.limits.max_streams_per_client = 100_000;
    s.conductor.project_path = Some(workspace.path().to_path_buf());
    s.conductor.command = Some(vec![EXE.into(), "demo-cli".into()]);
    s.conductor.max_concurrent = 64;
    tweak(&mut s);
    let app = Application::build(s, BuildOptions::default())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let stop = app.stop_token();
    tokio::spawn(app.run_until_stopped());
    Running {
        base,
        client: reqwest::Client::new(),
        workspace,
        _stop: stop,
    }
}

async fn spawn_direct(cwd: &std::path::Path) -> Duration {
    let t = Instant::now();
    let out = tokio::process::Command::new(EXE)
        .args(["demo-cli", "--list"])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    t.elapsed()
}

async fn tool_overhead(runs: usize) {
    let app = start(|_| {}).await;
    let url = format!("{}/api/v1/tools/list_available_agents", app.base);
    // Warm both paths.
    for _ in 0..20 {
        spawn_direct(app.workspace.path()).await;
        app.client.post(&url).json(&json!({})).send().await.unwrap();
    }
    let mut direct = Vec::new();
    let mut via = Vec::new();
    for _ in 0..runs {
        direct.push(spawn_direct(app.workspace.path()).await);
        let t = Instant::now();
        let r: Value = app
            .client
            .post(&url)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        via.push(t.elapsed());
        assert_eq!(r["status"], "success");
    }
    let (d, v) = (median(direct), median(via.clone()));
    println!(
        "tool call overhead: direct spawn median {} | POST /api/v1/tools/list_available_agents median {} (p90 {}) | added {}",
        ms(d),
        ms(v),
        ms(p90(via.clone())),
        ms(v.saturating_sub(d))
    );
    let mut jobs = Vec::new();
    let mut first = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r: Value = app
            .client
            .post(format!("{}/execute", app.base))
            .json(&json!({"tool": "list_available_agents"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jobs.push(t.elapsed());
        assert_eq!(r["status"], "success");

        let t = Instant::now();
        let r: Value = app
            .client
            .post(format!("{}/api/v1/stream-execute", app.base))
            .json(&json!({"input": "/help"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = r["job_id"].as_str().unwrap();
        let mut stream = app
            .client
            .get(format!("{}/api/v1/stream/{job}", app.base))
            .send()
            .await
            .unwrap()
            .bytes_stream();
        let mut seen = Vec::new();
        while let Some(chunk) = stream.next().await {
            seen.extend_from_slice(&chunk.unwrap());
            if seen.windows(5).any(|w| w == b"data:") {
                break;
            }
        }
        first.push(t.elapsed());
    }
    let j = median(jobs);
    println!(
        "job fixed cost: POST /execute {{tool: list_available_agents}} median {} | beyond the tool itself {}",
        ms(j),
        ms(j.saturating_sub(d))
    );
    println!(
        "stream-execute to first event at a subscriber (POST + GET + first frame): median {} (p90 {})",
        ms(median(first.clone())),
        ms(p90(first))
    );
}

async fn store_fanout(subscribers: usize, events: usize) {
    let mut limits = conductor_gateway::startup::memory_limits(&Settings::default());
    limits.max_events = events + 10;
    limits.max_bytes = 1 << 30;
    limits.store_max_bytes = 1 << 31;
    let store = Arc::new(MemoryStore::new(limits));
    let job: JobId = "job_bench".into();
    store
        .insert(
            JobRecord {
                job_id: job.clone(),
                owner: "anonymous".into(),
                state: JobState::Running,
                command: "bench".into(),
                kind: "tool".into(),
                metadata: Value::Null,
                created_at: now(),
                started_at: None,
                finished_at: None,
                result: None,
                error: None,
                last_event_id: 0,
            },
            &conductor_gateway::jobs::store::JobSpec {
                command: conductor_gateway::jobs::payload::JobCommand::Text("bench".into()),
                scopes: 7,
            },
        )
        .await
        .unwrap();
    let delivered = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..subscribers {
        let mut sub = store.subscribe(&job, 0).await.unwrap();
        let delivered = delivered.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            let mut bytes = 0usize;
            while let Some(d) = sub.next().await {
                if let Delivery::Event(e) = d {
                    bytes += e.frame.len();
                }
                n += 1;
            }
            delivered.fetch_add(n, Ordering::Relaxed);
            bytes
        }));
    }
    let t = Instant::now();
    for i in 0..events {
        store
            .append(
                &job,
                JobEvent::OnToolOutput {
                    tool: "bench".into(),
                    stream: conductor_gateway::conductor::StreamKind::Stdout,
                    line: format!("line {i}"),
                },
            )
            .await
            .unwrap();
        if i % 64 == 0 {
            tokio::task::yield_now().await;
        }
    }
    store
        .append(
            &job,
            JobEvent::EndOfStream {
                state: JobState::Succeeded,
                message: "done".into(),
            },
        )
        .await
        .unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = t.elapsed();
    let n = delivered.load(Ordering::Relaxed);
    println!(
        "fan-out (event log, {subscribers} subscribers x {events} events): {n} deliveries in {} = {:.2} M deliveries/s",
        ms(elapsed),
        n as f64 / elapsed.as_secs_f64() / 1e6
    );
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmRSS:")
                .map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

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

async fn memory(idle_subscribers: usize) {
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

async fn mcp(runs: usize) {
    use rmcp::ServiceExt;
    use rmcp::model::CallToolRequestParams;
    use rmcp::transport::StreamableHttpClientTransport;

    let workspace = tempfile::tempdir().unwrap();
    conductor_double::create_workspace(workspace.path()).unwrap();
    let mut s = Settings::default();
    s.store.backend = Some(conductor_gateway::config::StoreBackend::Memory);
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    s.server.mcp_port = 0;
    s.limits.requests_per_second = 0;
    s.conductor.project_path = Some(workspace.path().to_path_buf());
    s.conductor.command = Some(vec![EXE.into(), "demo-cli".into()]);
    let app = Application::build(s, BuildOptions::default())
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}/mcp", app.mcp_port().unwrap());
    let stop = app.stop_token();
    tokio::spawn(app.run_until_stopped());
    let client = ().serve(StreamableHttpClientTransport::from_uri(url.clone())).await.unwrap();
    for _ in 0..20 {
        client.list_all_tools().await.unwrap();
    }
    let mut list = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let tools = client.list_all_tools().await.unwrap();
        list.push(t.elapsed());
        assert_eq!(tools.len(), 13);
    }
    let mut call = Vec::new();
    let mut direct = Vec::new();
    for _ in 0..runs {
        direct.push(spawn_direct(workspace.path()).await);
        let t = Instant::now();
        let r = client
            .call_tool(CallToolRequestParams::new("list_available_agents"))
            .await
            .unwrap();
        call.push(t.elapsed());
        assert_ne!(r.is_error, Some(true));
    }
    let (l, c, d) = (median(list.clone()), median(call), median(direct));
    println!(
        "MCP (Streamable HTTP, rmcp client): tools/list median {} (p90 {}) | tools/call list_available_agents median {} vs direct spawn {} | added {}",
        ms(l),
        ms(p90(list)),
        ms(c),
        ms(d),
        ms(c.saturating_sub(d))
    );
    // The same request over raw HTTP in a session, without the rmcp client,
    // and statelessly (revision 2026-07-28, no session hop).
    let http = reqwest::Client::new();
    let post = |body: Value, session: Option<String>, version: &'static str| {
        let mut r = http
            .post(url.clone())
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", version)
            .json(&body);
        if let Some(s) = session {
            r = r.header("mcp-session-id", s);
        }
        r.send()
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}});
    let r = post(init, None, "2025-11-25").await.unwrap();
    let session = r.headers()["mcp-session-id"].to_str().unwrap().to_string();
    let _ = r.text().await;
    post(
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        Some(session.clone()),
        "2025-11-25",
    )
    .await
    .unwrap();
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let mut raw = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let body = post(list.clone(), Some(session.clone()), "2025-11-25")
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        raw.push(t.elapsed());
        assert!(body.len() > 1000);
    }
    println!(
        "MCP tools/list over raw HTTP in a session: median {} (p90 {})",
        ms(median(raw.clone())),
        ms(p90(raw))
    );
    // tools/call over raw HTTP, with and without a progress token, against
    // spawning the double directly (alternating, so drift hits all three).
    let (mut without, mut with, mut direct) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..runs {
        direct.push(spawn_direct(workspace.path()).await);
        for token in [false, true] {
            let mut params = json!({"name": "list_available_agents", "arguments": {}});
            if token {
                params["_meta"] = json!({"progressToken": format!("bench-{n}")});
            }
            let request =
                json!({"jsonrpc": "2.0", "id": 10 + n, "method": "tools/call", "params": params});
            let t = Instant::now();
            let body = post(request, Some(session.clone()), "2025-11-25")
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let took = t.elapsed();
            assert!(body.contains("\"result\""), "{body}");
            if token {
                with.push(took)
            } else {
                without.push(took)
            }
        }
    }
    let d = median(direct);
    let (a, b) = (median(without), median(with));
    println!(
        "MCP tools/call over raw HTTP in a session: without a progress token {} (added {}) | with one {} (added {}) | direct spawn {}",
        ms(a),
        ms(a.saturating_sub(d)),
        ms(b),
        ms(b.saturating_sub(d)),
        ms(d)
    );
    let _ = client.cancel().await;
    python_sdk(&url, d).await;
    stop.cancel();
}

/// The same calls through the official MCP Python SDK (benches/mcp_sdk.py), when
/// benches/mcp-sdk.sh set `MCP_SDK_PYTHON` to its venv's interpreter.
async fn python_sdk(mcp_url: &str, direct: Duration) {
    let Ok(python) = std::env::var("MCP_SDK_PYTHON") else {
        println!(
            "MCP through the Python SDK: skipped (run benches/mcp-sdk.sh, which creates the venv)"
        );
        return;
    };
    let sse_url = mcp_url.replace("/mcp", "/sse");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/mcp_sdk.py");
    let out = tokio::process::Command::new(python)
        .args([script, mcp_url, &sse_url, EXE, "100"])
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::inherit())
        .output()
        .await
        .expect("running the Python SDK bench");
    assert!(out.status.success(), "the Python SDK bench failed");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).expect("one JSON object per transport");
        let (a, b) = (
            v["without_token_ms"].as_f64().unwrap(),
            v["with_token_ms"].as_f64().unwrap(),
        );
        let ping = v["ping_ms"].as_f64().unwrap();
        let d = direct.as_secs_f64() * 1000.0;
        println!(
            "MCP tools/call through the Python SDK over {}: without a progress token {a:.2} ms (added {:.2} ms) | with one {b:.2} ms (added {:.2} ms) | direct spawn {d:.2} ms | SDK ping {ping:.2} ms",
            v["transport"].as_str().unwrap(),
            a - d,
            b - d,
        );
    }
}

async fn mcp_parallel() {
    use rmcp::ServiceExt;
    use rmcp::model::CallToolRequestParams;
    use rmcp::transport::StreamableHttpClientTransport;

    let workspace = tempfile::tempdir().unwrap();
    conductor_double::create_workspace(workspace.path()).unwrap();
    let mut s = Settings::default();
    s.store.backend = Some(conductor_gateway::config::StoreBackend::Memory);
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    s.server.mcp_port = 0;
    s.conductor.project_path = Some(workspace.path().to_path_buf());
    s.conductor.command = Some(vec![EXE.into(), "demo-cli".into()]);
    s.conductor
        .env
        .insert("CONDUCTOR_DOUBLE_MODE".into(), "slow".into());
    s.conductor
        .env
        .insert("CONDUCTOR_DOUBLE_DELAY_MS".into(), "300".into());
    let app = Application::build(s, BuildOptions::default())
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}/mcp", app.mcp_port().unwrap());
    let stop = app.stop_token();
    tokio::spawn(app.run_until_stopped());
    let client = ().serve(StreamableHttpClientTransport::from_uri(url)).await.unwrap();
    let one = Instant::now();
    client
        .call_tool(CallToolRequestParams::new("list_available_agents"))
        .await
        .unwrap();
    let single = one.elapsed();
    let t = Instant::now();
    let calls =
        (0..8).map(|_| client.call_tool(CallToolRequestParams::new("list_available_agents")));
    futures::future::join_all(calls).await;
    println!(
        "MCP: one 300 ms call takes {}; 8 parallel calls take {} in total",
        ms(single),
        ms(t.elapsed())
    );
    let _ = client.cancel().await;
    stop.cancel();
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let want = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    runtime.block_on(async {
        if want("overhead") {
            tool_overhead(300).await;
        }
        if want("mcp") {
            mcp(300).await;
            mcp_parallel().await;
        }
        if want("fanout") {
            store_fanout(1000, 1000).await;
        }
        if want("memory") {
            memory(10_000).await;
        }
    });
}
