//! The conversation engine: sessions, intents answered without retrieval
//! (greetings, thanks, goodbyes, 转人工), follow-up context, escalation to a
//! human, and turning a matcher [`Decision`](crate::search::Decision) into replies to stream.
//!
//! Every taxpayer message is stored before the engine returns, so a channel
//! that acknowledges after calling the engine never acknowledges a lost message.

mod engine;
mod ids;
mod intent;
mod open;
mod reply;
mod session;

use serde::{Deserialize, Serialize};

pub use engine::{Asked, Engine, Opened};
pub use ids::{InvalidIdentifier, SessionId, VisitorKey, VisitorToken};
pub use intent::{Intent, detect as detect_intent};
pub use reply::{Answer, Reply, Suggestion, chunks};
pub use session::{Session, SessionCache};

use crate::handoff::HandoffError;
use crate::store::StoreError;

/// Conversation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The first thing the bot says.
    pub greeting: String,
    /// Characters per streamed chunk (answers are cut at sentence ends).
    pub chunk_chars: usize,
    /// Pause between streamed chunks in milliseconds, so answers read like
    /// typing; 0 sends all chunks at once.
    pub stream_delay_ms: u64,
    /// Days after its last visit that a visitor token still resumes.
    pub visitor_ttl_days: u32,
    /// Longest message accepted, in characters.
    pub max_message_chars: usize,
    /// Hot questions offered in the welcome.
    pub hot_questions: usize,
    /// Consecutive unhelpful answers before a human is offered.
    pub unhelpful_before_human: u32,
    /// Messages replayed to a returning visitor.
    pub history_messages: u32,
    /// Questions matched at once. Matching is CPU work on the blocking pool;
    /// more permits than cores only adds queueing inside the pool.
    pub match_concurrency: usize,
    /// HTTP API users whose follow-up context is kept in memory.
    pub api_sessions: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            greeting: "您好！我是税务智能助手，可以解答增值税、个人所得税、发票、社保费等问题。\
                       请直接输入您的问题；需要人工服务请输入“转人工”。"
                .into(),
            chunk_chars: 32,
            stream_delay_ms: 30,
            visitor_ttl_days: 30,
            max_message_chars: 500,
            hot_questions: 5,
            unhelpful_before_human: 2,
            history_messages: 100,
            match_concurrency: 2,
            api_sessions: 10_000,
        }
    }
}

/// Why the engine refused a message.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// Empty or blank text.
    #[error("消息不能为空，请输入您的问题")]
    EmptyText,
    /// Longer than `max_message_chars`.
    #[error("消息太长（最多 {0} 个字），请精简后再发送")]
    TooLong(usize),
    /// The visitor token is not known.
    #[error("访客令牌无效，已为您开始新的会话")]
    UnknownVisitor,
    /// The visitor token has not been used for too long.
    #[error("访客令牌已过期，已为您开始新的会话")]
    ExpiredVisitor,
    /// A malformed user id or session id.
    #[error("{0}")]
    InvalidId(#[from] InvalidIdentifier),
    /// Feedback on something that is not an answer of this conversation.
    #[error("找不到该答案，无法评价；请对本会话中的答案进行评价")]
    UnknownAnswer,
    /// `choose` with an entry that was not offered.
    #[error("该选项不在刚才的候选问题中，请从列出的问题中选择")]
    UnknownChoice,
    /// Stars outside 1-5.
    #[error("评分须为 1 到 5 星")]
    InvalidRating,
    /// A handoff action failed.
    #[error(transparent)]
    Handoff(#[from] HandoffError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The matcher failed.
    #[error("检索服务出错，请稍后再试")]
    Search(String),
}

impl ChatError {
    /// A stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            ChatError::EmptyText => "empty_text",
            ChatError::TooLong(_) => "text_too_long",
            ChatError::UnknownVisitor => "unknown_visitor",
            ChatError::ExpiredVisitor => "expired_visitor",
            ChatError::InvalidId(_) => "invalid_id",
            ChatError::UnknownAnswer => "unknown_answer",
            ChatError::UnknownChoice => "unknown_choice",
            ChatError::InvalidRating => "invalid_rating",
            ChatError::Handoff(e) => e.code(),
            ChatError::Store(e) => e.code(),
            ChatError::Search(_) => "search_failed",
        }
    }
}
