//! A signed-in console client for admin API tests: keeps the session cookie
//! and sends the CSRF token on state-changing requests.

use std::net::SocketAddr;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use taxbot::admin::{Role, users};
use taxbot::store::Store;

/// Creates a user directly in a spawned app's store.
pub async fn add_user(store: &dyn Store, name: &str, role: Role, password: &str) {
    users::create(store, name, role, password).await.expect("test user is created");
}

/// An HTTP client signed in to the console.
pub struct AdminClient {
    base: String,
    http: reqwest::Client,
    /// `taxbot_session=…` as sent back in `Cookie`.
    pub cookie: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// A response's status and JSON body (`Null` when it has none).
pub type Reply = (StatusCode, Value);

#[allow(dead_code, reason = "the helpers serve the knowledge and analytics tests too")]
impl AdminClient {
    /// Signs in; panics when the server refuses.
    pub async fn sign_in(addr: SocketAddr, name: &str, password: &str) -> AdminClient {
        Self::try_sign_in(addr, name, password).await.unwrap_or_else(|(s, b)| panic!("sign-in refused: {s} {b}"))
    }

    /// Signs in, or returns the refusal.
    pub async fn try_sign_in(addr: SocketAddr, name: &str, password: &str) -> Result<AdminClient, Reply> {
        let base = format!("http://{addr}");
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/api/admin/login"))
            .json(&serde_json::json!({"name": name, "password": password}))
            .send()
            .await
            .expect("login request");
        let status = res.status();
        let cookie = res
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        let body: Value = res.json().await.unwrap_or(Value::Null);
        match cookie {
            Some(cookie) if status.is_success() => {
                let csrf = body["csrf"].as_str().expect("login returns csrf").to_owned();
                Ok(AdminClient { base, http, cookie, csrf })
            }
            _ => Err((status, body)),
        }
    }

    /// Any request with the cookie; `csrf` says whether to send the token.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>, csrf: bool) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).header("cookie", &self.cookie);
        if csrf {
            req = req.header("x-csrf-token", &self.csrf);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, true).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), true).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put_json(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body), true).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, true).await
    }
}
