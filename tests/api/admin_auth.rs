//! Console sign-in: sessions, CSRF, and the role guard on every admin route.

use reqwest::{Method, StatusCode};
use serde_json::json;

use taxbot::admin::{Role, route_table};

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::spawn_app;

/// A concrete path for a route pattern (`{id}` → `1`).
fn concrete(path: &str) -> String {
    path.split('/').map(|seg| if seg.starts_with('{') { "1" } else { seg }).collect::<Vec<_>>().join("/")
}

#[tokio::test]
async fn every_admin_route_refuses_anonymous_callers_and_roles_below_it() {
    let app = spawn_app().await;
    add_user(&*app.store, "agent1", Role::Agent, "agent-password").await;
    let agent = AdminClient::sign_in(app.addr, "agent1", "agent-password").await;
    let table = route_table();
    assert!(table.iter().any(|r| r.path == "/api/admin/me"), "{table:?}");
    for r in &table {
        assert!(r.path.starts_with("/api/admin/"), "{r:?}");
        let url = app.url(&concrete(r.path));
        let res = app.http.request(r.method.clone(), &url).json(&json!({})).send().await.expect("request");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "anonymous {} {}", r.method, r.path);
        let body: serde_json::Value = res.json().await.expect("json error");
        assert_eq!(body["error"]["code"], "unauthorized");
        if r.role > Role::Agent {
            let (status, body) = agent.send(r.method.clone(), &concrete(r.path), Some(json!({})), true).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "agent {} {}: {body}", r.method, r.path);
            assert_eq!(body["error"]["code"], "forbidden");
        }
    }
}

#[tokio::test]
async fn sign_in_me_and_sign_out() {
    let app = spawn_app().await;
    add_user(&*app.store, "编辑小张", Role::Editor, "editor-password").await;

    let res = app
        .http
        .post(app.url("/api/admin/login"))
        .json(&json!({"name": "编辑小张", "password": "editor-password"}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    for attr in ["taxbot_session=", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP without a trusted proxy: {cookie}");

    let client = AdminClient::sign_in(app.addr, "编辑小张", "editor-password").await;
    let (status, me) = client.get("/api/admin/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["name"], "编辑小张");
    assert_eq!(me["role"], "editor");
    assert_eq!(me["csrf"], client.csrf.as_str());

    // Without the CSRF header a state-changing request is refused and the session survives.
    let (status, body) = client.send(Method::POST, "/api/admin/logout", None, false).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "csrf");
    let (status, body) = client.send(Method::POST, "/api/admin/logout", None, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = client.get("/api/admin/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session ended: {body}");

    let audit = app.store.audit(&taxbot::store::AuditFilter { limit: 10, ..Default::default() }).await.expect("audit");
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["logout", "login", "login"], "newest first");
}

#[tokio::test]
async fn wrong_password_unknown_user_and_disabled_accounts_get_401() {
    let app = spawn_app().await;
    add_user(&*app.store, "admin", Role::Admin, "admin-password").await;
    for (name, password) in [("admin", "wrong-password"), ("nobody", "admin-password"), ("admin", "")] {
        let (status, body) = AdminClient::try_sign_in(app.addr, name, password).await.err().expect("refused");
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_eq!(body["error"]["code"], "bad_credentials");
        assert_eq!(body["error"]["message"], "用户名或密码错误");
    }
    let res = app.http.post(app.url("/api/admin/login")).body("not json").send().await.expect("login");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // A forged or stale cookie is anonymous.
    let res = app.http.get(app.url("/api/admin/me")).header("cookie", "taxbot_session=0000").send().await.expect("me");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let client = AdminClient::sign_in(app.addr, "admin", "admin-password").await;
    let mut user = app.store.user_by_name("admin").await.expect("store").expect("exists");
    user.disabled = true;
    app.store.update_user(&user).await.expect("disable");
    assert_eq!(
        client.get("/api/admin/me").await.0,
        StatusCode::UNAUTHORIZED,
        "a disabled user's session stops working"
    );
    let failed = app
        .store
        .audit(&taxbot::store::AuditFilter { action: Some("login.failed".into()), limit: 10, ..Default::default() })
        .await
        .expect("audit");
    assert_eq!(failed.len(), 3);
}

#[tokio::test]
async fn cookies_are_secure_behind_a_trusted_tls_proxy() {
    let app = crate::helpers::spawn_app_with(|c| c.server.trust_proxy = vec!["127.0.0.1".into()]).await;
    add_user(&*app.store, "admin", Role::Admin, "admin-password").await;
    let login = |proto: &'static str| {
        app.http
            .post(app.url("/api/admin/login"))
            .header("x-forwarded-proto", proto)
            .json(&json!({"name": "admin", "password": "admin-password"}))
            .send()
    };
    let res = login("https").await.expect("login");
    assert!(res.headers()["set-cookie"].to_str().expect("ascii").contains("; Secure"));
    let res = login("http").await.expect("login");
    assert!(!res.headers()["set-cookie"].to_str().expect("ascii").contains("Secure"));
}
