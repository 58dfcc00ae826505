//! Agent loop overhead per model round, beyond the model and the tool.
//!
//! An in-process mock answers every Chat Completions request at once (a tool
//! call to `set_environment`, a local tool that spawns nothing, until the
//! asked-for number of rounds is reached, then a text answer). The bench runs
//! the real agent through a real `JobContext` (in-memory store, events and
//! all), then replays the very request bodies it sent straight to the mock
//! with a bare HTTP client, and times the tool alone; what remains is the
//! loop's own cost: building requests, parsing the stream, emitting events.
//!
//! `cargo bench --bench agent_loop`. Without `--bench` (as `cargo test
//! --all-targets` runs it) it makes a few runs only, as a smoke test.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::post;
use conductor_gateway::conductor::Conductor;
use conductor_gateway::config::{Secret, Settings};
use conductor_gateway::jobs::memory::MemoryStore;
use conductor_gateway::jobs::model::{JobId, JobRecord, JobState, now};
use conductor_gateway::jobs::{JobContext, JobStore};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const ROUNDS: usize = 10;

static TOOL_ROUNDS: AtomicUsize = AtomicUsize::new(ROUNDS);
static RECORDING: AtomicBool = AtomicBool::new(false);
static RECORDED: Mutex<Vec<Bytes>> = Mutex::new(Vec::new());

fn sse(data: &[Value]) -> String {
    let mut body: String = data.iter().map(|d| format!("data: {d}\n\n")).collect();
    body.push_str("data: [DONE]\n\n");
    body
}

/// The mock's two answers, built once.
struct Answers {
    call: String,
    text: String,
}

fn answers() -> Answers {
    let call = sse(&[
        json!({"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"set_environment","arguments":""}}]}}]}),
        json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"environment\":"}}]}}]}),
        json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" \"bench\"}"}}]}}]}),
        json!({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}),
        json!({"choices":[],"usage":{"prompt_tokens":900,"completion_tokens":12,"total_tokens":912}}),
    ]);
    let mut chunks =
        vec![json!({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})];
    for word in "The environment is set to bench and all is well .".split(' ') {
        chunks.push(json!({"choices":[{"index":0,"delta":{"content":format!("{word} ")}}]}));
    }
    chunks.push(json!({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}));
    chunks.push(json!({"choices":[],"usage":{"prompt_tokens":950,"completion_tokens":10,"total_tokens":960}}));
    Answers {
        call,
        text: sse(&chunks),
    }
}

