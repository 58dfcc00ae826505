//! A real `redis-server` on a free loopback port, in a directory of its own,
//! stopped when dropped; it can be stopped and started again on the same
//! port (with an append-only file, so its data survives).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::helpers::DEADLINE;

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl RedisServer {
    /// Starts one; `redis-server` must be installed (`scripts/test.sh` installs it).
    pub async fn start(dir: &Path) -> Self {
        let mut server = Self {
            child: None,
            port: free_port(),
            dir: dir.to_path_buf(),
        };
        for _ in 0..10 {
            if server.up().await {
                return server;
            }
            server.port = free_port();
        }
        panic!("redis-server did not start on any free port");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts `redis-server` on `self.port`; false if the port was taken (it
    /// exited), so another can be tried. Ready once *this* server answers:
    /// another test's server on a reused port must not pass for it.
    async fn up(&mut self) -> bool {
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.dir.join("redis.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server is installed (scripts/test.sh installs it)");
        let pid = child.id().expect("a pid").to_string();
        let ready = tokio::time::timeout(DEADLINE, async {
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    return false;
                }
                // Someone else's server may hold the port: then ours exits.
                if server_pid(self.port).await.as_deref() == Some(pid.as_str()) {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("redis-server starts or exits");
        if ready {
            self.child = Some(child);
        }
        ready
    }

    /// Stops it (SIGTERM: it writes its data out) and waits until it has exited.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().unwrap() as i32;
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
            let _ = tokio::time::timeout(DEADLINE, child.wait()).await;
        }
    }

    /// Starts it again on the same port with the same data.
    pub async fn restart(&mut self) {
        assert!(self.up().await, "the port was taken meanwhile");
    }

    /// Waits until the stream `key` holds no entry.
    pub async fn until_empty(&self, key: &str) {
        let client = redis::Client::open(self.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        tokio::time::timeout(DEADLINE, async {
            loop {
                let len: usize = redis::cmd("XLEN")
                    .arg(key)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                if len == 0 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{key} never emptied"));
    }
}

/// The process id of the Redis answering on `port` (`INFO server`).
async fn server_pid(port: u16) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(b"INFO server\r\n").await.ok()?;
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    while !text.windows(11).any(|w| w == b"process_id:") || !text.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        text.extend_from_slice(&buf[..n]);
        if text.starts_with(b"-") {
            // An error (e.g. still loading): not ready yet.
            return None;
        }
    }
    let text = String::from_utf8_lossy(&text);
    let line = text.lines().find(|l| l.starts_with("process_id:"))?;
    Some(line["process_id:".len()..].trim().to_string())
}
