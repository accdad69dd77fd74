//! API keys of integrations: created with `taxbot apikey add` or by admins at
//! `/api/admin/apikeys` (shown once, stored as SHA-256), revocable, and
//! checked on `/api/v1/ask` and its SSE twin. A key scopes the `user_id`s its
//! integration sends, so one integration cannot speak as another's users.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AdminState, Principal, audit, session};
use crate::api_error::{ApiError, Code};
use crate::json_body::JsonBody;
use crate::store::{ApiKey, Store};

/// The prefix of every key (easy to spot in a leaked config).
pub const KEY_PREFIX: &str = "tbk_";
/// Longest integration name, in characters.
const MAX_NAME_CHARS: usize = 64;

/// Creates a key for integration `name`; returns the stored record and the key,
/// which is shown this once.
pub async fn create(store: &dyn Store, name: &str) -> Result<(ApiKey, String), ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::new(Code::InvalidName, format!("名称无效：1-{MAX_NAME_CHARS} 个可见字符")));
    }
    let key = format!("{KEY_PREFIX}{}", session::random_hex());
    let record = store.create_api_key(name, &session::hash_token(&key)).await?;
    Ok((record, key))
}

/// The live key behind `raw`, or `invalid_api_key`.
pub async fn verify(store: &dyn Store, raw: &str) -> Result<ApiKey, ApiError> {
    let invalid = || ApiError::new(Code::InvalidApiKey, "API 密钥无效或已吊销");
    if !raw.starts_with(KEY_PREFIX) {
        return Err(invalid());
    }
    match store.api_key_by_hash(&session::hash_token(raw.trim())).await? {
        Some(k) if k.revoked_at.is_none() => Ok(k),
        _ => Err(invalid()),
    }
}

fn view(k: &ApiKey) -> Value {
    json!({"id": k.id, "name": k.name, "created_at": k.created_at, "revoked_at": k.revoked_at})
}

/// All keys (never the keys themselves).
pub(super) async fn list(State(state): State<AdminState>) -> Result<Json<Value>, ApiError> {
    let keys = state.store.api_keys().await?;
    Ok(Json(json!({"keys": keys.iter().map(view).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewKey {
    name: String,
}

/// Creates a key; the body carries it once.
pub(super) async fn add(
    State(state): State<AdminState>,
    principal: Principal,
    JsonBody(form): JsonBody<NewKey>,
) -> Result<Json<Value>, ApiError> {
    let (record, key) = create(&*state.store, &form.name).await?;
    audit::record(&state, &principal, "apikey.add", &record.name, json!({"id": record.id})).await?;
    let mut body = view(&record);
    body["key"] = json!(key);
    Ok(Json(body))
}

/// Revokes a key.
pub(super) async fn revoke(
    State(state): State<AdminState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let record = state.store.revoke_api_key(id).await?;
    audit::record(&state, &principal, "apikey.revoke", &record.name, json!({"id": id})).await?;
    Ok(Json(view(&record)))
}
