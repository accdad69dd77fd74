//! 快捷回复: the canned replies agents insert into their reply box. Agents
//! read them (`GET /api/admin/canned`); admins keep the lists (`POST`, `PUT`,
//! `DELETE`). There are no team accounts yet, so a reply's team is a free
//! text name ("" = every agent) the desk filters by.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AdminState, Principal, audit};
use crate::api_error::{ApiError, Code, ErrorCode};
use crate::json_body::JsonBody;
use crate::store::NewCannedReply;

/// Longest title, in characters (one line in the picker).
const MAX_TITLE_CHARS: usize = 40;
/// Longest reply, in characters (the reply box takes 2,000).
const MAX_TEXT_CHARS: usize = 2000;
/// Longest team name, in characters.
const MAX_TEAM_CHARS: usize = 32;
/// Most replies of one team: a picker longer than this is not read.
const MAX_PER_TEAM: usize = 200;

/// Why a canned reply was refused.
#[derive(Debug, thiserror::Error)]
pub enum CannedError {
    /// The title is empty, too long or has control characters.
    #[error("标题应为 1-{MAX_TITLE_CHARS} 个字，且不含换行等控制字符")]
    Title,
    /// The text is empty or too long.
    #[error("回复内容应为 1-{MAX_TEXT_CHARS} 个字")]
    Text,
    /// The team name is too long or has control characters.
    #[error("小组名称最多 {MAX_TEAM_CHARS} 个字，且不含换行等控制字符（留空表示所有客服）")]
    Team,
    /// The team has the most replies allowed.
    #[error("每个小组最多 {MAX_PER_TEAM} 条快捷回复，请先删除不用的")]
    TooMany,
    /// The id in the path is not a number.
    #[error("快捷回复编号应为数字")]
    BadId,
}

impl ErrorCode for CannedError {
    fn code(&self) -> Code {
        match self {
            CannedError::Title | CannedError::Text | CannedError::Team => Code::InvalidCannedReply,
            CannedError::TooMany => Code::Conflict,
            CannedError::BadId => Code::InvalidId,
        }
    }
}

/// A canned reply as an admin sends it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Form {
    #[serde(default)]
    team: String,
    title: String,
    text: String,
}

impl Form {
    /// The reply to store, trimmed and checked.
    fn checked(self, by: &str) -> Result<NewCannedReply, CannedError> {
        let one_line = |s: &str, max: usize| s.chars().count() <= max && !s.chars().any(char::is_control);
        let (team, title, text) = (self.team.trim(), self.title.trim(), self.text.trim());
        if title.is_empty() || !one_line(title, MAX_TITLE_CHARS) {
            return Err(CannedError::Title);
        }
        if !one_line(team, MAX_TEAM_CHARS) {
            return Err(CannedError::Team);
        }
        let bad_control = text.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
        if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS || bad_control {
            return Err(CannedError::Text);
        }
        Ok(NewCannedReply { team: team.into(), title: title.into(), text: text.into(), by: by.into() })
    }
}

/// `?team=` of the list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListParams {
    team: Option<String>,
}

/// The canned replies (of one team with `?team=`), by team and title.
pub(super) async fn list(
    State(state): State<AdminState>,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) = q.map_err(|e| ApiError::bad_query(e.body_text()))?;
    let replies = state.store.canned_replies(p.team.as_deref().map(str::trim)).await?;
    Ok(Json(json!({"replies": replies})))
}

/// Adds a canned reply.
pub(super) async fn add(
    State(state): State<AdminState>,
    principal: Principal,
    JsonBody(form): JsonBody<Form>,
) -> Result<Json<Value>, ApiError> {
    let new = form.checked(&principal.name)?;
    if state.store.canned_replies(Some(&new.team)).await?.len() >= MAX_PER_TEAM {
        return Err(CannedError::TooMany.into());
    }
    let r = state.store.create_canned_reply(&new).await?;
    audit::record(&state, &principal, "canned.add", &r.id.to_string(), json!({"team": r.team, "title": r.title}))
        .await?;
    Ok(Json(json!(r)))
}

/// Replaces a canned reply.
pub(super) async fn update(
    State(state): State<AdminState>,
    principal: Principal,
    id: Result<Path<i64>, PathRejection>,
    JsonBody(form): JsonBody<Form>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id.map_err(|_| CannedError::BadId)?;
    let new = form.checked(&principal.name)?;
    let r = state.store.update_canned_reply(id, &new).await?;
    audit::record(&state, &principal, "canned.update", &id.to_string(), json!({"team": r.team, "title": r.title}))
        .await?;
    Ok(Json(json!(r)))
}

/// Deletes a canned reply.
pub(super) async fn delete(
    State(state): State<AdminState>,
    principal: Principal,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id.map_err(|_| CannedError::BadId)?;
    let r = state.store.delete_canned_reply(id).await?;
    audit::record(&state, &principal, "canned.delete", &id.to_string(), json!({"team": r.team, "title": r.title}))
        .await?;
    Ok(Json(json!(r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(team: &str, title: &str, text: &str) -> Form {
        Form { team: team.into(), title: title.into(), text: text.into() }
    }

    #[test]
    fn a_reply_is_trimmed_and_bounded() {
        let ok = form(" 个税组 ", " 问候 ", " 您好，请问有什么可以帮您？\n").checked("admin").expect("valid");
        assert_eq!((ok.team.as_str(), ok.title.as_str()), ("个税组", "问候"));
        assert!(matches!(form("", "", "x").checked("a"), Err(CannedError::Title)));
        assert!(matches!(form("", "a\nb", "x").checked("a"), Err(CannedError::Title)));
        assert!(matches!(form("", "t", " ").checked("a"), Err(CannedError::Text)));
        assert!(matches!(form("", "t", &"字".repeat(2001)).checked("a"), Err(CannedError::Text)));
        assert!(matches!(form(&"组".repeat(33), "t", "x").checked("a"), Err(CannedError::Team)));
    }
}
