//! `POST /api/admin/login`, `POST /api/admin/logout`, `GET /api/admin/me`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use std::sync::LazyLock;
use std::time::Instant;

use super::{AdminState, Principal, Role, audit, session, users};
use crate::api_error::{ApiError, Code};
use crate::client::ClientAddr;
use crate::json_body::JsonBody;

/// Verified when the name is unknown, so that both cases cost one argon2 run.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| users::hash_password("dummy password for timing").unwrap_or_default());

/// The login form.
#[derive(Deserialize)]
pub(super) struct Login {
    name: String,
    password: String,
}

/// Checks the password and starts a session (cookie + CSRF token in the body).
/// Only JSON from our own pages is accepted: a foreign page can post a form
/// (`text/plain`, `application/x-www-form-urlencoded`) but not JSON without a
/// CORS preflight, and its `Origin` differs (login CSRF).
pub(super) async fn login(
    State(state): State<AdminState>,
    client: ClientAddr,
    headers: HeaderMap,
    JsonBody(form): JsonBody<Login>,
) -> Result<Response, ApiError> {
    same_site_json(&headers)?;
    let name = form.name.trim();
    let ip = Some(client.ip.to_string());
    let throttle = &state.admin.throttle;
    let attempt = match throttle.begin(name, client.ip, Instant::now()) {
        Ok(a) => a,
        Err(refused) => {
            if refused.first {
                let detail = json!({"reason": "throttled"});
                audit::record_from(&*state.store, name, "login.failed", name, detail, ip).await?;
            }
            return Err(refused.error);
        }
    };
    let user = state.store.user_by_name(name).await?;
    let hash = user.as_ref().map_or(DUMMY_HASH.as_str(), |u| u.password_hash.as_str());
    // Always verify (against a dummy hash for unknown names) so timing does not reveal which names exist.
    let password_ok = users::verify_password(hash, &form.password);
    let valid = user.filter(|u| !u.disabled && password_ok);
    let Some((user, role)) = valid.and_then(|u| Role::parse(&u.role).map(|r| (u, r))) else {
        audit::record_from(&*state.store, name, "login.failed", name, json!({}), ip).await?;
        tokio::time::sleep(throttle.delay(&attempt)).await;
        return Err(ApiError::bad_credentials());
    };
    throttle.succeeded(&attempt);
    let (token, csrf) = session::start(&state, &user).await?;
    audit::record_from(&*state.store, &user.name, "login", &user.name, json!({}), ip).await?;
    let cookie = session::set_cookie(&state, client, &headers, &token);
    let body = json!({"name": user.name, "role": role, "csrf": csrf});
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// `Content-Type: application/json` and, from a browser, our own origin.
fn same_site_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(Code::BadJson, "登录请求须为 JSON（Content-Type: application/json）"));
    }
    let cross_site = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site");
    if cross_site || !crate::client::same_origin(headers) {
        return Err(ApiError::new(Code::BadOrigin, "请从本站控制台页面登录"));
    }
    Ok(())
}

/// Ends the session and clears the cookie.
pub(super) async fn logout(
    State(state): State<AdminState>,
    principal: Principal,
    client: ClientAddr,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    session::end(&state, &headers).await?;
    state.admin.revocations.notify(principal.user_id);
    audit::record(&state, &principal, "logout", &principal.name, json!({})).await?;
    let cookie = session::set_cookie(&state, client, &headers, "");
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"ok": true}))).into_response())
}

/// The signed-in user and the CSRF token (the console calls it on load).
pub(super) async fn me(
    State(state): State<AdminState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (p, s) = session::authenticate(&*state.store, &headers).await?;
    Ok(Json(json!({"name": p.name, "role": p.role, "csrf": s.csrf})))
}
