//! What the engine answers, and how an answer is cut into streamed chunks.

use std::sync::Arc;

use crate::handoff::HandoffStatus;
use crate::kb::Entry;
use crate::search::{GENERAL_CONTACT, Service};

/// A question the taxpayer can pick (clarification, related or hot question).
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The entry id (send it back with `choose`).
    pub entry_id: String,
    /// The entry's canonical question.
    pub question: String,
}

impl Suggestion {
    /// The suggestion for an entry.
    pub fn of(entry: &Entry) -> Self {
        Suggestion { entry_id: entry.id.to_string(), question: entry.question.clone() }
    }
}

/// An answer from the knowledge base, stored before it is streamed.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The stored message id (for feedback).
    pub answer_id: i64,
    /// The entry answered with.
    pub entry: Arc<Entry>,
    /// The matcher's confidence.
    pub confidence: f32,
    /// Chunks cut at natural boundaries; they concatenate to `entry.answer`.
    pub chunks: Vec<String>,
    /// Other questions the taxpayer may mean next.
    pub related: Vec<Suggestion>,
}

/// The engine's reply to one taxpayer message.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A short bot text (greeting, thanks, goodbye).
    Text {
        /// Stored message id.
        message_id: i64,
        /// The text.
        text: String,
    },
    /// An answer to stream.
    Answer(Answer),
    /// "您是不是想问…" with candidates to `choose` from.
    Clarify {
        /// Stored message id.
        message_id: i64,
        /// The prompt.
        text: String,
        /// The candidates, best first.
        candidates: Vec<Suggestion>,
    },
    /// Not a tax question: said so, with where to ask (no human offered).
    OutOfScope {
        /// Stored message id.
        message_id: i64,
        /// The reply.
        text: String,
    },
    /// Nothing reliable: a human is offered.
    NoMatch {
        /// Stored message id.
        message_id: i64,
        /// The prompt.
        text: String,
    },
    /// The message went to the human agent serving the conversation.
    Relayed,
    /// A human was requested: queued, or offered a 留言 ticket.
    Handoff(HandoffStatus),
}

/// What the bot says to a deep link or QR code whose entry is not in the base.
pub const UNKNOWN_LINK: &str =
    "抱歉，没有找到这个二维码或链接对应的问题，它可能已被撤下。请直接输入您的问题，或转人工客服。";

impl Reply {
    /// The decision word of this reply, as logged and counted in metrics
    /// (`answer`, `clarify`, `no_match`, `out_of_scope`, `text`, `handoff`, `relayed`).
    pub fn decision(&self) -> &'static str {
        match self {
            Reply::Text { .. } => "text",
            Reply::Answer(_) => "answer",
            Reply::Clarify { .. } => "clarify",
            Reply::OutOfScope { .. } => "out_of_scope",
            Reply::NoMatch { .. } => "no_match",
            Reply::Relayed => "relayed",
            Reply::Handoff(_) => "handoff",
        }
    }
}

/// What the bot says instead of an entry whose policy has ended: the
/// document, the end date, and a pointer to a human.
pub fn expired_text(entry: &Entry) -> String {
    let until = entry.effective_until.map(|d| d.format("%Y年%m月%d日").to_string()).unwrap_or_default();
    let document = match entry.sources.first() {
        Some(s) => format!("{}（{}）", s.title, s.wenhao),
        None => "相关政策".to_owned(),
    };
    format!(
        "您问的「{}」所依据的{document}已于{until}到期失效，目前没有现行有效的答复。政策可能已有新规定，建议转人工客服确认。",
        entry.question
    )
}

/// What the bot says to a question that is not about tax: that it is not,
/// and where to ask when the service is known.
pub fn out_of_scope_text(service: Option<&Service>) -> String {
    match service {
        Some(s) => format!(
            "这不属于涉税咨询范围，我只能解答税收、发票和社保费缴纳等税费问题。{}方面的问题请咨询{}。",
            s.name, s.contact
        ),
        None => format!(
            "这不属于涉税咨询范围，我只能解答税收、发票和社保费缴纳等税费问题。其他政务服务问题可以拨打{}咨询。",
            GENERAL_CONTACT
        ),
    }
}

/// Characters after which a chunk may end: sentence ends and line breaks.
const BREAKS: [char; 8] = ['。', '！', '？', '；', '\n', '!', '?', ';'];

/// Softer break points used when a sentence is longer than the chunk size.
const SOFT_BREAKS: [char; 4] = ['，', '、', ',', '：'];

/// Cuts `text` into chunks of about `max_chars` characters, ending each at a
/// sentence end or line break when there is one, else at a comma, else
/// anywhere. The chunks concatenate to `text` exactly.
pub fn chunks(text: &str, max_chars: usize) -> Vec<String> {
    let max_chars = max_chars.max(1);
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let ends: Vec<usize> = rest.char_indices().map(|(i, c)| i + c.len_utf8()).take(max_chars).collect();
        let Some(&limit) = ends.last() else { break };
        let cut = if limit == rest.len() {
            limit
        } else {
            let at = |set: &[char]| ends.iter().rev().copied().find(|&e| rest[..e].ends_with(|c| set.contains(&c)));
            at(&BREAKS).or_else(|| at(&SOFT_BREAKS)).unwrap_or(limit)
        };
        out.push(rest[..cut].to_owned());
        rest = &rest[cut..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cuts_at_sentence_ends() {
        let c = chunks("第一句。第二句很长很长，还有逗号。第三句", 8);
        assert_eq!(c[0], "第一句。");
        assert_eq!(c.concat(), "第一句。第二句很长很长，还有逗号。第三句");
        assert!(c.iter().all(|s| s.chars().count() <= 8));
    }

    proptest! {
        #[test]
        fn chunks_concatenate_to_the_text(text in "\\PC{0,300}", max in 1usize..80) {
            let c = chunks(&text, max);
            prop_assert_eq!(c.concat(), text);
            prop_assert!(c.iter().all(|s| !s.is_empty() && s.chars().count() <= max));
        }
    }
}
