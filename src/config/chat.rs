//! `[chat]` settings.

use serde::{Deserialize, Serialize};

/// Conversation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The first thing the bot says.
    pub greeting: String,
    /// Characters per streamed chunk (answers are cut at sentence ends).
    #[serde(deserialize_with = "super::valid::positive")]
    pub chunk_chars: usize,
    /// Pause between streamed chunks in milliseconds, so answers read like
    /// typing; 0 sends all chunks at once.
    pub stream_delay_ms: u64,
    /// Days after its last visit that a visitor token still resumes.
    pub visitor_ttl_days: u32,
    /// Longest message accepted, in characters.
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_message_chars: usize,
    /// Hot questions offered in the welcome.
    pub hot_questions: usize,
    /// Entry ids offered first to a new visitor while there are not enough
    /// hot questions (a fresh install, a quiet week): the editors' starters.
    pub starter_questions: Vec<String>,
    /// Consecutive unhelpful answers before a human is offered.
    pub unhelpful_before_human: u32,
    /// Messages replayed to a returning visitor.
    pub history_messages: u32,
    /// Questions matched at once. Matching is CPU work on the blocking pool;
    /// more permits than cores only adds queueing inside the pool.
    #[serde(deserialize_with = "super::valid::positive")]
    pub match_concurrency: usize,
    /// HTTP API users whose follow-up context is kept in memory.
    #[serde(deserialize_with = "super::valid::positive")]
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
            starter_questions: ["IIT-001", "VAT-007", "INV-001", "SAD-001", "SSF-001"].map(String::from).to_vec(),
            unhelpful_before_human: 2,
            history_messages: 100,
            match_concurrency: 2,
            api_sessions: 10_000,
        }
    }
}
