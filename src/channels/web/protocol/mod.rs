//! The JSON messages of `/ws/chat` (taxpayers) and `/ws/agent` (agents), as
//! documented in `docs/protocol.md`. Every frame is a JSON object with a
//! `type`; unknown fields are ignored, unknown types are an error.

mod agent;
mod decode;

use crate::api_error::Code;
use serde::{Deserialize, Serialize};

pub use agent::{AgentClientMsg, AgentServerMsg, ColleagueInfo, ConversationInfo, TicketInfo, VisitorInfo};
pub use decode::{AGENT_TYPES, CHAT_TYPES, FrameError, decode};

/// A candidate, related or hot question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionRef {
    /// Entry id (send it back with `choose`).
    pub entry_id: String,
    /// The question.
    pub question: String,
}

/// A policy document an answer cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRef {
    /// Title.
    pub title: String,
    /// Document number (文号).
    pub wenhao: String,
}

/// A stored message replayed to a returning visitor or shown to an agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// Message id.
    pub id: i64,
    /// `visitor`, `bot`, `agent`, `system` or `note` (agents only).
    pub from: String,
    /// The text.
    pub text: String,
    /// Bot replies: `answer`, `clarify`, `no_match` or `out_of_scope`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// Bot answers: the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    /// Bot answers replayed to the taxpayer: the entry's sources and dates
    /// as `answer.end` gave them (from the current base).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<Citation>,
    /// Bot answers replayed to the taxpayer: their vote (true = 👍).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helpful: Option<bool>,
    /// Clarifications replayed to the taxpayer or shown to an agent: the
    /// questions offered (from the current base; the taxpayer can still
    /// answer the last one with `choose`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<QuestionRef>,
    /// RFC 3339 time.
    pub at: String,
}

/// Where an answer comes from and how current it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    /// Policy documents cited.
    pub sources: Vec<SourceRef>,
    /// When the rule took effect (YYYY-MM-DD).
    pub effective_from: String,
    /// When a time-limited rule ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_until: Option<String>,
    /// When an editor last reviewed the entry (YYYY-MM-DD).
    pub reviewed: String,
}

/// A visitor identity signed by the host site (`hello.identity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedIdentity {
    /// The host site's name (`[[widget.identity_sites]]`).
    pub site: String,
    /// 纳税人识别号 or login id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Unix seconds after which the signature is void.
    pub expires: i64,
    /// Hex HMAC-SHA256 of `site\nuser_id\nname\nexpires` under the site's secret.
    pub signature: String,
}

/// Whether a presented identity verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    /// Signed by a configured site, not expired: agents see it.
    Verified,
    /// Not proven: agents see 未验证.
    Unverified,
}

/// Handoff status in a welcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HandoffInfo {
    /// Waiting in the queue.
    Queued {
        /// 1 = next.
        position: usize,
        /// Estimated wait in seconds.
        estimated_wait_secs: u64,
    },
    /// An agent serves the conversation.
    Connected {
        /// The agent's name.
        agent_name: String,
    },
}

/// A 留言 ticket answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketAnswer {
    /// Ticket number.
    pub ticket_id: i64,
    /// What the taxpayer wrote.
    pub question: String,
    /// The agent's answer.
    pub answer: String,
}

/// Taxpayer → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Opens (or with a token, resumes) a conversation. Must come first.
    Hello {
        /// The token from an earlier `welcome`.
        #[serde(default)]
        visitor_token: Option<String>,
        /// Who the host site says the visitor is, signed (docs/widget.md).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity: Option<SignedIdentity>,
    },
    /// A question or, with an agent, a message.
    Ask {
        /// The text.
        text: String,
        /// Echoed in the `ack`.
        #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// Picks a candidate offered by `clarify`.
    Choose {
        /// The candidate's entry id.
        entry_id: String,
    },
    /// Opens an entry's answer from a deep link (`/?q=VAT-007`, the widget's
    /// `data-open`) or a printed QR code (二维码一次性告知).
    OpenEntry {
        /// The entry id.
        entry_id: String,
        /// `qr` when opened by scanning a printed code (counted), else a link.
        #[serde(default)]
        via: Option<String>,
    },
    /// Was an answer helpful?
    Feedback {
        /// From `answer.end`.
        answer_id: i64,
        /// Yes / no.
        helpful: bool,
        /// Optional comment.
        #[serde(default)]
        comment: Option<String>,
    },
    /// Asks for a human agent.
    RequestHuman,
    /// Leaves the queue.
    CancelHuman,
    /// Leaves a message for the agents (留言) when none is available.
    LeaveMessage {
        /// The message.
        text: String,
        /// Optional phone or e-mail.
        #[serde(default)]
        contact: Option<String>,
    },
    /// Confirms that a `ticket.answer` was shown; until then it is offered
    /// again on every visit.
    AckTicket {
        /// From `ticket.answer`.
        ticket_id: i64,
    },
    /// Rates the human conversation just closed.
    Rate {
        /// 1-5.
        stars: u8,
        /// Optional comment.
        #[serde(default)]
        comment: Option<String>,
    },
    /// Keep-alive; answered with `pong`.
    Ping,
}

