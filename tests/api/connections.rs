//! What a client can hold open: connection caps, idle connections, slow
//! bodies. Every wait is for an event (the server closing, an answer) under
//! the deadline; the short limits only make the events come sooner.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Reads until the server closes the connection; what it sent.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server closes the connection within the deadline");
    out
}

async fn health_on(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 8192];
    let n = tokio::time::timeout(DEADLINE, stream.read(&mut buf))
        .await
        .expect("an answer within the deadline")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn connections_past_the_per_address_cap_are_closed_at_once() {
    let app = spawn_with(|s| s.limits.max_connections_per_addr = 2).await;
    let addr = format!("127.0.0.1:{}", app.port);
    let mut first = TcpStream::connect(&addr).await.unwrap();
    let mut second = TcpStream::connect(&addr).await.unwrap();
    assert!(health_on(&mut first).await.starts_with("HTTP/1.1 200"));
    assert!(health_on(&mut second).await.starts_with("HTTP/1.1 200"));
    let mut third = TcpStream::connect(&addr).await.unwrap();
    let _ = third
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    assert!(
        until_closed(&mut third).await.is_empty(),
        "refused unanswered"
    );
    // The first two still work, and a place freed is a place taken.
    assert!(health_on(&mut first).await.starts_with("HTTP/1.1 200"));
    drop(second);
    let fresh = tokio::time::timeout(DEADLINE, async {
        loop {
            let mut s = TcpStream::connect(&addr).await.unwrap();
            let _ = s
                .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .await;
            let mut buf = [0u8; 64];
            if let Ok(n) = s.read(&mut buf).await
                && n > 0
            {
                return String::from_utf8_lossy(&buf[..n]).into_owned();
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("a freed place is taken");
    assert!(fresh.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_connection_that_never_sends_a_request_is_closed() {
    let app = spawn_with(|s| {
        s.limits.header_read_timeout_secs = 1;
        s.limits.idle_timeout_secs = 1;
    })
    .await;
    let mut silent = TcpStream::connect(format!("127.0.0.1:{}", app.port))
        .await
        .unwrap();
    assert!(until_closed(&mut silent).await.is_empty());
    // An HTTP/2 preface and nothing else is no better.
    let mut h2 = TcpStream::connect(format!("127.0.0.1:{}", app.port))
        .await
        .unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    until_closed(&mut h2).await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_request() {
    let app = spawn_with(|s| s.limits.idle_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(format!("127.0.0.1:{}", app.port))
        .await
        .unwrap();
    assert!(health_on(&mut stream).await.starts_with("HTTP/1.1 200"));
    until_closed(&mut stream).await;
}

#[tokio::test]
async fn a_stream_outlives_the_idle_timeout_while_it_streams() {
    let app = spawn_with(|s| {
        s.limits.idle_timeout_secs = 1;
        s.jobs.keepalive_secs = 60;
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_MODE".into(), "slow".into());
        s.conductor
            .env
            .insert("CONDUCTOR_DOUBLE_DELAY_MS".into(), "2500".into());
    })
    .await;
    let job = app
        .start_job(json!({"input": "/run CodeReviewer_Agent take your time"}))
        .await;
    let events = app.read_stream(&job, None).await;
    assert_eq!(events.last().unwrap().name(), "end_of_stream");
    let result = events.iter().find(|e| e.name() == "result");
    assert!(result.is_some(), "{events:?}");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    let app = spawn_with(|s| {
        s.limits.body_read_timeout_secs = 1;
        s.limits.idle_timeout_secs = 2;
    })
    .await;
    let mut stream = TcpStream::connect(format!("127.0.0.1:{}", app.port))
        .await
        .unwrap();
    stream
        .write_all(
            b"POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"input\":",
        )
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&until_closed(&mut stream).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    let body: Value = serde_json::from_str(body.trim()).unwrap_or(Value::Null);
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("body_read_timeout_secs")),
        "{answer}"
    );
    assert!(app.invocations().is_empty());
}
