//! What the analytics read and write: answered and unanswered questions,
//! handoff events, ratings, dismissed questions and QR code scans.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Result;
use crate::ids::SessionId;

/// How a request for a human ended (so far).
pub mod outcome {
    /// Waiting in the queue.
    pub const QUEUED: &str = "queued";
    /// An agent took it.
    pub const CONNECTED: &str = "connected";
    /// The taxpayer left the queue.
    pub const CANCELLED: &str = "cancelled";
    /// Nobody could take it (outside hours or no agent online).
    pub const OFFLINE: &str = "offline";
}

/// A visitor question and the bot's reply to it.
#[derive(Debug, Clone, PartialEq)]
pub struct AskedQuestion {
    /// The visitor message.
    pub message_id: i64,
    /// Its conversation.
    pub conversation_id: String,
    /// Who asked (visitor key).
    pub visitor: String,
    /// `web`, `http` or `wechat`.
    pub channel: String,
    /// The question as asked.
    pub text: String,
    /// When.
    pub asked_at: DateTime<Utc>,
    /// `answer`, `clarify`, `no_match` or `out_of_scope`.
    pub decision: String,
    /// The answered entry.
    pub entry_id: Option<String>,
    /// The matcher's confidence (none for a picked clarification).
    pub confidence: Option<f32>,
    /// Some 👎 on the answer.
    pub downvoted: bool,
    /// The latest comment given with a 👎.
    pub comment: Option<String>,
    /// A human was requested in the conversation at or after the question.
    pub handed_off: bool,
}

/// One request for a human.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoffRecord {
    /// The conversation.
    pub conversation_id: String,
    /// Its channel.
    pub channel: String,
    /// When the taxpayer asked.
    pub requested_at: DateTime<Utc>,
    /// When an agent first took it.
    pub accepted_at: Option<DateTime<Utc>>,
    /// That agent.
    pub agent_id: Option<String>,
    /// One of [`outcome`].
    pub outcome: String,
}

/// One star rating.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingRecord {
    /// The agent rated.
    pub agent_id: Option<String>,
    /// 1 to 5.
    pub stars: u8,
    /// When.
    pub at: DateTime<Utc>,
}

/// Persistence of the analytics (a supertrait of [`super::Store`]).
#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// Entries answered since `since`, by distinct visitors, most first.
    async fn hot_counts(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<(String, u64)>>;
    /// Visitor questions with the bot's reply since `since`, newest first, at most `limit`.
    async fn questions_since(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<AskedQuestion>>;
    /// Records a request for a human with its first outcome (`queued` or `offline`).
    async fn handoff_requested(&self, conversation: &SessionId, at: DateTime<Utc>, outcome: &str) -> Result<()>;
    /// Records that an agent took the conversation's waiting request.
    async fn handoff_connected(&self, conversation: &SessionId, agent: &str, at: DateTime<Utc>) -> Result<()>;
    /// Records that the taxpayer left the queue.
    async fn handoff_cancelled(&self, conversation: &SessionId) -> Result<()>;
    /// Requests for a human since `since`, oldest first.
    async fn handoffs_since(&self, since: DateTime<Utc>) -> Result<Vec<HandoffRecord>>;
    /// Ratings since `since`, oldest first.
    async fn ratings_since(&self, since: DateTime<Utc>) -> Result<Vec<RatingRecord>>;
    /// Hides these questions from the unanswered clusters (idempotent).
    async fn dismiss_questions(&self, texts: &[String], by: &str, at: DateTime<Utc>) -> Result<()>;
    /// Every dismissed question.
    async fn dismissed_questions(&self) -> Result<Vec<String>>;
    /// Records one scan of the printed QR code of entry `entry_id`.
    async fn record_scan(&self, entry_id: &str, at: DateTime<Utc>) -> Result<()>;
    /// Scans since `since` per entry, most first (ties by id), at most `limit` entries.
    async fn scan_counts(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<(String, u64)>>;
}
