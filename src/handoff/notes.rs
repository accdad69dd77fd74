//! What agents are told besides the chat itself: the colleagues a
//! conversation can be transferred to, the note a transfer carries, and the
//! taxpayer leaving or coming back. Notes are stored as [`Sender::Note`]
//! lines of the transcript (never shown to the taxpayer), so another node
//! and the history show them too.

use serde::Serialize;

use super::{AgentEvent, Hub, Presence};
use crate::ids::SessionId;
use crate::store::{Event, NewMessage, Sender};

/// The note stored when the taxpayer's page went away.
pub const VISITOR_LEFT: &str = "访客已离开（页面已关闭或网络中断）";
/// The note stored when the taxpayer's page is back.
pub const VISITOR_BACK: &str = "访客已重新连接";

/// A colleague as the transfer picker shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Colleague {
    /// Agent id (the console user name).
    pub agent_id: String,
    /// Display name.
    pub name: String,
    /// Online or away (agents not connected anywhere are not listed).
    pub presence: Presence,
    /// Conversations served now.
    pub load: u32,
    /// Most at once.
    pub max_concurrent: u32,
    /// Whether a transfer to them would be taken now (online, with room).
    pub available: bool,
}

impl Hub {
    /// The other agents connected to this node or another, available ones
    /// first, then by name.
    pub fn colleagues(&self, agent: &str) -> Vec<Colleague> {
        let live = self.live();
        let mut list: Vec<Colleague> = live
            .agents
            .values()
            .filter(|a| a.account.id != agent && a.connected())
            .map(|a| Colleague {
                agent_id: a.account.id.clone(),
                name: a.account.name.clone(),
                presence: if a.presence == Presence::Online || a.elsewhere == Some(Presence::Online) {
                    Presence::Online
                } else {
                    Presence::Away
                },
                load: u32::try_from(a.active.len()).unwrap_or(u32::MAX),
                max_concurrent: a.account.max_concurrent,
                available: live.available(&a.account.id),
            })
            .collect();
        list.sort_by(|a, b| (!a.available, &a.name, &a.agent_id).cmp(&(!b.available, &b.name, &b.agent_id)));
        list
    }

    /// The transcript line of a transfer note from `agent` to `to` (back to
    /// the queue when `None`).
    pub(super) fn transfer_note(&self, agent: &str, to: Option<&str>, note: &str) -> String {
        let live = self.live();
        let from = live.agent_name(agent);
        match to {
            Some(to) => format!("转接备注（{from} → {}）：{note}", live.agent_name(to)),
            None => format!("转接备注（{from} → 排队队列）：{note}"),
        }
    }

    /// Tells the agent serving `id` that the taxpayer's page went away
    /// (`connected` false) or is back, and keeps it in the transcript.
    /// Nothing happens when no agent serves the conversation.
    pub async fn visitor_presence(&self, id: &SessionId, connected: bool) {
        let Some(agent) = self.agent_of(id) else {
            return;
        };
        let text = if connected { VISITOR_BACK } else { VISITOR_LEFT };
        let message_id = match self.store.append_message(&NewMessage::plain(id, Sender::Note, text)).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(conversation = %id, error = %e, "无法记录访客的连接状态");
                return;
            }
        };
        if !self.push_agent(&agent, AgentEvent::VisitorPresence { session_id: id.clone(), connected }) {
            // The agent may be connected to another node.
            self.announce(Event::Message { conversation: id.clone(), id: message_id }).await;
        }
    }

    /// A note another node stored: a taxpayer's presence reaches the serving
    /// agent if connected here (transfer notes arrive with the transcript).
    pub(super) fn note_here(&self, id: &SessionId, text: &str) {
        let connected = match text {
            VISITOR_LEFT => false,
            VISITOR_BACK => true,
            _ => return,
        };
        if let Some(agent) = self.agent_of(id) {
            self.push_agent(&agent, AgentEvent::VisitorPresence { session_id: id.clone(), connected });
        }
    }
}
