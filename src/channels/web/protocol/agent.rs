//! The messages of `/ws/agent`.

use serde::{Deserialize, Serialize};

use super::HistoryItem;
use crate::api_error::Code;

/// Agent console → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentClientMsg {
    /// Starts the desk; must come first. The user is the one signed in to the
    /// console (the session cookie of the WebSocket upgrade request).
    Hello {
        /// Initial presence (default online).
        #[serde(default)]
        status: Option<crate::handoff::Presence>,
    },
    /// Online or away.
    Status {
        /// `online` or `away`.
        status: crate::handoff::Presence,
    },
    /// Takes a waiting conversation.
    Accept {
        /// Conversation id.
        session_id: String,
    },
    /// Writes to the taxpayer.
    Send {
        /// Conversation id.
        session_id: String,
        /// The text.
        text: String,
    },
    /// Hands the conversation to another agent, or back to the queue.
    Transfer {
        /// Conversation id.
        session_id: String,
        /// Target agent id (from `agents`); absent = back to the queue.
        #[serde(default)]
        to: Option<String>,
        /// A note for whoever takes the conversation next (agents only, at
        /// most 500 characters).
        #[serde(default)]
        note: Option<String>,
    },
    /// The colleagues a conversation can be transferred to; answered with `agents`.
    ListAgents,
    /// Ends the conversation.
    Close {
        /// Conversation id.
        session_id: String,
        /// How it was resolved.
        resolution: String,
    },
    /// Answers a 留言 ticket.
    AnswerTicket {
        /// Ticket number.
        ticket_id: i64,
        /// The answer.
        text: String,
    },
    /// The next page of open tickets, older than ticket `before` (newest first
    /// when absent); answered with `tickets`.
    ListTickets {
        /// The oldest ticket number the console has.
        #[serde(default)]
        before: Option<i64>,
    },
    /// Keep-alive.
    Ping,
}

/// A conversation in the agent console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationInfo {
    /// Conversation id.
    pub session_id: String,
    /// Waiting since (queue items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<String>,
    /// The messages so far.
    pub transcript: Vec<HistoryItem>,
    /// Who the visitor is, when a host site presented an identity (absent:
    /// an anonymous 访客).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<VisitorInfo>,
}

/// A visitor's identity on the desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitorInfo {
    /// True when signed by a configured host site; false = 未验证.
    pub verified: bool,
    /// Verified display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Verified user id, masked (`9144********1234`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_id: Option<String>,
}

/// A 留言 ticket in the agent console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketInfo {
    /// Ticket number.
    pub ticket_id: i64,
    /// Conversation it was left in.
    pub session_id: String,
    /// The message.
    pub text: String,
    /// Contact, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// RFC 3339 time.
    pub created_at: String,
}

/// A colleague in the transfer picker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColleagueInfo {
    /// Agent id (what `transfer.to` takes).
    pub agent_id: String,
    /// Display name.
    pub name: String,
    /// `online` or `away`.
    pub presence: crate::handoff::Presence,
    /// Conversations served now.
    pub load: u32,
    /// Most at once.
    pub max_concurrent: u32,
    /// Whether a transfer would be taken now.
    pub available: bool,
}

/// Server → agent console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AgentServerMsg {
    /// Authenticated.
    #[serde(rename = "agent.welcome")]
    Welcome {
        /// Agent id.
        agent_id: String,
        /// Display name.
        name: String,
        /// Most conversations at once.
        max_concurrent: u32,
        /// Conversations this agent serves.
        active: Vec<ConversationInfo>,
        /// The newest open tickets (at most `handoff.welcome_tickets`; fetch
        /// older ones with `list_tickets`).
        tickets: Vec<TicketInfo>,
        /// How many tickets are open in all.
        #[serde(default)]
        tickets_total: usize,
    },
    /// A page of open tickets (reply to `list_tickets`).
    #[serde(rename = "tickets")]
    Tickets {
        /// Newest first.
        tickets: Vec<TicketInfo>,
        /// Whether older ones remain.
        more: bool,
    },
    /// The queue (pushed whenever it changes).
    #[serde(rename = "queue")]
    Queue {
        /// Waiting conversations, first come first.
        items: Vec<ConversationInfo>,
    },
    /// A conversation is now yours.
    #[serde(rename = "assigned")]
    Assigned {
        /// The conversation.
        conversation: ConversationInfo,
    },
    /// The taxpayer wrote.
    #[serde(rename = "visitor.message")]
    VisitorMessage {
        /// Conversation id.
        session_id: String,
        /// Stored message id.
        message_id: i64,
        /// The text.
        text: String,
    },
    /// A conversation left you (closed or transferred).
    #[serde(rename = "released")]
    Released {
        /// Conversation id.
        session_id: String,
    },
    /// The colleagues connected now (reply to `list_agents`).
    #[serde(rename = "agents")]
    Agents {
        /// Available first, then by name.
        agents: Vec<ColleagueInfo>,
    },
    /// The taxpayer's page went away or came back.
    #[serde(rename = "visitor.presence")]
    VisitorPresence {
        /// Conversation id.
        session_id: String,
        /// True when back.
        connected: bool,
        /// The note, for people.
        text: String,
    },
    /// A new 留言 ticket.
    #[serde(rename = "ticket.new")]
    TicketNew {
        /// The ticket.
        ticket: TicketInfo,
    },
    /// A 留言 ticket was answered (by anyone): drop it from the list.
    #[serde(rename = "ticket.closed")]
    TicketClosed {
        /// Ticket number.
        ticket_id: i64,
        /// The agent who answered it.
        by: String,
    },
    /// The action succeeded.
    #[serde(rename = "ack")]
    Ack {
        /// Stored message id, for `send`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<i64>,
    },
    /// Reply to `ping`.
    #[serde(rename = "pong")]
    Pong,
    /// The server is shutting down.
    #[serde(rename = "server.restarting")]
    Restarting {
        /// Notice.
        text: String,
    },
    /// A request failed.
    #[serde(rename = "error")]
    Error {
        /// Stable code.
        code: Code,
        /// What to do.
        message: String,
    },
}
