//! The in-memory picture of the handoff: queue order, agent presence and load,
//! assignments and connected taxpayers. Plain data; the hub persists changes.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::{AgentAccount, AgentEvent, HandoffError, VisitorEvent};
use crate::ids::SessionId;
use crate::store::ConversationState;

/// Whether an agent takes conversations now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Takes conversations.
    Online,
    /// Connected but not taking new conversations.
    Away,
    /// Not connected.
    Offline,
}

impl Presence {
    /// The stored name (as on the wire).
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    /// The presence named `s` (offline when unknown).
    pub fn parse(s: &str) -> Presence {
        match s {
            "online" => Presence::Online,
            "away" => Presence::Away,
            _ => Presence::Offline,
        }
    }
}

/// One agent's live state.
#[derive(Debug)]
pub(crate) struct AgentLive {
    pub account: AgentAccount,
    pub presence: Presence,
    /// The console connection: an id (so an old connection closing does not
    /// unregister a newer one) and its event sender.
    pub conn: Option<(u64, mpsc::Sender<AgentEvent>)>,
    pub active: BTreeSet<SessionId>,
    /// Its presence on the other nodes sharing the store (the best of them;
    /// `None`: connected to none).
    pub elsewhere: Option<Presence>,
}

impl AgentLive {
    fn has_room(&self) -> bool {
        (self.active.len() as u64) < u64::from(self.account.max_concurrent)
    }

    /// Online on this node.
    fn online_here(&self) -> bool {
        self.presence == Presence::Online && self.conn.is_some()
    }

    /// Connected to this node or another, online or away.
    pub fn connected(&self) -> bool {
        self.conn.is_some() || self.elsewhere.is_some()
    }

    /// Online on this node or on another.
    fn online(&self) -> bool {
        self.online_here() || self.elsewhere == Some(Presence::Online)
    }
}

/// Everything the hub tracks in memory.
#[derive(Debug, Default)]
pub(crate) struct Live {
    /// Waiting conversations, first come first.
    pub queue: Vec<(SessionId, DateTime<Utc>)>,
    pub agents: HashMap<String, AgentLive>,
    pub assigned: HashMap<SessionId, String>,
    pub visitors: HashMap<SessionId, mpsc::Sender<VisitorEvent>>,
    pub next_conn: u64,
}

impl Live {
    pub fn add_agent(&mut self, account: AgentAccount) {
        self.agents.insert(
            account.id.clone(),
            AgentLive { account, presence: Presence::Offline, conn: None, active: BTreeSet::new(), elsewhere: None },
        );
    }

    pub fn state_of(&self, id: &SessionId) -> ConversationState {
        if self.assigned.contains_key(id) {
            ConversationState::Human
        } else if self.position(id).is_some() {
            ConversationState::Queued
        } else {
            ConversationState::Bot
        }
    }

    /// 1-based queue position.
    pub fn position(&self, id: &SessionId) -> Option<usize> {
        self.queue.iter().position(|(q, _)| q == id).map(|i| i + 1)
    }

    pub fn waiting_since(&self, id: &SessionId) -> Option<DateTime<Utc>> {
        self.queue.iter().find(|(q, _)| q == id).map(|(_, t)| *t)
    }

    /// Agents online on this node or another.
    pub fn online_agents(&self) -> usize {
        self.agents.values().filter(|a| a.online()).count()
    }

    /// Sets every agent's presence on the other nodes from `rows` (agent id,
    /// presence; several rows of one agent: the best counts).
    pub fn set_elsewhere(&mut self, rows: &[(String, Presence)]) {
        for a in self.agents.values_mut() {
            a.elsewhere = None;
        }
        for (id, p) in rows {
            if let Some(a) = self.agents.get_mut(id) {
                a.elsewhere = match (a.elsewhere, *p) {
                    (Some(Presence::Online), _) | (_, Presence::Online) => Some(Presence::Online),
                    (Some(Presence::Away), _) | (_, Presence::Away) => Some(Presence::Away),
                    (seen, Presence::Offline) => seen,
                };
            }
        }
    }

    /// Conversations the online agents can still take now.
    pub fn free_slots(&self) -> u64 {
        self.agents
            .values()
            .filter(|a| a.online())
            .map(|a| u64::from(a.account.max_concurrent).saturating_sub(a.active.len() as u64))
            .sum()
    }

    /// Estimated wait of the conversation at queue `position` (1 = next):
    /// none while an online agent has room for it, else one average
    /// handling time per round of the online agents.
    pub fn estimated_wait_secs(&self, position: usize, average_handle_secs: u64) -> u64 {
        let ahead = (position as u64).saturating_sub(self.free_slots());
        let online = self.online_agents().max(1) as u64;
        ahead * average_handle_secs / online
    }

    pub fn agent_senders(&self) -> Vec<mpsc::Sender<AgentEvent>> {
        self.agents.values().filter_map(|a| a.conn.as_ref().map(|(_, tx)| tx.clone())).collect()
    }

    pub fn agent_sender(&self, agent: &str) -> Option<mpsc::Sender<AgentEvent>> {
        self.agents.get(agent).and_then(|a| a.conn.as_ref().map(|(_, tx)| tx.clone()))
    }

    pub fn assign(&mut self, id: SessionId, agent: &str) {
        if let Some(a) = self.agents.get_mut(agent) {
            a.active.insert(id.clone());
        }
        self.assigned.insert(id, agent.to_owned());
    }