/// Server → taxpayer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ServerMsg {
    /// The conversation is open.
    #[serde(rename = "welcome")]
    Welcome {
        /// Conversation id.
        session_id: String,
        /// Keep it to resume later (`hello.visitor_token`).
        visitor_token: String,
        /// Whether an earlier conversation was resumed.
        resumed: bool,
        /// The bot's greeting.
        greeting: String,
        /// Hot questions.
        hot_questions: Vec<QuestionRef>,
        /// Earlier messages of a resumed conversation.
        history: Vec<HistoryItem>,
        /// Queue or agent status, if handed off.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handoff: Option<HandoffInfo>,
        /// The last human conversation can be rated.
        #[serde(default)]
        awaiting_rating: bool,
        /// Whether the `hello`'s identity verified (absent without one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity: Option<IdentityStatus>,
    },
    /// The message was stored.
    #[serde(rename = "ack")]
    Ack {
        /// The `ref` of the acknowledged message.
        #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// Stored message id (absent for actions that store no message).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<i64>,
    },
    /// An answer begins.
    #[serde(rename = "answer.start")]
    AnswerStart {
        /// Answer id (for `feedback`).
        answer_id: i64,
        /// Entry answered with.
        entry_id: String,
        /// The entry's question.
        question: String,
        /// The matcher's confidence (1 for a chosen candidate).
        confidence: f32,
    },
    /// The next piece of the answer (Markdown).
    #[serde(rename = "answer.delta")]
    AnswerDelta {
        /// Answer id.
        answer_id: i64,
        /// Text to append.
        text: String,
    },
    /// The answer is complete.
    #[serde(rename = "answer.end")]
    AnswerEnd {
        /// Answer id.
        answer_id: i64,
        /// Entry answered with.
        entry_id: String,
        /// Policy documents cited.
        sources: Vec<SourceRef>,
        /// Related questions.
        related: Vec<QuestionRef>,
        /// When the rule took effect (YYYY-MM-DD).
        effective_from: String,
        /// When a time-limited rule ends.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effective_until: Option<String>,
        /// When an editor last reviewed the entry (YYYY-MM-DD).
        #[serde(default)]
        reviewed: String,
    },
    /// "您是不是想问…": pick one with `choose`.
    #[serde(rename = "clarify")]
    Clarify {
        /// Stored message id.
        message_id: i64,
        /// Prompt.
        text: String,
        /// Candidates, best first.
        candidates: Vec<QuestionRef>,
    },
    /// Not a tax question: the reply says so and where to ask; no human is offered.
    #[serde(rename = "out_of_scope")]
    OutOfScope {
        /// Stored message id.
        message_id: i64,
        /// The reply.
        text: String,
    },
    /// No reliable answer; a human is offered.
    #[serde(rename = "no_match")]
    NoMatch {
        /// Stored message id.
        message_id: i64,
        /// Prompt.
        text: String,
        /// Always true: send `request_human` to take it.
        offer_human: bool,
    },
    /// A short bot reply (greeting, thanks, goodbye).
    #[serde(rename = "text")]
    Text {
        /// Stored message id.
        message_id: i64,
        /// The text.
        text: String,
    },
    /// The bot suggests a human (after unhelpful answers).
    #[serde(rename = "human.offer")]
    HumanOffer {
        /// `unhelpful`.
        reason: String,
        /// Prompt.
        text: String,
    },
    /// Position in the human queue (pushed whenever it changes).
    #[serde(rename = "queue")]
    Queue {
        /// 1 = next.
        position: usize,
        /// Estimated wait in seconds.
        estimated_wait_secs: u64,
    },
    /// No agent can take the conversation: leave a message (`leave_message`).
    #[serde(rename = "handoff.offline")]
    HandoffOffline {
        /// `outside_hours` or `no_agent`.
        reason: String,
        /// Business hours.
        hours: String,
        /// Prompt.
        text: String,
    },
    /// An agent joined.
    #[serde(rename = "agent.joined")]
    AgentJoined {
        /// The agent's name.
        agent_name: String,
        /// True when a colleague transferred the conversation to this agent
        /// (absent from older servers: a first accept).
        #[serde(default)]
        transferred: bool,
    },
    /// The agent wrote.
    #[serde(rename = "agent.message")]
    AgentMessage {
        /// Stored message id.
        message_id: i64,
        /// The text.
        text: String,
    },
    /// The agent closed the conversation; `rate` it.
    #[serde(rename = "conversation.closed")]
    ConversationClosed {
        /// How it was resolved.
        resolution: String,
        /// Always true: send `rate`.
        can_rate: bool,
    },
    /// A 留言 ticket was created.
    #[serde(rename = "ticket.created")]
    TicketCreated {
        /// Ticket number.
        ticket_id: i64,
        /// Confirmation.
        text: String,
    },
    /// A 留言 ticket was answered.
    #[serde(rename = "ticket.answer")]
    TicketAnswerMsg(TicketAnswer),
    /// Reply to `ping`.
    #[serde(rename = "pong")]
    Pong,
    /// The server is shutting down; reconnect with the visitor token shortly.
    #[serde(rename = "server.restarting")]
    Restarting {
        /// Notice.
        text: String,
    },
    /// A request failed; see `code`.
    #[serde(rename = "error")]
    Error {
        /// Stable code (see docs/protocol.md).
        code: Code,
        /// What to do, for people.
        message: String,
    },
}
