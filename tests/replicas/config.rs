//! `conductor-gateway config check` with the Redis store: it says which
//! backend, whether it answers, and never prints the URL's password.

use std::process::Command;

use crate::cluster::dir;
use crate::redis_server::RedisServer;

fn check(url: &str) -> (bool, String) {
    let out = Command::new(crate::process::BIN)
        .args(["config", "check"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GATEWAY_STORE__BACKEND", "redis")
        .env("REDIS_URL", url)
        .output()
        .expect("config check runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[tokio::test]
async fn config_check_reaches_redis_and_hides_the_password() {
    let root = tempfile::tempdir().unwrap();
    let redis = RedisServer::start(&dir(root.path(), "redis")).await;
    let url = format!("redis://:not-a-real-password@127.0.0.1:{}", redis.port);
    // This Redis has no password, so AUTH fails and the check says why:
    // without the password in it.
    let (_, text) = check(&url);
    assert!(!text.contains("not-a-real-password"), "{text}");
    let (ok_plain, text_plain) = check(&redis.url());
    assert!(ok_plain, "{text_plain}");
    assert!(
        text_plain.contains("# store: redis (reachable)"),
        "{text_plain}"
    );
}

#[tokio::test]
async fn config_check_fails_when_redis_does_not_answer() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (ok, text) = check(&format!("redis://127.0.0.1:{port}"));
    assert!(!ok, "{text}");
    assert!(text.contains("redis job store"), "{text}");
}