    pub fn unassign(&mut self, id: &SessionId) -> Option<String> {
        let agent = self.assigned.remove(id)?;
        if let Some(a) = self.agents.get_mut(&agent) {
            a.active.remove(id);
        }
        Some(agent)
    }

    pub fn dequeue(&mut self, id: &SessionId) -> bool {
        let before = self.queue.len();
        self.queue.retain(|(q, _)| q != id);
        self.queue.len() != before
    }

    /// Takes `id` out of the queue for `agent`, checking it is still waiting
    /// and the agent has room.
    #[cfg(test)]
    pub fn claim(&mut self, id: &SessionId, agent: &str) -> Result<(), HandoffError> {
        self.check_claim(id, agent)?;
        self.dequeue(id);
        self.assign(id.clone(), agent);
        Ok(())
    }

    /// Whether `agent` may take `id` out of the queue now.
    pub fn check_claim(&self, id: &SessionId, agent: &str) -> Result<(), HandoffError> {
        if self.assigned.get(id).is_some_and(|a| a != agent) {
            return Err(HandoffError::AlreadyTaken);
        }
        if self.position(id).is_none() {
            return Err(HandoffError::NotQueued);
        }
        let a = self.agents.get(agent).ok_or(HandoffError::Unauthorized)?;
        if !a.has_room() {
            return Err(HandoffError::AtCapacity);
        }
        Ok(())
    }

    /// The name taxpayers see for agent `id` (the id itself when unknown).
    pub fn agent_name(&self, id: &str) -> String {
        self.agents.get(id).map_or_else(|| id.to_owned(), |a| a.account.name.clone())
    }

    /// Whether `agent` may take one more conversation now (connected to
    /// this node or another).
    pub fn available(&self, agent: &str) -> bool {
        self.agents.get(agent).is_some_and(|a| a.online() && a.has_room())
    }

    /// The agent online on this node with room serving the fewest
    /// conversations (ties: by id). Each node assigns only to its own
    /// agents: their changes are serialised by its turn, so an agent never
    /// gets more than its maximum from two nodes at once.
    pub fn least_loaded(&self) -> Option<String> {
        self.agents
            .values()
            .filter(|a| a.online_here() && a.has_room())
            .min_by(|a, b| (a.active.len(), &a.account.id).cmp(&(b.active.len(), &b.account.id)))
            .map(|a| a.account.id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str, max: u32) -> AgentAccount {
        AgentAccount { id: id.into(), name: id.into(), max_concurrent: max }
    }

    fn online(live: &mut Live, id: &str) {
        let (tx, _rx) = mpsc::channel(1);
        let a = live.agents.get_mut(id).expect("agent");
        a.presence = Presence::Online;
        a.conn = Some((0, tx));
    }

    #[test]
    fn claims_are_exclusive_and_respect_capacity() {
        let mut live = Live::default();
        live.add_agent(agent("a", 1));
        live.add_agent(agent("b", 2));
        let (s1, s2) = (SessionId::generate(), SessionId::generate());
        live.queue.push((s1.clone(), Utc::now()));
        live.queue.push((s2.clone(), Utc::now()));
        assert_eq!(live.position(&s2), Some(2));
        live.claim(&s1, "a").expect("first claim");
        assert!(matches!(live.claim(&s1, "b"), Err(HandoffError::AlreadyTaken)));
        assert!(matches!(live.claim(&s2, "a"), Err(HandoffError::AtCapacity)));
        assert_eq!(live.position(&s2), Some(1));
        assert_eq!(live.state_of(&s1), ConversationState::Human);
    }

    #[test]
    fn least_load_picks_the_online_agent_with_most_room() {
        let mut live = Live::default();
        live.add_agent(agent("a", 3));
        live.add_agent(agent("b", 3));
        live.add_agent(agent("c", 3));
        assert_eq!(live.least_loaded(), None);
        online(&mut live, "a");
        online(&mut live, "b");
        live.assign(SessionId::generate(), "a");
        assert_eq!(live.least_loaded().as_deref(), Some("b"));
    }

    #[test]
    fn an_agent_online_on_another_node_counts_but_is_assigned_only_by_its_own_node() {
        let mut live = Live::default();
        live.add_agent(agent("a", 2));
        live.add_agent(agent("b", 2));
        live.set_elsewhere(&[
            ("a".into(), Presence::Away),
            ("a".into(), Presence::Online),
            ("x".into(), Presence::Online),
        ]);
        assert_eq!(live.online_agents(), 1);
        assert!(live.available("a"), "a transfer may target it");
        assert_eq!(live.least_loaded(), None, "this node does not assign to another node's agent");
        assert_eq!(live.estimated_wait_secs(2, 240), 0);
        live.set_elsewhere(&[]);
        assert_eq!(live.online_agents(), 0);
    }

    #[test]
    fn the_wait_counts_only_the_conversations_no_online_agent_has_room_for() {
        let mut live = Live::default();
        live.add_agent(agent("a", 2));
        live.add_agent(agent("b", 1));
        assert_eq!(live.estimated_wait_secs(1, 240), 240, "nobody online: one handling time per place");
        online(&mut live, "a");
        assert_eq!(live.estimated_wait_secs(1, 240), 0, "an idle agent takes the first at once");
        assert_eq!(live.estimated_wait_secs(2, 240), 0);
        assert_eq!(live.estimated_wait_secs(3, 240), 240);
        online(&mut live, "b");
        live.assign(SessionId::generate(), "b");
        assert_eq!(live.estimated_wait_secs(4, 240), 240, "two places beyond the free slots, two agents online");
    }
}
