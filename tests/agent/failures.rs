//! The model failing: rate limits, server errors, refused keys, broken
//! streams, an unreachable API, and a slow model whose job is cancelled.

use crate::helpers::*;
use crate::mock::{Mock, Reply};

#[tokio::test]
async fn a_429_with_retry_after_is_retried_then_succeeds() {
    let mock = Mock::start(vec![
        Reply::Status {
            code: 429,
            retry_after: Some("1"),
            message: "Rate limit reached",
        },
        Reply::text(&["Fine now."]),
    ])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let events = app.run("Hello").await;

    assert_eq!(result(&events), "Fine now.");
    assert_eq!(mock.requests().len(), 2);
    // A retried request is one round to the client: one start, one end.
    assert_eq!(named(&events, "on_llm_start").len(), 1);
    assert_eq!(named(&events, "on_llm_end").len(), 1);
}

#[tokio::test]
async fn a_persistent_500_fails_after_the_retries() {
    let mock = Mock::start(vec![]).await.then_always(Reply::Status {
        code: 500,
        retry_after: None,
        message: "upstream exploded",
    });
    let app = spawn_app(Some(&mock), |s| s.llm.max_retries = 2).await;
    let events = app.run("Hello").await;

    let error = error(&events);
    assert!(error.contains("500"), "{error}");
    assert!(error.contains("upstream exploded"), "{error}");
    assert!(error.contains("3 attempts"), "{error}");
    assert_eq!(mock.requests().len(), 3);
    let llm_end = named(&events, "on_llm_end")[0];
    assert!(
        llm_end["data"]["error"]
            .as_str()
            .unwrap()
            .contains("upstream exploded")
    );
}

#[tokio::test]
async fn a_refused_key_fails_at_once_with_the_providers_message() {
    let mock = Mock::start(vec![]).await.then_always(Reply::Status {
        code: 401,
        retry_after: None,
        message: "Incorrect API key provided",
    });
    let app = spawn_app(Some(&mock), |_| {}).await;
    let events = app.run("Hello").await;

    let error = error(&events);
    assert!(error.contains("401"), "{error}");
    assert!(error.contains("Incorrect API key provided"), "{error}");
    assert!(!error.contains("test"), "the key never appears: {error}");
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn a_truncated_stream_fails_the_job() {
    let mock = Mock::start(vec![Reply::Raw(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Half an ans\"}}]}\n\n".into(),
    )])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let events = app.run("Hello").await;

    let error = error(&events);
    assert!(
        error.contains("ended before the answer was complete"),
        "{error}"
    );
    assert_eq!(named(&events, "on_llm_new_token").len(), 1);
    assert!(named(&events, "result").is_empty());
    assert_eq!(mock.requests().len(), 1, "a broken stream is not retried");
}

#[tokio::test]
async fn a_malformed_chunk_fails_the_job() {
    let mock = Mock::start(vec![Reply::Raw(
        "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\ndata: {not json\n\n".into(),
    )])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let events = app.run("Hello").await;

    let error = error(&events);
    assert!(error.contains("malformed"), "{error}");
    assert!(error.contains("{not json"), "{error}");
}

#[tokio::test]
async fn an_error_object_inside_the_stream_fails_the_job() {
    let mock = Mock::start(vec![Reply::Raw(
        "data: {\"error\":{\"message\":\"The server is overloaded\"}}\n\n".into(),
    )])
    .await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let events = app.run("Hello").await;

    let error = error(&events);
    assert!(error.contains("The server is overloaded"), "{error}");
}

#[tokio::test]
async fn an_unreachable_api_fails_the_job_and_says_where() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let app = spawn_app(None, |s| {
        s.llm.api_key = Some(conductor_gateway::config::Secret::new("test"));
        s.llm.base_url = format!("http://127.0.0.1:{port}/v1");
        s.llm.max_retries = 1;
    })
    .await;
    let events = app.run("Hello").await;

    let error = error(&events);
    assert!(error.contains("cannot reach the model API"), "{error}");
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(error.contains("2 attempts"), "{error}");
}

#[tokio::test]
async fn cancelling_a_job_drops_the_model_request_in_flight() {
    let mock = Mock::start(vec![Reply::Slow]).await;
    let app = spawn_app(Some(&mock), |_| {}).await;
    let id = app.start("Take your time").await;
    let mut events = app.subscribe(&id).await;
    // The first token proves the request is streaming.
    let mut seen = events.until("on_llm_new_token").await;

    let (status, job) = app.cancel(&id).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["state"], "cancelled");
    tokio::time::timeout(DEADLINE, mock.dropped())
        .await
        .expect("the mock sees the request dropped");
    seen.extend(events.rest().await);
    assert_eq!(named(&seen, "error")[0]["data"]["state"], "cancelled");
    assert!(named(&seen, "result").is_empty());
    assert_eq!(mock.requests().len(), 1);
}
