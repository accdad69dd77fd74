//! Abuse of the console sign-in: concurrent guessing, locking others out,
//! spoofed `X-Forwarded-For`, audit-log flooding and login CSRF.

use std::net::IpAddr;

use reqwest::StatusCode;
use serde_json::json;

use crate::admin_client::add_user;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use taxbot::admin::Role;
use taxbot::store::AuditFilter;

const PASSWORD: &str = "admin-password";

fn client_from(ip: &str) -> reqwest::Client {
    let ip: IpAddr = ip.parse().expect("ip");
    reqwest::Client::builder().local_address(ip).build().expect("client")
}

async fn login(app: &TestApp, http: &reqwest::Client, name: &str, password: &str, xff: Option<&str>) -> StatusCode {
    let mut req = http.post(app.url("/api/admin/login")).json(&json!({"name": name, "password": password}));
    if let Some(xff) = xff {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.expect("login answered").status()
}

#[tokio::test]
async fn concurrent_wrong_passwords_never_exceed_the_limit_and_cannot_lock_out_the_owner() {
    let app = spawn_app().await;
    add_user(&*app.store, "admin", Role::Admin, PASSWORD).await;
    let attacker = client_from("127.0.0.5");
    let tries = (0..30).map(|i| {
        let (app, attacker) = (&app, attacker.clone());
        async move { login(app, &attacker, "admin", &format!("guess-{i}"), None).await }
    });
    let statuses = futures_util::future::join_all(tries).await;
    let guessed = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(guessed, app.config.admin.max_login_failures as usize, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(login(&app, &attacker, "admin", PASSWORD, None).await, StatusCode::TOO_MANY_REQUESTS);
    let owner = client_from("127.0.0.6");
    assert_eq!(login(&app, &owner, "admin", PASSWORD, None).await, StatusCode::OK, "the owner is not locked out");
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies_and_only_its_right_most_hop() {
    let app = spawn_app_with(|c| c.server.trust_proxy = vec!["10.0.0.0/8".into()]).await;
    add_user(&*app.store, "admin", Role::Admin, PASSWORD).await;
    let mut wrong = 0;
    for i in 0..20 {
        let spoofed = format!("198.51.100.{i}");
        if login(&app, &app.http, "admin", "wrong", Some(&spoofed)).await == StatusCode::UNAUTHORIZED {
            wrong += 1;
        }
    }
    assert_eq!(wrong, 5, "an untrusted peer's X-Forwarded-For is ignored");

    let app = spawn_app_with(|c| c.server.trust_proxy = vec!["127.0.0.1".into()]).await;
    add_user(&*app.store, "admin", Role::Admin, PASSWORD).await;
    let mut wrong = 0;
    for i in 0..20 {
        // The client writes the first hop; the proxy appends the address it saw.
        let chain = format!("198.51.100.{i}, 203.0.113.7");
        if login(&app, &app.http, "admin", "wrong", Some(&chain)).await == StatusCode::UNAUTHORIZED {
            wrong += 1;
        }
    }
    assert_eq!(wrong, 5, "the right-most untrusted hop is the client");
    let other = login(&app, &app.http, "admin", PASSWORD, Some("203.0.113.8")).await;
    assert_eq!(other, StatusCode::OK, "another client behind the proxy signs in");
}

#[tokio::test]
async fn throttled_bursts_write_one_short_audit_row() {
    let app = spawn_app().await;
    let junk = "名".repeat(10_000);
    for _ in 0..60 {
        let status = login(&app, &app.http, &junk, "wrong", None).await;
        assert!(status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS);
    }
    let filter = AuditFilter { action: Some("login.failed".into()), limit: 1000, ..Default::default() };
    let rows = app.store.audit(&filter).await.expect("audit");
    assert_eq!(rows.len(), 6, "5 failures, then one row for the throttled burst");
    assert!(rows.iter().all(|r| r.actor.chars().count() <= 129 && r.target.chars().count() <= 129));
    let size = std::fs::metadata(app.dir.path().join("taxbot.db")).map(|m| m.len()).unwrap_or(0);
    assert!(size < 4 * 1024 * 1024, "the database stays small: {size} bytes");
}

#[tokio::test]
async fn sign_in_takes_only_json_from_our_own_origin() {
    let app = spawn_app().await;
    add_user(&*app.store, "admin", Role::Admin, PASSWORD).await;
    let body = json!({"name": "admin", "password": PASSWORD}).to_string();
    let form = app.http.post(app.url("/api/admin/login")).header("content-type", "text/plain").body(body.clone());
    let res = form.send().await.expect("login");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a text/plain form post is refused");
    assert!(res.headers().get("set-cookie").is_none());
    let foreign = app
        .http
        .post(app.url("/api/admin/login"))
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .body(body.clone());
    let res = foreign.send().await.expect("login");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let ours = app
        .http
        .post(app.url("/api/admin/login"))
        .header("content-type", "application/json")
        .header("origin", format!("http://{}", app.addr))
        .body(body);
    assert_eq!(ours.send().await.expect("login").status(), StatusCode::OK);
}
