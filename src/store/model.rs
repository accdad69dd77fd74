//! The records the store persists.

use chrono::{DateTime, Utc};

use crate::ids::{SessionId, VisitorKey};

/// Who is talking to the taxpayer now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationState {
    /// The bot answers.
    Bot,
    /// Waiting in the human queue.
    Queued,
    /// An agent serves it.
    Human,
}

impl ConversationState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Bot => "bot",
            ConversationState::Queued => "queued",
            ConversationState::Human => "human",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "bot" => Some(ConversationState::Bot),
            "queued" => Some(ConversationState::Queued),
            "human" => Some(ConversationState::Human),
            _ => None,
        }
    }
}

/// One conversation of one visitor on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// The session id.
    pub id: SessionId,
    /// Whose conversation it is.
    pub visitor: VisitorKey,
    /// `web`, `http` or `wechat`.
    pub channel: String,
    /// Bot, queued or human.
    pub state: ConversationState,
    /// The agent serving it now.
    pub agent_id: Option<String>,
    /// The last agent who served it (kept after close, for the rating).
    pub served_by: Option<String>,
    /// Closed by an agent and not rated yet.
    pub awaiting_rating: bool,
    /// How the last human conversation was resolved.
    pub resolution: Option<String>,
    /// When it started.
    pub created_at: DateTime<Utc>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The taxpayer.
    Visitor,
    /// The FAQ bot.
    Bot,
    /// A human agent.
    Agent,
    /// The system (queue, handoff and ticket notices).
    System,
    /// A line for agents only (a transfer note, the taxpayer leaving or
    /// coming back): kept in the transcript, never shown to the taxpayer.
    Note,
}

impl Sender {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Visitor => "visitor",
            Sender::Bot => "bot",
            Sender::Agent => "agent",
            Sender::System => "system",
            Sender::Note => "note",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "visitor" => Some(Sender::Visitor),
            "bot" => Some(Sender::Bot),
            "agent" => Some(Sender::Agent),
            "system" => Some(Sender::System),
            "note" => Some(Sender::Note),
            _ => None,
        }
    }
}

/// A message about to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// The conversation.
    pub conversation_id: SessionId,
    /// Who wrote it.
    pub sender: Sender,
    /// The text (an answer's full Markdown).
    pub text: String,
    /// For bot replies to a question: `answer`, `clarify`, `no_match` or `out_of_scope`.
    pub decision: Option<&'static str>,
    /// The answered entry; for a clarification, the offered entries joined
    /// with [`OFFERED_SEPARATOR`] (so a reload can show the choices again).
    pub entry_id: Option<String>,
    /// The matcher's confidence in the answer.
    pub confidence: Option<f32>,
    /// The agent who wrote it.
    pub agent_id: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Joins the entries a clarification offered in [`NewMessage::entry_id`].
pub const OFFERED_SEPARATOR: char = ',';

impl NewMessage {
    /// The entries this message names: the one answered, or the ones a
    /// clarification offered.
    pub fn entry_ids(&self) -> impl Iterator<Item = &str> {
        self.entry_id.iter().flat_map(|ids| ids.split(OFFERED_SEPARATOR))
    }

    /// A plain message without decision data.
    pub fn plain(conversation_id: &SessionId, sender: Sender, text: &str) -> Self {
        NewMessage {
            conversation_id: conversation_id.clone(),
            sender,
            text: text.to_owned(),
            decision: None,
            entry_id: None,
            confidence: None,
            agent_id: None,
            created_at: Utc::now(),
        }
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Its id (an answer id for bot answers).
    pub id: i64,
    /// The rest.
    pub body: NewMessage,
    /// Decision of a bot reply, as stored.
    pub decision: Option<String>,
}

/// A helpful / not helpful vote on an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    /// The answer message.
    pub message_id: i64,
    /// Its conversation.
    pub conversation_id: SessionId,
    /// Whether it helped.
    pub helpful: bool,
    /// Optional comment.
    pub comment: Option<String>,
}

/// A 1-5 star rating of a human conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    /// The conversation.
    pub conversation_id: SessionId,
    /// The agent rated.
    pub agent_id: Option<String>,
    /// 1 to 5.
    pub stars: u8,
    /// Optional comment.
    pub comment: Option<String>,
}

/// A conversation waiting for an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    /// The conversation.
    pub conversation_id: SessionId,
    /// Since when.
    pub enqueued_at: DateTime<Utc>,
}

/// Where a 留言 ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketStatus {
    /// Waiting for an agent.
    Open,
    /// Answered, not yet seen by the taxpayer.
    Answered,
    /// The taxpayer has received the answer.
    Delivered,
}

impl TicketStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Answered => "answered",
            TicketStatus::Delivered => "delivered",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(TicketStatus::Open),
            "answered" => Some(TicketStatus::Answered),
            "delivered" => Some(TicketStatus::Delivered),
            _ => None,
        }
    }
}

/// A message left for an agent (留言) and its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// The ticket number.
    pub id: i64,
    /// The conversation it was left in.
    pub conversation_id: SessionId,
    /// Whose it is.
    pub visitor: VisitorKey,
    /// What the taxpayer wrote.
    pub text: String,
    /// How to reach them, if given.
    pub contact: Option<String>,
    /// Open, answered or delivered.
    pub status: TicketStatus,
    /// The agent's answer.
    pub answer: Option<String>,
    /// Who answered.
    pub agent_id: Option<String>,
    /// When it was left.
    pub created_at: DateTime<Utc>,
}

/// An agent account.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// Stable id.
    pub id: String,
    /// Display name shown to taxpayers.
    pub name: String,
    /// Most conversations served at once.
    pub max_concurrent: u32,
}
