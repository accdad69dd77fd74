//! The conversation engine: sessions, intents answered without retrieval
//! (greetings, thanks, goodbyes, 转人工), follow-up context, escalation to a
//! human, and turning a matcher [`Decision`](crate::search::Decision) into replies to stream.
//!
//! Every taxpayer message is stored before the engine returns, so a channel
//! that acknowledges after calling the engine never acknowledges a lost message.

mod engine;
pub mod eval;
mod identity;
mod intent;
mod open;
mod question_log;
mod reply;
mod session;
pub mod wording;

pub use crate::config::chat::Settings;
pub use engine::{Asked, Engine, Opened};
pub use identity::{IdentityClaim, IdentityError, MAX_FIELD_CHARS, Verifier, signed_text};
pub use intent::{Intent, detect as detect_intent};
pub use open::transcript_entries;
pub use reply::{Answer, Reply, Suggestion, chunks};
pub use session::{Session, SessionCache};

use crate::api_error::{Code, ErrorCode};
use crate::handoff::HandoffError;
use crate::ids::InvalidIdentifier;
use crate::store::StoreError;

/// Why the engine refused a message.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// Empty or blank text.
    #[error("消息不能为空，请输入您的问题")]
    EmptyText,
    /// Only control or invisible characters (nothing a person can read).
    #[error("消息中没有可见的文字（只有控制字符或不可见字符），请输入您的问题")]
    NoVisibleText,
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

impl ErrorCode for ChatError {
    fn code(&self) -> Code {
        match self {
            ChatError::EmptyText | ChatError::NoVisibleText => Code::EmptyText,
            ChatError::TooLong(_) => Code::TextTooLong,
            ChatError::UnknownVisitor => Code::UnknownVisitor,
            ChatError::ExpiredVisitor => Code::ExpiredVisitor,
            ChatError::InvalidId(_) => Code::InvalidId,
            ChatError::UnknownAnswer => Code::UnknownAnswer,
            ChatError::UnknownChoice => Code::UnknownChoice,
            ChatError::InvalidRating => Code::InvalidRating,
            ChatError::Handoff(e) => e.code(),
            ChatError::Store(e) => e.code(),
            ChatError::Search(_) => Code::SearchFailed,
        }
    }
}
