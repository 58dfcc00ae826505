//! The request path against yardsticks, on this machine, in one run:
//! `wrk -t2 -c50` against a static nginx answering the gateway's `/health`
//! body (Debian's package, when installed), a minimal hyper server answering
//! the same body (always), and the gateway's `/health` and 404, with its
//! default limits and with the rate limit off (a flood is otherwise answered
//! 429, which measures the limiter rather than the route).
//!
//! `cargo bench --bench http_path`; needs `wrk` (Debian's package) and says
//! so when it is missing.

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;

const GATEWAY: &str = env!("CARGO_BIN_EXE_conductor-gateway");

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `wrk -t2 -c50 -d5s <url>`: requests per second and the median latency.
fn wrk(url: &str) -> (f64, String) {
    let out = Command::new("wrk")
        .args(["-t2", "-c50", "-d5s", "--latency", url])
        .output()
        .expect("wrk runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    let p50 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("50%"))
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    (rps, p50)
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("port {port} did not come up");
}

/// The gateway in demo mode on a free port; `extra` adds environment settings.
fn gateway(extra: &[(&str, &str)]) -> (Killed, u16) {
    let port = free_port();
    let child = Command::new(GATEWAY)
        .args(["serve", "--demo"])
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("MCP_PORT", free_port().to_string())
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the gateway starts");
    wait_for(port);
    (Killed(child), port)
}

fn health_body(port: u16) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text.split("\r\n\r\n").nth(1).unwrap_or("{}").to_string()
}

fn nginx(body: &str) -> Option<(Killed, u16, tempfile::TempDir)> {
    let binary = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|b| std::path::Path::new(b).exists() || have(b))?;
    let dir = tempfile::tempdir().ok()?;
    let port = free_port();
    let conf = format!(
        "worker_processes 2; daemon off; pid {dir}/nginx.pid; error_log {dir}/error.log;\n\
         events {{ worker_connections 4096; }}\n\
         http {{ access_log off; client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir}; uwsgi_temp_path {dir}; scgi_temp_path {dir};\n\
           server {{ listen 127.0.0.1:{port}; location /health {{ default_type application/json; return 200 '{body}'; }} }} }}\n",
        dir = dir.path().display(),
        body = body.replace('\'', "\\'"),
    );
    let path = dir.path().join("nginx.conf");
    std::fs::write(&path, conf).ok()?;
    let child = Command::new(binary)
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    wait_for(port);
    Some((Killed(child), port, dir))
}

/// The yardstick built here: hyper answering the same body, nothing else.
fn hyper_server(body: String) -> u16 {
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let body = Bytes::from(body);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let body = body.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |_req: hyper::Request<Incoming>| {
                        let body = body.clone();
                        async move {
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .header("content-type", "application/json")
                                    .body(Full::new(body))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    wait_for(port);
    port
}

fn main() {
    if !have("wrk") {
        println!("http_path: skipped, wrk is not installed (apt-get install wrk)");
        return;
    }
    let (default_gw, default_port) = gateway(&[]);
    let (open_gw, open_port) = gateway(&[("GATEWAY_LIMITS__REQUESTS_PER_SECOND", "0")]);
    let body = health_body(default_port);
    let mut rows: Vec<(String, f64, String)> = Vec::new();
    let nginx = nginx(&body);
    match &nginx {
        Some((_, port, _)) => {
            let (rps, p50) = wrk(&format!("http://127.0.0.1:{port}/health"));
            rows.push(("static nginx, the same /health body".into(), rps, p50));
        }
        None => println!("http_path: nginx is not installed; the hyper yardstick stands alone"),
    }
    let hyper_port = hyper_server(body);
    let (rps, p50) = wrk(&format!("http://127.0.0.1:{hyper_port}/health"));
    rows.push(("minimal hyper server, the same body".into(), rps, p50));
    for (what, url) in [
        (
            "gateway /health",
            format!("http://127.0.0.1:{default_port}/health"),
        ),
        (
            "gateway 404, default limits (mostly 429)",
            format!("http://127.0.0.1:{default_port}/nope"),
        ),
        (
            "gateway /health, rate limit off",
            format!("http://127.0.0.1:{open_port}/health"),
        ),
        (
            "gateway 404, rate limit off",
            format!("http://127.0.0.1:{open_port}/nope"),
        ),
    ] {
        let (rps, p50) = wrk(&url);
        rows.push((what.into(), rps, p50));
    }
    let yardstick = rows[0].1;
    println!("\n| server | req/s | p50 | of the first row |");
    println!("|---|---|---|---|");
    for (what, rps, p50) in &rows {
        println!(
            "| {what} | {rps:.0} | {p50} | {:.0} % |",
            100.0 * rps / yardstick.max(1.0)
        );
    }
    drop((default_gw, open_gw, nginx));
}
