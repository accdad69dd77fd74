//! The HTTP API, health, metrics and the widget files.

use serde_json::json;

use crate::helpers::{always_answer, spawn_app, spawn_app_with};
use taxbot::channels::http::AskResponse;

#[tokio::test]
async fn ask_returns_the_decision_and_continues_by_user_id() {
    let app = spawn_app_with(always_answer).await;
    let post = |user: &str, text: &str| {
        app.http.post(app.url("/api/v1/ask")).json(&json!({"user_id": user, "text": text})).send()
    };
    let r = post("wx-1", "个体户怎么开发票").await.expect("request");
    assert_eq!(r.status(), 200);
    let first: AskResponse = r.json().await.expect("json");
    assert_eq!(first.decision, "answer");
    let answer_id = first.answer_id.expect("answer id");
    let stored = app.store.message(answer_id).await.expect("stored");
    assert_eq!(first.answer.as_deref(), Some(stored.body.text.as_str()));
    assert!(!first.sources.is_empty());
    let second: AskResponse = post("wx-1", "谢谢").await.expect("request").json().await.expect("json");
    assert_eq!(second.session_id, first.session_id);
    assert_eq!(second.decision, "text");
    let other: AskResponse = post("wx-2", "你好").await.expect("request").json().await.expect("json");
    assert_ne!(other.session_id, first.session_id);
    let elsewhere: AskResponse = post("wx-2", "我的快递丢了").await.expect("request").json().await.expect("json");
    assert_eq!(elsewhere.decision, "out_of_scope");
    assert!(elsewhere.text.as_deref().is_some_and(|t| t.contains("12305")), "{elsewhere:?}");
}

#[tokio::test]
async fn the_stream_endpoint_sends_the_same_chunks_as_server_sent_events() {
    let app = spawn_app_with(|c| {
        always_answer(c);
        c.chat.chunk_chars = 12;
    })
    .await;
    let body = app
        .http
        .get(app.url("/api/v1/ask/stream"))
        .query(&[("user_id", "bridge-7"), ("text", "小规模纳税人免征增值税")])
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let mut text = String::new();
    let mut answer_id = None;
    for line in body.lines() {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(data).expect("json data");
        match v["type"].as_str() {
            Some("answer.delta") => text.push_str(v["text"].as_str().expect("text")),
            Some("answer.end") => answer_id = v["answer_id"].as_i64(),
            _ => {}
        }
    }
    assert!(body.contains("event: answer.start"), "{body}");
    let stored = app.store.message(answer_id.expect("answer.end")).await.expect("stored");
    assert_eq!(stored.body.text, text);
}

#[tokio::test]
async fn bad_requests_get_a_code_and_a_message() {
    let app = spawn_app().await;
    let r = app.http.post(app.url("/api/v1/ask")).body("{oops").send().await.expect("request");
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["error"]["code"], "bad_json");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    let r = app
        .http
        .post(app.url("/api/v1/ask"))
        .json(&json!({"user_id": "", "text": "增值税"}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 400);
    let r = app.http.get(app.url("/api/v1/ask/stream?text=hi")).send().await.expect("request");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn health_readiness_metrics_and_widget_are_served() {
    let app = spawn_app().await;
    for (path, needle) in [("/healthz", "ok"), ("/readyz", "ready"), ("/", "<html"), ("/widget.js", "WebSocket")] {
        let r = app.http.get(app.url(path)).send().await.expect("request");
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.text().await.expect("body").contains(needle), "{path}");
    }
    app.http
        .post(app.url("/api/v1/ask"))
        .json(&json!({"user_id": "m", "text": "今天天气怎么样"}))
        .send()
        .await
        .expect("request");
    let metrics = app.http.get(app.url("/metrics")).send().await.expect("request");
    let text = metrics.text().await.expect("body");
    assert!(text.contains("taxbot_messages_total{channel=\"http\"} 1"), "{text}");
    assert!(text.contains("taxbot_first_delta_seconds_bucket"));
}
