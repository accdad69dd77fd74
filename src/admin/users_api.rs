//! `/api/admin/users`: list, add, change role or capacity, disable, reset
//! password (admin only; every change audited). A role change, disabling or a
//! new password ends the user's sessions.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AdminState, Principal, Role, audit, users};
use crate::api_error::{ApiError, Code};
use crate::json_body::JsonBody;
use crate::store::User;

fn view(u: &User) -> Value {
    json!({
        "id": u.id, "name": u.name, "role": u.role, "max_concurrent": u.max_concurrent,
        "disabled": u.disabled, "created_at": u.created_at, "updated_at": u.updated_at,
    })
}

fn parse_role(s: &str) -> Result<Role, ApiError> {
    Role::parse(s).ok_or_else(|| ApiError::new(Code::InvalidRole, "角色只能是 agent、editor 或 admin"))
}

/// All users.
pub(super) async fn list(State(state): State<AdminState>) -> Result<Json<Value>, ApiError> {
    let all = state.store.users().await?;
    Ok(Json(json!({"users": all.iter().map(view).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewUser {
    name: String,
    role: String,
    password: String,
}

/// Creates a user.
pub(super) async fn add(
    State(state): State<AdminState>,
    principal: Principal,
    JsonBody(form): JsonBody<NewUser>,
) -> Result<Json<Value>, ApiError> {
    let role = parse_role(&form.role)?;
    let user = users::create(&*state.store, form.name.trim(), role, &form.password).await?;
    audit::record(&state, &principal, "user.add", &user.name, json!({"role": role})).await?;
    Ok(Json(view(&user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Change {
    role: Option<String>,
    disabled: Option<bool>,
    max_concurrent: Option<u32>,
    password: Option<String>,
}

/// Changes role, disabled flag, capacity or password.
pub(super) async fn update(
    State(state): State<AdminState>,
    principal: Principal,
    Path(id): Path<i64>,
    JsonBody(change): JsonBody<Change>,
) -> Result<Json<Value>, ApiError> {
    let mut user = state.store.user(id).await?;
    let mut actions = Vec::new();
    let mut end_sessions = false;
    if let Some(role) = &change.role {
        let role = parse_role(role)?;
        if role.as_str() != user.role {
            if user.id == principal.user_id {
                return Err(ApiError::new(Code::Forbidden, "不能修改自己的角色，请让另一位管理员操作"));
            }
            actions.push(("user.role", json!({"from": user.role, "to": role})));
            user.role = role.as_str().to_owned();
            end_sessions = true;
        }
    }
    if let Some(disabled) = change.disabled
        && disabled != user.disabled
    {
        if disabled && user.id == principal.user_id {
            return Err(ApiError::new(Code::Forbidden, "不能停用自己的账号"));
        }
        actions.push((if disabled { "user.disable" } else { "user.enable" }, json!({})));
        user.disabled = disabled;
        end_sessions |= disabled;
    }
    if let Some(max) = change.max_concurrent {
        if !(1..=50).contains(&max) {
            return Err(ApiError::bad_query("同时接待数应在 1 到 50 之间"));
        }
        actions.push(("user.capacity", json!({"from": user.max_concurrent, "to": max})));
        user.max_concurrent = max;
    }
    if let Some(password) = &change.password {
        user.password_hash = users::hash_password(password)?;
        actions.push(("user.password", json!({})));
        end_sessions = true;
    }
    state.store.update_user(&user).await?;
    if end_sessions {
        state.store.delete_user_sessions(user.id).await?;
        state.admin.revocations.notify(user.id);
    }
    for (action, detail) in actions {
        audit::record(&state, &principal, action, &user.name, detail).await?;
    }
    Ok(Json(view(&state.store.user(id).await?)))
}
