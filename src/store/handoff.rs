//! One handoff state change (request, cancel, assign, transfer, send back,
//! close) as a single record, so a store applies it in one transaction
//! together with the check it depends on.

use chrono::{DateTime, Utc};

use super::ConversationState;
use crate::ids::SessionId;

/// What happens to the conversation's queue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueChange {
    /// Left as it is.
    Keep,
    /// Joins the queue, waiting since the given time.
    Enqueue(DateTime<Utc>),
    /// Leaves the queue.
    Remove,
}

/// What the handoff analytics record of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffRecordChange {
    /// Nothing.
    None,
    /// A new request for a human, waiting in the queue.
    Requested,
    /// An agent took the waiting request.
    Connected,
    /// The taxpayer left the queue.
    Cancelled,
}

/// A compare-and-set change of a conversation's handoff state.
///
/// The store applies it only if the conversation is still in `from` (served
/// by `from_agent` when that is `Human`), and then writes the new state, the
/// queue entry, the analytics record and the system `notice` together, or
/// none of them ([`super::StoreError::Conflict`] when the state moved on).
#[derive(Debug, Clone, PartialEq)]
pub struct HandoffChange {
    /// The conversation.
    pub conversation: SessionId,
    /// The state the change expects.
    pub from: ConversationState,
    /// The agent the change expects (checked when `from` is `Human`).
    pub from_agent: Option<String>,
    /// The new state.
    pub to: ConversationState,
    /// The agent serving it afterwards (also remembered as `served_by`).
    pub to_agent: Option<String>,
    /// Set when an agent closes the conversation: the resolution; the
    /// taxpayer is then asked to rate the service.
    pub resolution: Option<String>,
    /// The queue entry.
    pub queue: QueueChange,
    /// The analytics record.
    pub record: HandoffRecordChange,
    /// A system message for the transcript.
    pub notice: Option<String>,
    /// A line for agents only, written by `from_agent` before the notice
    /// (the note a transferring agent leaves for the receiver).
    pub note: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl HandoffChange {
    /// Checks the stored `state` and `agent` are the ones the change expects
    /// (the agent only matters when the change starts from `Human`).
    pub(super) fn check(&self, state: &str, agent: Option<&str>) -> super::Result<()> {
        let agent_matches = self.from != ConversationState::Human || agent == self.from_agent.as_deref();
        if state != self.from.as_str() || !agent_matches {
            return Err(super::StoreError::Conflict(format!("会话状态已变为 {state}")));
        }
        Ok(())
    }

    /// The new `awaiting_rating`: set by a close, cleared when an agent
    /// takes the conversation, kept otherwise.
    pub(super) fn awaiting_rating(&self) -> Option<bool> {
        match (&self.resolution, &self.to_agent) {
            (Some(_), _) => Some(true),
            (None, Some(_)) => Some(false),
            (None, None) => None,
        }
    }

    /// A change of `conversation` from `from` (served by `from_agent`) to
    /// `to` (served by `to_agent`), with nothing else attached yet.
    pub fn new(
        conversation: &SessionId,
        (from, from_agent): (ConversationState, Option<&str>),
        (to, to_agent): (ConversationState, Option<&str>),
    ) -> Self {
        HandoffChange {
            conversation: conversation.clone(),
            from,
            from_agent: from_agent.map(str::to_owned),
            to,
            to_agent: to_agent.map(str::to_owned),
            resolution: None,
            queue: QueueChange::Keep,
            record: HandoffRecordChange::None,
            notice: None,
            note: None,
            at: Utc::now(),
        }
    }

    /// With the queue change.
    pub fn queue(mut self, q: QueueChange) -> Self {
        self.queue = q;
        self
    }

    /// With the analytics record.
    pub fn record(mut self, r: HandoffRecordChange) -> Self {
        self.record = r;
        self
    }

    /// With a system message for the transcript.
    pub fn notice(mut self, text: impl Into<String>) -> Self {
        self.notice = Some(text.into());
        self
    }

    /// With a line for agents only (see [`super::Sender::Note`]).
    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.note = Some(text.into());
        self
    }

    /// Closed by an agent with this resolution.
    pub fn resolution(mut self, text: impl Into<String>) -> Self {
        self.resolution = Some(text.into());
        self
    }
}
