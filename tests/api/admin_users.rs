//! User management, the audit log and sign-in throttling through the admin API.

use reqwest::StatusCode;
use serde_json::json;

use taxbot::admin::Role;

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_admin_manages_users_and_every_change_is_audited() {
    let app = spawn_app().await;
    add_user(&*app.store, "root", Role::Admin, "admin-password").await;
    let admin = AdminClient::sign_in(app.addr, "root", "admin-password").await;

    let (status, body) =
        admin.post_json("/api/admin/users", json!({"name": "小张", "role": "editor", "password": "short"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("weak_password")));
    let (status, created) =
        admin.post_json("/api/admin/users", json!({"name": "小张", "role": "editor", "password": "editor-pass"})).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert!(created.get("password_hash").is_none());
    let (status, body) =
        admin.post_json("/api/admin/users", json!({"name": "小张", "role": "agent", "password": "another-pass"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{body}");
    let (status, body) =
        admin.post_json("/api/admin/users", json!({"name": "x", "role": "boss", "password": "whatever1"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_role")));

    // The editor signs in; an agent cannot manage users.
    let editor = AdminClient::sign_in(app.addr, "小张", "editor-pass").await;
    assert_eq!(editor.get("/api/admin/users").await.0, StatusCode::FORBIDDEN);
    let id = created["id"].as_i64().expect("id");
    // A role change ends the user's sessions.
    let (status, body) = admin.put_json(&format!("/api/admin/users/{id}"), json!({"role": "agent"})).await;
    assert_eq!((status, body["role"].as_str()), (StatusCode::OK, Some("agent")), "{body}");
    assert_eq!(editor.get("/api/admin/me").await.0, StatusCode::UNAUTHORIZED);
    // Reset password and disable.
    admin.put_json(&format!("/api/admin/users/{id}"), json!({"password": "new-password"})).await;
    assert!(AdminClient::try_sign_in(app.addr, "小张", "editor-pass").await.is_err());
    let agent = AdminClient::sign_in(app.addr, "小张", "new-password").await;
    let (status, body) = admin.put_json(&format!("/api/admin/users/{id}"), json!({"disabled": true})).await;
    assert_eq!((status, body["disabled"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(agent.get("/api/admin/me").await.0, StatusCode::UNAUTHORIZED, "disabling ends sessions");
    assert!(AdminClient::try_sign_in(app.addr, "小张", "new-password").await.is_err());
    // An admin cannot lock themselves out.
    let me = app.store.user_by_name("root").await.expect("store").expect("root");
    let (status, _) = admin.put_json(&format!("/api/admin/users/{}", me.id), json!({"disabled": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(admin.put_json("/api/admin/users/9999", json!({"role": "agent"})).await.0, StatusCode::NOT_FOUND);

    let (status, log) = admin.get("/api/admin/audit?actor=root&action=user.").await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> =
        log["entries"].as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["user.disable", "user.password", "user.role", "user.add"]);
    let (_, log) = admin.get("/api/admin/audit?action=login.failed").await;
    assert_eq!(log["entries"].as_array().expect("entries").len(), 2, "{log}");
    let (status, _) = admin.get("/api/admin/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, csv) = admin.get("/api/admin/audit.csv?action=user.role").await;
    assert_eq!(status, StatusCode::OK);
    let csv = csv.as_str().expect("csv text");
    assert!(csv.starts_with("\u{feff}time,actor,action,target,ip,detail\r\n"), "{csv}");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains(",root,user.role,小张,"), "{csv}");
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_name_and_address() {
    let app = spawn_app().await;
    add_user(&*app.store, "admin", Role::Admin, "admin-password").await;
    for _ in 0..5 {
        let (status, _) = AdminClient::try_sign_in(app.addr, "admin", "wrong-password").await.err().expect("refused");
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now.
    let (status, body) = AdminClient::try_sign_in(app.addr, "admin", "admin-password").await.err().expect("throttled");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "too_many_attempts");
    assert!(body["error"]["message"].as_str().expect("message").contains("分钟后再试"), "{body}");
    // Same client address, another name: only the (name, address) pair is locked
    // (the address alone allows 4 times as many attempts; see abuse_login).
    let (status, _) = AdminClient::try_sign_in(app.addr, "someone", "whatever-pass").await.err().expect("refused");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let failed = app
        .store
        .audit(&taxbot::store::AuditFilter { action: Some("login.failed".into()), limit: 50, ..Default::default() })
        .await
        .expect("audit");
    assert_eq!(failed.len(), 7);
    assert_eq!(failed[0].ip.as_deref(), Some("127.0.0.1"));
}
