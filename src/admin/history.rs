//! The agent desk's history of closed conversations: `GET
//! /api/admin/history` lists them closed last first, searched by message
//! text, by the verified visitor's name or masked id, or by the visitor
//! name the desk shows (访客 NNNN), and `GET
//! /api/admin/history/{id}` opens one read-only with its transcript.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use chrono::SecondsFormat;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AdminState;
use crate::api_error::{ApiError, Code, ErrorCode};
use crate::channels::web::convert::offered;
use crate::ids::SessionId;
use crate::kb::Entry;
use crate::store::{ClosedConversation, ConversationState, HistoryQuery, Message, StoreError, VisitorIdentity};

/// Rows per page unless asked otherwise.
const DEFAULT_PAGE: u32 = 20;
/// Most rows per page.
const MAX_PAGE: u32 = 50;
/// Deepest page start: older conversations are found by searching.
const MAX_OFFSET: u32 = 10_000;
/// Longest search text, in characters (a sentence or a name).
const MAX_QUERY_CHARS: usize = 50;
/// Most messages of one opened conversation.
const MAX_TRANSCRIPT: u32 = 1000;

/// Why a history request was refused.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The search text is too long or has control characters.
    #[error("搜索内容最多 {MAX_QUERY_CHARS} 个字，且不含换行等控制字符")]
    Query,
    /// The page size or start is out of range.
    #[error("每页条数应为 1-{MAX_PAGE}，起始位置最大 {MAX_OFFSET}（更早的会话请用搜索查找）")]
    Page,
    /// The id is not a conversation id.
    #[error("会话编号格式不正确")]
    BadId,
    /// No closed conversation has this id.
    #[error("没有找到这个已结束的会话（进行中的会话请在工作台查看）")]
    NotClosed,
}

impl ErrorCode for HistoryError {
    fn code(&self) -> Code {
        match self {
            HistoryError::Query | HistoryError::Page => Code::InvalidQuery,
            HistoryError::BadId => Code::InvalidId,
            HistoryError::NotClosed => Code::NotFound,
        }
    }
}

/// The name the desk shows for a conversation: 访客 and four digits from
/// the first four hex digits of its id (the same rule as `visitorName` in
/// `web-widget/console/agent.js`).
pub fn visitor_name(id: &SessionId) -> String {
    let n = id.as_str().get(..4).and_then(|h| u32::from_str_radix(h, 16).ok()).unwrap_or(0);
    format!("访客 {:04}", n % 10_000)
}

/// The id prefixes (four lowercase hex digits) whose visitor name is
/// 访客 `n`, when `q` is such a name ("访客 0042", "访客42" or "0042").
fn name_prefixes(q: &str) -> Vec<String> {
    let digits = match q.strip_prefix("访客") {
        Some(rest) => rest.trim(),
        None if q.len() == 4 => q,
        None => return Vec::new(),
    };
    let Some(n) = (!digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse::<u32>().ok())
        .flatten()
    else {
        return Vec::new();
    };
    (n..=0xffff).step_by(10_000).map(|v| format!("{v:04x}")).collect()
}

/// `?q=&offset=&limit=`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    q: Option<String>,
    offset: Option<u32>,
    limit: Option<u32>,
}

fn query(p: Params) -> Result<HistoryQuery, HistoryError> {
    let text = p.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    if text.as_ref().is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS || q.chars().any(char::is_control)) {
        return Err(HistoryError::Query);
    }
    let (offset, limit) = (p.offset.unwrap_or(0), p.limit.unwrap_or(DEFAULT_PAGE));
    if offset > MAX_OFFSET || !(1..=MAX_PAGE).contains(&limit) {
        return Err(HistoryError::Page);
    }
    let id_prefixes = text.as_deref().map(name_prefixes).unwrap_or_default();
    Ok(HistoryQuery { text, id_prefixes, offset, limit })
}

/// Who the visitor was, as the desk showed it: the name and masked id a host
/// site vouched for, or `verified: false`; `null` for an anonymous 访客.
fn visitor(identity: Option<&VisitorIdentity>) -> Value {
    match identity {
        Some(VisitorIdentity::Verified { name, masked_id }) => {
            json!({"verified": true, "name": name, "masked_id": masked_id})
        }
        Some(VisitorIdentity::Unverified) => json!({"verified": false}),
        None => Value::Null,
    }
}

