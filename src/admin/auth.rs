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
use crate::api_error::ApiError;
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
pub(super) async fn login(
    State(state): State<AdminState>,
    client: ClientAddr,
    headers: HeaderMap,
    JsonBody(form): JsonBody<Login>,
) -> Result<Response, ApiError> {
    let name = form.name.trim();
    let ip = Some(client.ip.to_string());
    let keys = [format!("name:{name}"), format!("ip:{}", client.ip)];
    let throttle = &state.admin.throttle;
    if let Err(e) = throttle.check(&keys, Instant::now()) {
        let detail = json!({"reason": "throttled"});
        audit::record_from(&*state.store, name, "login.failed", name, detail, ip).await?;
        return Err(e);
    }
    let user = state.store.user_by_name(name).await?;
    let hash = user.as_ref().map_or(DUMMY_HASH.as_str(), |u| u.password_hash.as_str());
    // Always verify (against a dummy hash for unknown names) so timing does not reveal which names exist.
    let password_ok = users::verify_password(hash, &form.password);
    let valid = user.filter(|u| !u.disabled && password_ok);
    let Some((user, role)) = valid.and_then(|u| Role::parse(&u.role).map(|r| (u, r))) else {
        throttle.fail(&keys, Instant::now());
        audit::record_from(&*state.store, name, "login.failed", name, json!({}), ip).await?;
        return Err(ApiError::bad_credentials());
    };
    throttle.clear(&keys[0]);
    let (token, csrf) = session::start(&state, &user).await?;
    audit::record_from(&*state.store, &user.name, "login", &user.name, json!({}), ip).await?;
    let cookie = session::set_cookie(&state, client, &headers, &token);
    let body = json!({"name": user.name, "role": role, "csrf": csrf});
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Ends the session and clears the cookie.
pub(super) async fn logout(
    State(state): State<AdminState>,
    principal: Principal,
    client: ClientAddr,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    session::end(&state, &headers).await?;
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
