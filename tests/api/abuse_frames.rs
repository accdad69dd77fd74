//! Low-level abuse: oversized frames close with 1009, and a text of control
//! characters only is refused with a clear error instead of being stored.

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::{error_code, spawn_app};
use taxbot::channels::web::protocol::ServerMsg;

const INVISIBLE: &str = "\u{1}\u{7}\u{200b}\u{feff}\t";

#[tokio::test]
async fn a_frame_over_the_transport_limit_closes_with_1009() {
    let app = spawn_app().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws/chat", app.addr)).await.expect("connects");
    ws.send(Message::text(json!({"type": "hello"}).to_string())).await.expect("hello");
    let huge = "长".repeat(app.config.server.max_frame_bytes * 8 / 3 + 100);
    let _ = ws.send(Message::text(json!({"type": "ask", "text": huge}).to_string())).await;
    let mut code = None;
    while let Ok(Some(Ok(m))) = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await {
        if let Message::Close(frame) = m {
            code = frame.map(|f| f.code);
            break;
        }
    }
    assert_eq!(code, Some(CloseCode::Size), "the documented close code");
    let (_, welcome) = app.visitor(None).await;
    assert!(matches!(welcome, ServerMsg::Welcome { .. }), "others are served");
}

#[tokio::test]
async fn a_text_of_control_characters_only_is_refused() {
    let app = spawn_app().await;
    let (mut v, _) = app.visitor(None).await;
    v.send_json(json!({"type": "ask", "text": INVISIBLE})).await;
    let m = v.recv_until(|m| matches!(m, ServerMsg::Error { .. })).await;
    assert_eq!(error_code(&m), Some("empty_text"));
    let ServerMsg::Error { message, .. } = m else { unreachable!() };
    assert!(message.contains("可见"), "{message}");

    let res = app
        .http
        .post(app.url("/api/v1/ask"))
        .json(&json!({"user_id": "u", "text": INVISIBLE}))
        .send()
        .await
        .expect("ask");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "empty_text");
    let asked = app.store.questions_since(chrono::Utc::now() - chrono::Duration::days(1), 10).await.expect("store");
    assert!(asked.is_empty(), "nothing was stored: {asked:?}");
}
