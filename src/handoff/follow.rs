//! Following the other nodes sharing the store: each handoff change, relayed
//! message, presence change and ticket another node makes arrives as an
//! [`Event`]; this node re-reads the row from the store (the source of
//! truth), brings its live picture up to date and pushes what changed to the
//! taxpayers and agents connected here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use super::{AgentAccount, AgentEvent, HandoffError, Hub, Presence, VisitorEvent};
use crate::ids::SessionId;
use crate::store::{Conversation, ConversationState, Event, Sender, TicketStatus};

/// How long to wait before re-reading everything after a failed update.
const RETRY: Duration = Duration::from_secs(1);

/// Presence rows as the store gives them, parsed.
pub(super) fn parse_presence(rows: Vec<(String, String)>) -> Vec<(String, Presence)> {
    rows.into_iter().map(|(id, p)| (id, Presence::parse(&p))).collect()
}

impl Hub {
    /// Applies the other nodes' events until `stop`. When an update fails
    /// (the store unreachable) or events were lost, everything is re-read.
    pub async fn follow(self: Arc<Self>, mut events: Receiver<Event>, stop: CancellationToken) {
        self.shared.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut resync = false;
        loop {
            let result = if resync {
                self.resync().await
            } else {
                let received = tokio::select! {
                    () = stop.cancelled() => return,
                    r = events.recv() => r,
                };
                match received {
                    Ok(Event::Handoff { conversation }) => self.conversation_changed(&conversation).await,
                    Ok(Event::Message { conversation, id }) => self.message_elsewhere(&conversation, id).await,
                    Ok(Event::Presence) => self.presence_changed().await,
                    Ok(Event::Ticket { id }) => self.ticket_changed(id).await,
                    Ok(Event::Resync) | Err(RecvError::Lagged(_)) => self.resync().await,
                    Ok(Event::Knowledge) => Ok(()),
                    Err(RecvError::Closed) => return,
                }
            };
            resync = result.is_err();
            if let Err(e) = result {
                tracing::warn!(error = %e, "同步其他节点的人工服务变化失败，稍后重新读取");
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(RETRY) => {}
                }
            }
        }
    }

    /// Another node changed conversation `id`: re-reads it and the queue,
    /// tells the people connected here, assigns what this node's agents can
    /// take, and pushes the queue.
    async fn conversation_changed(&self, id: &SessionId) -> Result<(), HandoffError> {
        {
            let _turn = self.turn.lock().await;
            self.reload_queue().await?;
            let c = self.store.conversation(id).await?;
            self.apply_conversation(&c).await?;
            self.assign_waiting().await?;
        }
        self.broadcast_queue().await;
        Ok(())
    }

    /// Replaces the queue in memory with the store's.
    pub(super) async fn reload_queue(&self) -> Result<(), HandoffError> {
        let queue = self.store.queue().await?;
        self.live().queue = queue.into_iter().map(|e| (e.conversation_id, e.enqueued_at)).collect();
        Ok(())
    }

    /// Brings the assignment of `c` in memory up to the stored one and pushes
    /// the difference to the taxpayer and the agents connected here. The
    /// caller holds the turn.
    async fn apply_conversation(&self, c: &Conversation) -> Result<(), HandoffError> {
        let id = &c.id;
        let after = if c.state == ConversationState::Human { c.agent_id.clone() } else { None };
        let (before, agent_name, agent_here) = {
            let mut live = self.live();
            let before = live.assigned.get(id).cloned();
            if before != after {
                live.unassign(id);
                if let Some(a) = &after {
                    live.assign(id.clone(), a);
                }
            }
            let name = after.as_deref().map(|a| live.agent_name(a));
            let here = after.as_deref().is_some_and(|a| live.agent_sender(a).is_some());
            (before, name, here)
        };
        if before == after {
            return Ok(());
        }
        if let Some(b) = &before {
            self.push_agent(b, AgentEvent::Released { session_id: id.clone() });
        }
        match (&after, agent_name) {
            (Some(a), Some(agent_name)) => {
                self.push_visitor(id, VisitorEvent::AgentJoined { agent_name, transferred: before.is_some() });
                if agent_here {
                    let view = self.view(id).await?;
                    self.push_agent(a, AgentEvent::Assigned(view));
                }
            }
            _ if before.is_some() && c.state == ConversationState::Bot && c.awaiting_rating => {
                let resolution = c.resolution.clone().unwrap_or_default();
                self.push_visitor(id, VisitorEvent::Closed { resolution });
            }
            _ => {}
        }
        Ok(())
    }

    /// A message another node stored: relayed to whichever side is
    /// connected here.
    async fn message_elsewhere(&self, id: &SessionId, message_id: i64) -> Result<(), HandoffError> {
        let m = self.store.message(message_id).await?;
        match m.body.sender {
            Sender::Agent => {
                self.push_visitor(id, VisitorEvent::AgentMessage { message_id, text: m.body.text });
            }
            Sender::Visitor => {
                self.relay_here(id, message_id, &m.body.text);
            }
            Sender::Note => self.note_here(id, &m.body.text),
            _ => {}
        }
        Ok(())
    }

    /// An agent's presence changed on another node: re-reads every other
    /// node's agents (learning accounts first seen there), assigns and
    /// pushes the queue (its estimated waits depend on who is online).
    async fn presence_changed(&self) -> Result<(), HandoffError> {
        {
            let _turn = self.turn.lock().await;
            self.reload_presence().await?;
            self.assign_waiting().await?;
        }
        self.broadcast_queue().await;
        Ok(())
    }

    /// Re-reads the other nodes' agents, and every agent's account as its
    /// last sign-in (on any node) stored it: accounts first seen there, and
    /// a capacity or name changed since this node learned the agent, so
    /// queue estimates and transfers count the same capacity on every node.
    pub(super) async fn reload_presence(&self) -> Result<(), HandoffError> {
        let rows = parse_presence(self.store.presence_elsewhere().await?);
        let accounts = self.store.agents().await?;
        let mut live = self.live();
        for a in accounts {
            let account = AgentAccount { id: a.id, name: a.name, max_concurrent: a.max_concurrent };
            match live.agents.get_mut(&account.id) {
                Some(known) => known.account = account,
                None => live.add_agent(account),
            }
        }
        live.set_elsewhere(&rows);
        Ok(())
    }

    /// A ticket left or answered on another node.
    async fn ticket_changed(&self, ticket: i64) -> Result<(), HandoffError> {
        let t = self.store.ticket(ticket).await?;
        match t.status {
            TicketStatus::Open => self.ticket_opened_here(&t),
            TicketStatus::Answered => {
                self.ticket_closed_here(&t);
                self.push_visitor(&t.conversation_id.clone(), VisitorEvent::TicketAnswered(t));
            }
            TicketStatus::Delivered => {}
        }
        Ok(())
    }

    /// Re-reads everything events keep current (after lost notifications):
    /// presence, the queue and every assignment.
    async fn resync(&self) -> Result<(), HandoffError> {
        {
            let _turn = self.turn.lock().await;
            self.reload_presence().await?;
            self.reload_queue().await?;
            let human = self.store.conversations_in(ConversationState::Human).await?;
            let mut changed: Vec<SessionId> = {
                let live = self.live();
                let stored: std::collections::HashMap<&SessionId, Option<&String>> =
                    human.iter().map(|c| (&c.id, c.agent_id.as_ref())).collect();
                live.assigned
                    .iter()
                    .filter(|(id, agent)| stored.get(id).is_none_or(|s| *s != Some(*agent)))
                    .map(|(id, _)| id.clone())
                    .collect()
            };
            changed.extend(human.iter().filter(|c| self.agent_of(&c.id) != c.agent_id).map(|c| c.id.clone()));
            changed.sort();
            changed.dedup();
            for id in changed {
                let c = self.store.conversation(&id).await?;
                self.apply_conversation(&c).await?;
            }
            self.assign_waiting().await?;
        }
        self.broadcast_queue().await;
        Ok(())
    }
}
