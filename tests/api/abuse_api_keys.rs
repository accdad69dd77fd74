//! API keys on `/api/v1/ask` and the SSE route: required when anonymous use
//! is off, hashed at rest, revocable, and scoping each integration's user ids.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use taxbot::admin::Role;

const QUESTION: &str = "小规模纳税人增值税免征额是多少";

async fn ask(app: &TestApp, key: Option<&str>, user: &str) -> (StatusCode, Value) {
    let mut req = app.http.post(app.url("/api/v1/ask")).json(&json!({"user_id": user, "text": QUESTION}));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let res = req.send().await.expect("ask");
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn keys_are_required_scoped_and_revocable() {
    let app = spawn_app_with(|c| c.api.allow_anonymous = false).await;
    add_user(&*app.store, "管理员", Role::Admin, "admin-password").await;
    let admin = AdminClient::sign_in(app.addr, "管理员", "admin-password").await;

    let (status, body) = ask(&app, None, "u1").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("api_key_required")));
    let (status, body) = ask(&app, Some("tbk_0000"), "u1").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_api_key")));

    let (_, a) = admin.post_json("/api/admin/apikeys", json!({"name": "bridge-a"})).await;
    let (_, b) = admin.post_json("/api/admin/apikeys", json!({"name": "bridge-b"})).await;
    let (key_a, key_b) = (a["key"].as_str().expect("key a"), b["key"].as_str().expect("key b"));
    let (_, listed) = admin.get("/api/admin/apikeys").await;
    assert!(!listed.to_string().contains(key_a), "keys are shown once, never listed");

    let (status, from_a) = ask(&app, Some(key_a), "u1").await;
    assert_eq!(status, StatusCode::OK, "{from_a}");
    let (_, from_b) = ask(&app, Some(key_b), "u1").await;
    assert_ne!(from_a["session_id"], from_b["session_id"], "one integration cannot speak as another's user");
    let (_, again_a) = ask(&app, Some(key_a), "u1").await;
    assert_eq!(again_a["session_id"], from_a["session_id"], "the same user of the same key continues");

    let sse =
        app.http.get(app.url("/api/v1/ask/stream")).query(&[("user_id", "u1"), ("text", QUESTION), ("api_key", key_b)]);
    assert_eq!(sse.send().await.expect("sse").status(), StatusCode::OK);
    let sse = app.http.get(app.url("/api/v1/ask/stream")).query(&[("user_id", "u1"), ("text", QUESTION)]);
    assert_eq!(sse.send().await.expect("sse").status(), StatusCode::UNAUTHORIZED);

    let id = a["id"].as_i64().expect("id");
    let (status, _) = admin.delete(&format!("/api/admin/apikeys/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ask(&app, Some(key_a), "u1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked key stops working at once");

    let mut out = Vec::new();
    let add = taxbot::cli::apikey::Command::Add { name: "cli-bridge".into(), data: Default::default() };
    taxbot::cli::apikey::execute(&*app.store, add, &mut out).await.expect("cli adds a key");
    let printed = String::from_utf8(out).expect("utf-8");
    let cli_key = printed.lines().find(|l| l.starts_with("tbk_")).expect("the key is printed");
    assert_eq!(ask(&app, Some(cli_key), "u9").await.0, StatusCode::OK);
    let stored = app.store.api_keys().await.expect("store");
    assert!(stored.iter().all(|k| k.key_hash.len() == 64 && !k.key_hash.contains("tbk_")), "hashed at rest");
}

#[tokio::test]
async fn anonymous_use_is_the_demo_default_and_cannot_borrow_a_keyed_id() {
    let app = spawn_app().await;
    assert_eq!(ask(&app, None, "demo-user").await.0, StatusCode::OK);
    let (status, body) = ask(&app, None, "k1/u1").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_id")));
}
