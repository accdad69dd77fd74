//! What the agent desk keeps besides the handoff itself: canned replies
//! (快捷回复) per team, and the history of closed conversations.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Result;
use crate::ids::SessionId;

/// One canned reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CannedReply {
    /// Number.
    pub id: i64,
    /// The team whose agents see it ("" = every agent; there are no team
    /// accounts yet, so this is a free-text name).
    pub team: String,
    /// Short label shown in the picker.
    pub title: String,
    /// The text inserted into the reply box.
    pub text: String,
    /// Who last changed it.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// A canned reply to store (checked by the caller).
#[derive(Debug, Clone, PartialEq)]
pub struct NewCannedReply {
    /// The team ("" = every agent).
    pub team: String,
    /// Short label.
    pub title: String,
    /// The text.
    pub text: String,
    /// Who writes it.
    pub by: String,
}

/// Which closed conversations to list, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryQuery {
    /// Text any visitor, bot or agent message, or the verified visitor's
    /// name or masked id, must contain.
    pub text: Option<String>,
    /// Conversation id prefixes (lowercase hex) that match a visitor name
    /// searched for; a conversation matches the text or one of these.
    pub id_prefixes: Vec<String>,
    /// Rows to skip.
    pub offset: u32,
    /// Most rows returned.
    pub limit: u32,
}

/// One closed conversation in the desk's history.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedConversation {
    /// The conversation.
    pub session_id: SessionId,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Closed (last changed).
    pub closed_at: DateTime<Utc>,
    /// The agent who served it last.
    pub served_by: Option<String>,
    /// How the agent resolved it.
    pub resolution: Option<String>,
    /// The taxpayer's first message, if any.
    pub first_question: Option<String>,
}

/// Persistence of the agent desk's canned replies and history.
#[async_trait]
pub trait DeskStore: Send + Sync {
    /// Canned replies of `team` (every team when `None`), by team and title.
    async fn canned_replies(&self, team: Option<&str>) -> Result<Vec<CannedReply>>;
    /// Stores a new canned reply.
    async fn create_canned_reply(&self, r: &NewCannedReply) -> Result<CannedReply>;
    /// Replaces canned reply `id`; `NotFound` when there is none.
    async fn update_canned_reply(&self, id: i64, r: &NewCannedReply) -> Result<CannedReply>;
    /// Deletes canned reply `id`; `NotFound` when there is none.
    async fn delete_canned_reply(&self, id: i64) -> Result<CannedReply>;
    /// Conversations an agent closed (back with the bot, with a resolution),
    /// closed last first (closed in the same instant: started last first),
    /// filtered by `q`.
    async fn closed_conversations(&self, q: &HistoryQuery) -> Result<Vec<ClosedConversation>>;
}

/// The `WHERE` clause of [`DeskStore::closed_conversations`] after the
/// closed-state test, with `?` placeholders in bind order: the text twice
/// (messages, then the verified visitor's name or masked id), then each
/// prefix (`instr`/`strpos` is given by the caller's engine).
pub(super) fn history_filter(q: &HistoryQuery, contains: &str, placeholder: &mut dyn FnMut() -> String) -> String {
    let mut any = Vec::new();
    if q.text.is_some() {
        let p = placeholder();
        any.push(format!(
            "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id \
             AND m.sender IN ('visitor', 'bot', 'agent') AND {contains}(m.text, {p}) > 0)"
        ));
        // An unverified identity has no name or id, so it matches nothing.
        let p = placeholder();
        any.push(format!(
            "EXISTS (SELECT 1 FROM visitor_identities v WHERE v.conversation_id = c.id \
             AND {contains}(COALESCE(v.name, '') || ' ' || COALESCE(v.masked_id, ''), {p}) > 0)"
        ));
    }
    for _ in &q.id_prefixes {
        let p = placeholder();
        any.push(format!("substr(c.id, 1, 4) = {p}"));
    }
    if any.is_empty() { String::new() } else { format!(" AND ({})", any.join(" OR ")) }
}
