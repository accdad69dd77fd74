//! `POST /api/admin/login`, `POST /api/admin/logout`, `GET /api/admin/me`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{Principal, Role, audit, session, users};
use crate::server::{ApiError, AppState};

/// The login form.
#[derive(Deserialize)]
pub(super) struct Login {
    name: String,
    password: String,
}

/// Checks the password and starts a session (cookie + CSRF token in the body).
pub(super) async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let form: Login = serde_json::from_slice(&body).map_err(ApiError::bad_json)?;
    let name = form.name.trim();
    let user = state.store.user_by_name(name).await?;
    let valid = user.filter(|u| !u.disabled && users::verify_password(&u.password_hash, &form.password));
    let Some((user, role)) = valid.and_then(|u| Role::parse(&u.role).map(|r| (u, r))) else {
        audit::record_from(&*state.store, name, "login.failed", name, json!({}), None).await?;
        return Err(ApiError::bad_credentials());
    };
    let (token, csrf) = session::start(&state, &user).await?;
    audit::record_from(&*state.store, &user.name, "login", &user.name, json!({}), None).await?;
    let cookie = session::set_cookie(&state, &headers, &token);
    let body = json!({"name": user.name, "role": role, "csrf": csrf});
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Ends the session and clears the cookie.
pub(super) async fn logout(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    session::end(&state, &headers).await?;
    audit::record(&state, &principal, "logout", &principal.name, json!({})).await?;
    let cookie = session::set_cookie(&state, &headers, "");
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"ok": true}))).into_response())
}

/// The signed-in user and the CSRF token (the console calls it on load).
pub(super) async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<serde_json::Value>, ApiError> {
    let (p, s) = session::authenticate(&state, &headers).await?;
    Ok(Json(json!({"name": p.name, "role": p.role, "csrf": s.csrf})))
}
