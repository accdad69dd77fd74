//! Starter questions set by editors (`/api/admin/starters`): shown in new
//! welcomes without a restart, on every node, with the configured
//! `chat.starter_questions` as the fallback; bad lists are refused in Chinese.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{AGENT_1, AGENT_PASSWORD, TestApp, spawn_app};
use crate::nodes::node;
use crate::postgres::TestDatabase;
use taxbot::admin::Role;
use taxbot::channels::web::protocol::ServerMsg;

const PASSWORD: &str = "editor-password-1";
const CHOSEN: [&str; 3] = ["CAR-002", "IIT-003", "INV-002"];

/// The entry ids of a new visitor's welcome chips.
async fn welcome_ids(app: &TestApp) -> Vec<String> {
    let (_, welcome) = app.visitor(None).await;
    let ServerMsg::Welcome { hot_questions, .. } = welcome else { unreachable!() };
    hot_questions.into_iter().map(|q| q.entry_id).collect()
}

/// Opens welcomes on `app` until their chips are `want` or `within` passed.
async fn shows_within(app: &TestApp, want: &[&str], within: Duration) -> bool {
    let start = Instant::now();
    loop {
        if welcome_ids(app).await == want {
            return true;
        }
        if start.elapsed() > within {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_editors_list_replaces_the_configured_one_in_new_welcomes_until_cleared() {
    let app = spawn_app().await;
    add_user(&*app.store, "编辑甲", Role::Editor, PASSWORD).await;
    let editor = AdminClient::sign_in(app.addr, "编辑甲", PASSWORD).await;
    let configured = app.config.chat.starter_questions.clone();
    assert_eq!(welcome_ids(&app).await, configured);
    let (status, body) = editor.get("/api/admin/starters").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["from_config"], json!(true));
    assert_eq!(body["entries"].as_array().map(Vec::len), Some(configured.len()));

    let (status, body) = editor.put_json("/api/admin/starters", json!({"entry_ids": CHOSEN})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["from_config"], json!(false));
    assert_eq!(body["entries"][0]["id"], json!("CAR-002"));
    assert!(body["entries"][0]["question"].as_str().is_some_and(|q| !q.is_empty()));
    assert!(shows_within(&app, &CHOSEN, Duration::from_secs(5)).await, "the editors' list in new welcomes");

    let (status, _) = editor.put_json("/api/admin/starters", json!({"entry_ids": []})).await;
    assert_eq!(status, StatusCode::OK);
    let configured: Vec<&str> = configured.iter().map(String::as_str).collect();
    assert!(shows_within(&app, &configured, Duration::from_secs(5)).await, "back to the configured list");
    let filter = taxbot::store::AuditFilter { action: Some("starters.save".into()), limit: 10, ..Default::default() };
    let audit = app.store.audit(&filter).await.expect("audit");
    assert!(audit.iter().any(|a| a.action == "starters.save"), "saving is audited");
}

#[tokio::test]
async fn bad_lists_are_refused_in_chinese_and_agents_may_not_set_them() {
    let app = spawn_app().await;
    add_user(&*app.store, "编辑甲", Role::Editor, PASSWORD).await;
    let editor = AdminClient::sign_in(app.addr, "编辑甲", PASSWORD).await;
    let cases = [
        (json!({"entry_ids": ["NOPE-999"]}), StatusCode::NOT_FOUND, "不存在"),
        (json!({"entry_ids": ["CAR-002", "CAR-002"]}), StatusCode::BAD_REQUEST, "重复"),
        (json!({"entry_ids": vec!["CAR-002"; 11]}), StatusCode::BAD_REQUEST, "最多 10 条"),
        (json!({"entry_ids": "CAR-002"}), StatusCode::BAD_REQUEST, ""),
    ];
    for (body, want, says) in cases {
        let (status, reply) = editor.put_json("/api/admin/starters", body.clone()).await;
        assert_eq!(status, want, "{body} → {reply}");
        let message = reply["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{message}");
    }
    assert!(app.store.starter_questions().await.expect("read").is_empty(), "nothing stored");
    let agent = AdminClient::sign_in(app.addr, AGENT_1, AGENT_PASSWORD).await;
    let (status, _) = agent.put_json("/api/admin/starters", json!({"entry_ids": ["CAR-002"]})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_list_saved_on_one_node_is_shown_on_the_other() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, |_| {}).await;
    let b = node(&db.url, |_| {}).await;
    add_user(&*a.store, "编辑甲", Role::Editor, PASSWORD).await;
    let editor = AdminClient::sign_in(a.addr, "编辑甲", PASSWORD).await;
    assert_eq!(welcome_ids(&b).await, b.config.chat.starter_questions, "B caches the configured list");
    let (status, body) = editor.put_json("/api/admin/starters", json!({"entry_ids": CHOSEN})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(shows_within(&b, &CHOSEN, Duration::from_secs(5)).await, "node B shows the list saved on A");
    db.drop_now().await;
}
