//! Prometheus metrics: names, typed labels and the recorder.
//!
//! Every label value is a bounded enum or a route template, never user text,
//! so the number of series stays fixed.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::jobs::JobState;
use crate::tools::Outcome;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0, 300.0,
];

/// Installs the process-wide recorder once; later calls share it.
pub fn handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .ok()?
                .install_recorder()
                .ok()
        })
        .clone()
}

/// The text exposition of every metric.
pub fn render() -> String {
    handle().map(|h| h.render()).unwrap_or_default()
}

pub fn http_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let status = status.to_string();
    let labels = [
        ("method", method.to_string()),
        ("route", route.to_string()),
        ("status", status),
    ];
    counter!("conductor_gateway_http_requests_total", &labels).increment(1);
    histogram!(
        "conductor_gateway_http_request_duration_seconds",
        &labels[..2]
    )
    .record(elapsed.as_secs_f64());
}

pub fn cli_run(outcome: Outcome, elapsed: Duration) {
    counter!("conductor_gateway_cli_runs_total", "outcome" => outcome.as_str()).increment(1);
    histogram!("conductor_gateway_cli_run_duration_seconds", "outcome" => outcome.as_str())
        .record(elapsed.as_secs_f64());
}

pub fn job_submitted() {
    counter!("conductor_gateway_jobs_submitted_total").increment(1);
    gauge!("conductor_gateway_jobs_active").increment(1.0);
}

pub fn job_finished(state: JobState) {
    counter!("conductor_gateway_jobs_finished_total", "state" => state.as_str()).increment(1);
    gauge!("conductor_gateway_jobs_active").decrement(1.0);
}

pub fn sse_subscribers(delta: f64) {
    gauge!("conductor_gateway_sse_subscribers").increment(delta);
}

pub fn mcp_call(tool: &'static str, outcome: &'static str) {
    counter!("conductor_gateway_mcp_calls_total", "tool" => tool, "outcome" => outcome)
        .increment(1);
}

pub fn llm_request(outcome: &'static str) {
    counter!("conductor_gateway_llm_requests_total", "outcome" => outcome).increment(1);
}

pub fn llm_retry() {
    counter!("conductor_gateway_llm_retries_total").increment(1);
}

pub fn llm_tokens(kind: &'static str, count: u64) {
    counter!("conductor_gateway_llm_tokens_total", "kind" => kind).increment(count);
}

pub fn rate_limited() {
    counter!("conductor_gateway_rate_limited_total").increment(1);
}
