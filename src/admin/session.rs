//! Sign-in sessions: a random 256-bit token in the `taxbot_session` cookie
//! (HttpOnly, SameSite=Strict), stored as its SHA-256; a per-session CSRF
//! token that state-changing requests echo in `x-csrf-token`.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};

use super::AdminState;
use super::Role;
use crate::api_error::ApiError;
use crate::client::ClientAddr;
use crate::store::{AdminSession, Store, User};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "taxbot_session";
/// Header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// `last_seen` is written at most this often per session.
const TOUCH_EVERY_SECS: i64 = 60;

/// The signed-in user of a request. As an extractor it answers 401
/// `unauthorized` without a valid session and 403 `csrf` when a
/// POST/PUT/PATCH/DELETE lacks the session's CSRF token.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// Account id.
    pub user_id: i64,
    /// Account name.
    pub name: String,
    /// Account role.
    pub role: Role,
}

impl FromRequestParts<AdminState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AdminState) -> Result<Self, ApiError> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let (principal, session) = authenticate(&*state.store, &parts.headers).await?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !crate::signing::constant_time_eq(sent.as_bytes(), session.csrf.as_bytes()) {
                return Err(ApiError::csrf());
            }
        }
        Ok(principal)
    }
}

/// The user and session behind the request's cookie (no CSRF check: for
/// safe requests and WebSocket upgrades).
pub async fn authenticate(store: &dyn Store, headers: &HeaderMap) -> Result<(Principal, AdminSession), ApiError> {
    let token = cookie(headers, SESSION_COOKIE).ok_or_else(ApiError::unauthorized)?;
    let hash = hash_token(&token);
    let session = store.session(&hash).await?.ok_or_else(ApiError::unauthorized)?;
    let now = Utc::now();
    if session.expires_at <= now {
        store.delete_session(&hash).await?;
        return Err(ApiError::unauthorized());
    }
    let user = store.user(session.user_id).await?;
    let role = Role::parse(&user.role).ok_or_else(ApiError::unauthorized)?;
    if user.disabled {
        return Err(ApiError::unauthorized());
    }
    if (now - session.last_seen).num_seconds() >= TOUCH_EVERY_SECS {
        store.touch_session(&hash, now).await?;
    }
    Ok((Principal { user_id: user.id, name: user.name, role }, session))
}

/// Starts a session for `user`; returns the cookie token and the CSRF token.
pub async fn start(state: &AdminState, user: &User) -> Result<(String, String), ApiError> {
    let token = random_hex();
    let csrf = random_hex();
    let now = Utc::now();
    let hours = i64::from(state.admin.settings.session_hours.max(1));
    let session = AdminSession {
        token_hash: hash_token(&token),
        user_id: user.id,
        csrf: csrf.clone(),
        created_at: now,
        expires_at: now + Duration::hours(hours),
        last_seen: now,
    };
    state.store.create_session(&session).await?;
    Ok((token, csrf))
}

/// Ends the session of the request's cookie, if any.
pub async fn end(state: &AdminState, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        state.store.delete_session(&hash_token(&token)).await?;
    }
    Ok(())
}

/// The `Set-Cookie` value for `token` (empty token and zero age to clear it).
pub fn set_cookie(state: &AdminState, client: ClientAddr, headers: &HeaderMap, token: &str) -> String {
    let max_age = if token.is_empty() { 0 } else { i64::from(state.admin.settings.session_hours.max(1)) * 3600 };
    let secure = if over_tls(state, client, headers) { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// Whether the browser reached us over HTTPS (config, or a trusted proxy's header).
fn over_tls(state: &AdminState, client: ClientAddr, headers: &HeaderMap) -> bool {
    let settings = &state.admin.settings;
    settings.secure_cookies
        || (client.via_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
}

/// The value of cookie `name` in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

pub(super) fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    crate::signing::hex(&bytes)
}

pub(super) fn hash_token(token: &str) -> String {
    crate::signing::hex(&Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "a=1; taxbot_session=abc; b=2".parse().expect("header"));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        h.insert("cookie", "taxbot_session=".parse().expect("header"));
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_hex(), random_hex());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(hash_token(&a), a);
    }
}