fn row(c: &ClosedConversation, identity: Option<&VisitorIdentity>) -> Value {
    json!({
        "session_id": c.session_id.as_str(),
        "visitor_name": visitor_name(&c.session_id),
        "visitor": visitor(identity),
        "created_at": c.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "closed_at": c.closed_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "served_by": c.served_by,
        "resolution": c.resolution,
        "first_question": c.first_question,
    })
}

fn line(m: &Message, entries: &HashMap<String, Arc<Entry>>) -> Value {
    json!({
        "id": m.id,
        "from": m.body.sender.as_str(),
        "text": m.body.text,
        "decision": m.decision,
        "entry_id": m.body.entry_id,
        "candidates": offered(m, entries),
        "agent_id": m.body.agent_id,
        "at": m.body.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    })
}

/// One page of closed conversations, closed last first; `more` tells
/// whether another page follows.
pub(super) async fn list(
    State(state): State<AdminState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) = q.map_err(|e| ApiError::bad_query(e.body_text()))?;
    let mut query = query(p)?;
    let limit = query.limit as usize;
    query.limit += 1;
    let mut rows = state.store.closed_conversations(&query).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let ids: Vec<SessionId> = rows.iter().map(|c| c.session_id.clone()).collect();
    let identities = state.store.identities(&ids).await?;
    let listed: Vec<Value> = rows.iter().map(|c| row(c, identities.get(&c.session_id))).collect();
    Ok(Json(json!({"conversations": listed, "more": more})))
}

/// One closed conversation with its transcript (notes included).
pub(super) async fn show(
    State(state): State<AdminState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(raw) = id.map_err(|_| HistoryError::BadId)?;
    let id = SessionId::try_from(raw).map_err(|_| HistoryError::BadId)?;
    let c = match state.store.conversation(&id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Err(HistoryError::NotClosed.into()),
        Err(e) => return Err(e.into()),
    };
    if c.state != ConversationState::Bot || c.resolution.is_none() {
        return Err(HistoryError::NotClosed.into());
    }
    let transcript = state.store.messages(&id, MAX_TRANSCRIPT).await?;
    // A clarification shows the questions it offered, as on the live desk.
    let entries = crate::chat::transcript_entries(&state.knowledge.searcher().snapshot(), &transcript);
    let identity = state.store.identity(&id).await?;
    Ok(Json(json!({
        "session_id": id.as_str(),
        "visitor_name": visitor_name(&id),
        "visitor": visitor(identity.as_ref()),
        "served_by": c.served_by,
        "resolution": c.resolution,
        "transcript": transcript.iter().map(|m| line(m, &entries)).collect::<Vec<_>>(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_name_is_searched_by_the_id_prefixes_that_give_it() {
        let id = SessionId::try_from("00ff1234-0000-4000-8000-000000000000".to_owned()).expect("id");
        assert_eq!(visitor_name(&id), "访客 0255");
        let prefixes = name_prefixes("访客 0255");
        assert!(prefixes.contains(&"00ff".to_owned()), "{prefixes:?}");
        assert_eq!(name_prefixes("访客255"), prefixes);
        assert_eq!(name_prefixes("0255"), prefixes);
        assert_eq!(prefixes.len(), 7, "255, 10255, … 60255 ≤ 0xffff");
        assert!(name_prefixes("个人所得税").is_empty());
        assert!(name_prefixes("访客 12345").is_empty());
    }

    #[test]
    fn page_and_text_are_bounded() {
        assert!(matches!(query(Params { limit: Some(51), ..Params::default() }), Err(HistoryError::Page)));
        assert!(matches!(query(Params { limit: Some(0), ..Params::default() }), Err(HistoryError::Page)));
        assert!(matches!(query(Params { offset: Some(10_001), ..Params::default() }), Err(HistoryError::Page)));
        let long = Params { q: Some("税".repeat(51)), ..Params::default() };
        assert!(matches!(query(long), Err(HistoryError::Query)));
        let q = query(Params { q: Some("  增值税 ".into()), ..Params::default() }).expect("valid");
        assert_eq!((q.text.as_deref(), q.limit, q.id_prefixes.len()), (Some("增值税"), DEFAULT_PAGE, 0));
    }
}