async fn start_mock() -> String {
    let answers = Arc::new(answers());
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |body: Bytes| {
            let answers = answers.clone();
            async move {
                // Counting tool results by substring keeps the mock's cost flat
                // as the conversation grows (no JSON parsing).
                let done = count(&body, b"\"role\":\"tool\"");
                if RECORDING.load(Ordering::Relaxed) {
                    RECORDED.lock().unwrap().push(body);
                }
                let reply = if done < TOOL_ROUNDS.load(Ordering::Relaxed) {
                    answers.call.clone()
                } else {
                    answers.text.clone()
                };
                ([("content-type", "text/event-stream")], reply)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/v1")
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

async fn new_context(store: &Arc<MemoryStore>, conductor: &Arc<Conductor>) -> JobContext {
    let job_id = JobId::new();
    store
        .insert(
            JobRecord {
                job_id: job_id.clone(),
                owner: "anonymous".into(),
                state: JobState::Running,
                command: "bench".into(),
                kind: "text".into(),
                metadata: json!({}),
                created_at: now(),
                started_at: Some(now()),
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
    JobContext {
        job_id,
        metadata: json!({}),
        cancel: CancellationToken::new(),
        store: store.clone(),
        conductor: conductor.clone(),
        scopes: conductor_gateway::auth::Scopes::ALL,
        owner: Arc::from("anonymous"),
        approvals: Arc::default(),
    }
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn p90(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() * 9 / 10]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let (warmup, runs) = if std::env::args().any(|a| a == "--bench") {
        (30, 300)
    } else {
        (1, 3)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench(warmup, runs));
}

async fn bench(warmup: usize, runs_wanted: usize) {
    let base_url = start_mock().await;
    let project = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.store.backend = Some(conductor_gateway::config::StoreBackend::Memory);
    settings.conductor.project_path = Some(project.path().to_path_buf());
    settings.llm.api_key = Some(Secret::new("bench"));
    settings.llm.base_url = base_url.clone();
    let agent = conductor_gateway::agent::build(&settings)
        .unwrap()
        .expect("an agent with a key");
    let store = Arc::new(MemoryStore::new(conductor_gateway::startup::memory_limits(
        &settings,
    )));
    let conductor = Arc::new(Conductor::new(&settings, "bench", CancellationToken::new()));

    // The whole loop: ROUNDS tool rounds and a final answer round.
    let mut runs = Vec::with_capacity(runs_wanted);
    for i in 0..warmup + runs_wanted {
        let ctx = new_context(&store, &conductor).await;
        RECORDING.store(i == warmup, Ordering::Relaxed);
        let started = Instant::now();
        let answer = agent
            .run(&ctx, "Set the environment to bench")
            .await
            .unwrap();
        let took = started.elapsed();
        assert!(answer.starts_with("The environment"));
        if i >= warmup {
            runs.push(took);
        }
    }
    RECORDING.store(false, Ordering::Relaxed);
    let bodies = std::mem::take(&mut *RECORDED.lock().unwrap());
    assert_eq!(bodies.len(), ROUNDS + 1);

    // The model alone: the same bodies, sent and read whole, nothing parsed.
    let client = reqwest::Client::new();
    let url = format!("{base_url}/chat/completions");
    let mut model = Vec::with_capacity(runs_wanted);
    for i in 0..warmup + runs_wanted {
        let started = Instant::now();
        for body in &bodies {
            let response = client.post(&url).body(body.clone()).send().await.unwrap();
            let _ = response.bytes().await.unwrap();
        }
        if i >= warmup {
            model.push(started.elapsed());
        }
    }

    // The tool alone, without events.
    let mut tool = Vec::with_capacity(runs_wanted);
    for i in 0..warmup + runs_wanted {
        let started = Instant::now();
        for _ in 0..ROUNDS {
            let result = conductor
                .call(
                    conductor_gateway::auth::Scopes::ALL,
                    "set_environment",
                    json!({"environment": "bench"}),
                    &conductor_gateway::conductor::toolbox::EnvKey::principal("anonymous"),
                    None,
                    CancellationToken::new(),
                )
                .await
                .unwrap();
            assert!(!result.is_error);
        }
        if i >= warmup {
            tool.push(started.elapsed());
        }
    }

    let rounds = (ROUNDS + 1) as f64;
    let run_m = median(&mut runs);
    let model_m = median(&mut model);
    let tool_m = median(&mut tool);
    let overhead = (us(run_m) - us(model_m) - us(tool_m)) / rounds;
    println!(
        "agent loop: {ROUNDS} tool rounds + 1 answer round per run, {runs_wanted} runs (after {warmup} warm-up)"
    );
    println!(
        "  whole run           median {:>9.1} µs   p90 {:>9.1} µs",
        us(run_m),
        us(p90(&mut runs))
    );
    println!(
        "  model alone (raw)   median {:>9.1} µs   p90 {:>9.1} µs   ({:.1} µs per request)",
        us(model_m),
        us(p90(&mut model)),
        us(model_m) / rounds
    );
    println!(
        "  tool alone          median {:>9.1} µs   p90 {:>9.1} µs   ({:.1} µs per call)",
        us(tool_m),
        us(p90(&mut tool)),
        us(tool_m) / ROUNDS as f64
    );
    println!("  loop overhead per model round (medians): {overhead:.1} µs");
    let largest = bodies.iter().map(Bytes::len).max().unwrap_or(0);
    println!("  request bodies: {} to {largest} bytes", bodies[0].len());
}
