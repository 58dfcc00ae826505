//! MCP: `tools/list` and `tools/call` with and without a progress token, raw,
//! through the rmcp client and through the official Python SDK; parallel calls.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::measure::{median, ms, p90};
use super::{EXE, spawn_direct};

pub async fn mcp(runs: usize) {
    use rmcp::ServiceExt;
    use rmcp::model::CallToolRequestParams;
    use rmcp::transport::StreamableHttpClientTransport;

    let app = crate::app::gateway().quiet_double().mcp().start().await;
    let url = app.mcp_url("/mcp");
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
        direct.push(spawn_direct(app.workspace.path()).await);
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
        direct.push(spawn_direct(app.workspace.path()).await);
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
    drop(app);
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

pub async fn mcp_parallel() {
    use rmcp::ServiceExt;
    use rmcp::model::CallToolRequestParams;
    use rmcp::transport::StreamableHttpClientTransport;

    let app = crate::app::gateway()
        .quiet_double()
        .mcp()
        .double_mode("slow", 300)
        .start()
        .await;
    let url = app.mcp_url("/mcp");
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
    drop(app);
}
