//! Prometheus metrics: names, labels and the recorder.
//!
//! Label values are `&'static str`s from small enums (anything that
//! implements [`Label`]) or route templates, never user text, so the number
//! of series stays fixed. The request path's handles are registered once per
//! route ([`HttpMetrics`]), so counting a request is an atomic add, not a
//! registry lookup.
//!
//! The same events also feed [`window`], the last hour in per-minute buckets
//! that the console's status summary reads.

pub mod window;

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{Counter, Histogram, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0, 300.0,
];

/// A metric label value: the name of an enum variant.
pub trait Label {
    fn label(&self) -> &'static str;
}

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

/// Statuses whose counters exist from the start; others are registered on first use.
const STATUSES: [u16; 17] = [
    200, 202, 204, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 500, 503, 504,
];

struct RouteMetrics {
    method: &'static str,
    route: &'static str,
    duration: Histogram,
    by_status: Vec<Counter>,
}

impl RouteMetrics {
    fn new(method: &'static str, route: &'static str) -> Self {
        Self {
            method,
            route,
            duration: histogram!(
                "conductor_gateway_http_request_duration_seconds",
                "method" => method,
                "route" => route
            ),
            by_status: STATUSES
                .iter()
                .map(|status| requests(method, route, *status))
                .collect(),
        }
    }
}

fn requests(method: &'static str, route: &'static str, status: u16) -> Counter {
    counter!(
        "conductor_gateway_http_requests_total",
        "method" => method,
        "route" => route,
        "status" => status.to_string()
    )
}

/// The request metrics of one router: one set of handles per route.
pub struct HttpMetrics {
    routes: Vec<RouteMetrics>,
    /// Requests no route matched, by method.
    unmatched: Vec<RouteMetrics>,
}

/// Methods kept apart for unmatched requests; any other is `other`.
const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "other",
];

impl HttpMetrics {
    /// `routes` are (method, route template) in the router's order.
    pub fn new(routes: impl IntoIterator<Item = (&'static str, &'static str)>) -> Self {
        // Handles are only live once the recorder is installed.
        let _ = handle();
        Self {
            routes: routes
                .into_iter()
                .map(|(method, route)| RouteMetrics::new(method, route))
                .collect(),
            unmatched: METHODS
                .iter()
                .map(|m| RouteMetrics::new(m, "unmatched"))
                .collect(),
        }
    }

    /// Counts one answered request: route `index` of the table, or unmatched.
    pub fn record(&self, index: Option<usize>, method: &str, status: u16, elapsed: Duration) {
        let metrics = match index.and_then(|i| self.routes.get(i)) {
            Some(m) => m,
            None => {
                let i = METHODS
                    .iter()
                    .position(|m| *m == method)
                    .unwrap_or(METHODS.len() - 1);
                &self.unmatched[i]
            }
        };
        metrics.duration.record(elapsed.as_secs_f64());
        match STATUSES.iter().position(|s| *s == status) {
            Some(i) => metrics.by_status[i].increment(1),
            None => requests(metrics.method, metrics.route, status).increment(1),
        }
    }
}

pub fn cli_run(outcome: impl Label, elapsed: Duration) {
    counter!("conductor_gateway_cli_runs_total", "outcome" => outcome.label()).increment(1);
    histogram!("conductor_gateway_cli_run_duration_seconds", "outcome" => outcome.label())
        .record(elapsed.as_secs_f64());
    window::WINDOW.cli_run(window::unix_now(), elapsed);
}

pub fn job_submitted() {
    counter!("conductor_gateway_jobs_submitted_total").increment(1);
    gauge!("conductor_gateway_jobs_active").increment(1.0);
}

pub fn job_finished(state: impl Label) {
    counter!("conductor_gateway_jobs_finished_total", "state" => state.label()).increment(1);
    gauge!("conductor_gateway_jobs_active").decrement(1.0);
    window::WINDOW.job_finished(window::unix_now(), state.label());
}

pub fn sse_subscribers(delta: f64) {
    gauge!("conductor_gateway_sse_subscribers").increment(delta);
    window::WINDOW.sse_streams(delta as i64);
}

pub fn mcp_sessions_set(open: f64) {
    gauge!("conductor_gateway_mcp_sessions").set(open);
    window::WINDOW.mcp_sessions(open as u64);
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
    window::WINDOW.refused(window::unix_now());
}

pub fn connections_refused() {
    counter!("conductor_gateway_connections_refused_total").increment(1);
}
