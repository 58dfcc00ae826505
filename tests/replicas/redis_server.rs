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
        server.up().await;
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn up(&mut self) {
        let child = Command::new("redis-server")
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
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server is installed (scripts/test.sh installs it)");
        self.child = Some(child);
        // Ready once it answers.
        tokio::time::timeout(DEADLINE, async {
            loop {
                if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut buf = [0u8; 16];
                    if s.write_all(b"PING\r\n").await.is_ok()
                        && let Ok(n) = s.read(&mut buf).await
                        && buf[..n].starts_with(b"+PONG")
                    {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("redis-server answers");
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
        self.up().await;
    }
}
