//! Graceful shutdown as a load balancer and the clients see it: `/readyz`
//! answers 503 while the node drains, new sockets are refused, and every
//! connected client gets `server.restarting` and a 1001 close frame, even one
//! in the middle of a slowly paced answer. A store that takes no writes makes
//! the node not ready, and a `hello` then gets `store_unavailable` and a close.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{always_answer, error_code, spawn_app_with};
use taxbot::channels::web::protocol::ServerMsg;

#[tokio::test]
async fn a_draining_node_is_not_ready_refuses_new_sockets_and_tells_every_client() {
    let mut app = spawn_app_with(|c| {
        always_answer(c);
        c.server.drain_secs = 2;
        c.server.shutdown_grace_secs = 4;
        c.chat.stream_delay_ms = 1_000;
    })
    .await;
    let (readyz, socket) = (app.url("/readyz"), format!("ws://{}/ws/chat", app.addr));
    let http = app.http.clone();
    assert_eq!(http.get(&readyz).send().await.expect("readyz").status(), StatusCode::OK);

    let (mut idle, _) = app.visitor(None).await;
    let (mut slow, _) = app.visitor(None).await;
    slow.send_json(serde_json::json!({"type": "ask", "text": "小规模纳税人增值税免征额是多少"})).await;
    slow.recv_until(|m| matches!(m, ServerMsg::AnswerStart { .. })).await;

    let stopping = tokio::spawn(async move {
        app.stop().await;
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = http.get(&readyz).send().await.expect("the listener still answers while draining");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let refused = tokio_tungstenite::connect_async(&socket).await;
    assert!(refused.is_err(), "no new socket while draining");

    assert_eq!(idle.close_code().await, Some(1001), "{:?}", idle.seen);
    assert!(idle.seen.iter().any(|m| matches!(m, ServerMsg::Restarting { .. })));
    assert_eq!(slow.close_code().await, Some(1001), "{:?}", slow.seen);
    assert!(slow.seen.iter().any(|m| matches!(m, ServerMsg::AnswerEnd { .. })), "the answer is finished unpaced");
    assert!(slow.seen.iter().any(|m| matches!(m, ServerMsg::Restarting { .. })));
    stopping.await.expect("the server stops");
}

#[tokio::test]
async fn a_store_that_takes_no_writes_makes_the_node_not_ready_until_it_recovers() {
    use sqlx::Connection;
    let app = spawn_app_with(always_answer).await;
    let readyz = app.url("/readyz");
    let http = reqwest::Client::new();
    assert_eq!(http.get(&readyz).send().await.expect("readyz").status(), StatusCode::OK);

    // Another process holds the database's write lock (a stuck writer, or a
    // disk that takes no writes): reads still work, writes wait and fail.
    let db = format!("sqlite://{}", app.dir.path().join("taxbot.db").display());
    let mut other = sqlx::SqliteConnection::connect(&db).await.expect("second connection");
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut other).await.expect("lock");
    let r = tokio::time::timeout(Duration::from_secs(10), http.get(&readyz).send())
        .await
        .expect("readyz answers in time")
        .expect("readyz");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_ready", "{body}");
    // A taxpayer arriving now is told, and the socket is closed so that the
    // widget reconnects (rather than waiting on a socket with no conversation).
    let mut early = app.chat().await;
    early.send_json(serde_json::json!({"type": "hello"})).await;
    let refused = early.recv().await;
    assert_eq!(error_code(&refused), Some("store_unavailable"), "{refused:?}");
    assert!(early.closed().await, "the socket without a conversation is closed");
    // Closed at once, not left open until the hello deadline closes it.
    assert!(!early.seen.iter().any(|m| error_code(m) == Some("hello_timeout")), "{:?}", early.seen);
    assert!(!early.seen.iter().any(|m| matches!(m, ServerMsg::Welcome { .. })));

    sqlx::query("COMMIT").execute(&mut other).await.expect("unlock");
    let mut ready = false;
    for _ in 0..50 {
        if http.get(&readyz).send().await.expect("readyz").status() == StatusCode::OK {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "ready again once the store takes writes");
    // The reconnecting taxpayer gets a conversation again.
    let (_, welcome) = app.visitor(None).await;
    assert!(matches!(welcome, ServerMsg::Welcome { .. }));
}
