//! `POST /api/admin/suggest` (agent+): the live matcher's best entries for a
//! taxpayer's message or an agent's own words, with the whole cited answer, so
//! the desk's knowledge panel can insert an answer and its 文号 in one click.
//! An entry whose policy has ended is marked `expired` (the panel shows it as
//! 已失效 and offers no insert), never passed off as current.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AdminState;
use crate::api_error::{ApiError, Code};
use crate::json_body::JsonBody;
use crate::kb::{Entry, today_in_china};

/// Entries offered at most.
const MAX_SUGGESTIONS: usize = 5;
/// Longest text looked up, in characters (a taxpayer message is at most this long too).
const MAX_TEXT_CHARS: usize = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Suggest {
    text: String,
}

/// One entry as the knowledge panel shows and inserts it; `expired` when its
/// policy ended before `today`.
fn view(entry: &Entry, confidence: f32, today: NaiveDate) -> Value {
    let sources: Vec<Value> = entry.sources.iter().map(|s| json!({"title": s.title, "wenhao": s.wenhao})).collect();
    json!({
        "id": entry.id.as_str(),
        "question": entry.question,
        "answer": entry.answer,
        "confidence": confidence,
        "sources": sources,
        "effective_from": entry.effective_from,
        "effective_until": entry.effective_until,
        "reviewed": entry.reviewed,
        "expired": entry.expired_on(today),
    })
}

/// The best published entries for `text`, best first (what the bot itself would rank).
pub(super) async fn suggest(
    State(s): State<AdminState>,
    JsonBody(Suggest { text }): JsonBody<Suggest>,
) -> Result<Json<Value>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::new(Code::EmptyText, "请输入要查找的问题"));
    }
    let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
    let searcher = s.knowledge.searcher();
    let outcome = tokio::task::spawn_blocking(move || searcher.ask(&text))
        .await
        .map_err(|_| ApiError::new(Code::Internal, "查找失败，请重试"))?
        .map_err(|e| ApiError::new(Code::SearchFailed, format!("查找失败：{e}")))?;
    let today = today_in_china();
    let entries: Vec<Value> =
        outcome.ranked.iter().take(MAX_SUGGESTIONS).map(|c| view(&c.entry, c.confidence.get(), today)).collect();
    Ok(Json(json!({"decision": outcome.decision.kind(), "entries": entries})))
}
