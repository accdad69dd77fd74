//! The taxpayer's side of the handoff: asking for a human, waiting, writing
//! to the agent, leaving a message (留言) and rating the service.

use chrono::Utc;

use super::{AgentEvent, Assignment, HandoffError, HandoffStatus, Hub, OfflineReason, VisitorEvent};
use crate::ids::{SessionId, VisitorKey};
use crate::store::{ConversationState, NewMessage, QueueEntry, Rating, Sender, Ticket, TicketStatus, handoff_outcome};

impl Hub {
    /// Asks for a human: joins the queue when agents are on duty, otherwise
    /// offers a 留言 ticket.
    pub async fn request(&self, id: &SessionId) -> Result<HandoffStatus, HandoffError> {
        let connected = {
            let live = self.live();
            live.assigned.get(id).map(|agent| live.agent_name(agent))
        };
        if let Some(agent_name) = connected {
            return Ok(HandoffStatus::Connected { agent_name });
        }
        if let Some(status) = self.queue_status(id) {
            return Ok(HandoffStatus::Queued(status));
        }
        let reason = if !self.schedule.is_open(Utc::now()) {
            Some(OfflineReason::OutsideHours)
        } else if self.live().online_agents() == 0 {
            Some(OfflineReason::NoAgent)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.store.handoff_requested(id, Utc::now(), handoff_outcome::OFFLINE).await?;
            return Ok(HandoffStatus::Offline { reason, hours: self.hours().to_owned() });
        }
        let entry = QueueEntry { conversation_id: id.clone(), enqueued_at: Utc::now() };
        self.store.enqueue(&entry).await?;
        self.store.handoff_requested(id, entry.enqueued_at, handoff_outcome::QUEUED).await?;
        self.set_state(id, ConversationState::Queued, None).await?;
        self.store.append_message(&NewMessage::plain(id, Sender::System, "已为您转接人工客服，请稍候。")).await?;
        {
            let mut live = self.live();
            if live.position(id).is_none() {
                live.queue.push((id.clone(), entry.enqueued_at));
            }
        }
        self.assign_waiting().await?;
        self.broadcast_queue().await;
        Ok(self.current_status(id))
    }

    /// What a taxpayer sees of their conversation's handoff right now.
    pub(crate) fn current_status(&self, id: &SessionId) -> HandoffStatus {
        let connected = {
            let live = self.live();
            live.assigned.get(id).map(|agent| live.agent_name(agent))
        };
        if let Some(agent_name) = connected {
            return HandoffStatus::Connected { agent_name };
        }
        match self.queue_status(id) {
            Some(s) => HandoffStatus::Queued(s),
            None => HandoffStatus::Offline { reason: OfflineReason::NoAgent, hours: self.hours().to_owned() },
        }
    }

    /// Leaves the queue (the taxpayer gave up waiting).
    pub async fn cancel(&self, id: &SessionId) -> Result<(), HandoffError> {
        if !self.live().dequeue(id) {
            return Err(HandoffError::NotQueued);
        }
        self.store.dequeue(id).await?;
        self.store.handoff_cancelled(id).await?;
        self.set_state(id, ConversationState::Bot, None).await?;
        self.broadcast_queue().await;
        Ok(())
    }

    /// Passes a stored taxpayer message to the agent serving the conversation.
    pub fn relay_from_visitor(&self, id: &SessionId, message_id: i64, text: &str) {
        let agent = self.live().assigned.get(id).cloned();
        if let Some(agent) = agent {
            self.push_agent(
                &agent,
                AgentEvent::VisitorMessage { session_id: id.clone(), message_id, text: text.to_owned() },
            );
        }
    }

    /// Stores a 留言 ticket and tells the agents.
    pub async fn leave_message(
        &self,
        id: &SessionId,
        visitor: &VisitorKey,
        text: &str,
        contact: Option<String>,
    ) -> Result<Ticket, HandoffError> {
        let ticket = self
            .store
            .create_ticket(&Ticket {
                id: 0,
                conversation_id: id.clone(),
                visitor: visitor.clone(),
                text: text.to_owned(),
                contact,
                status: TicketStatus::Open,
                answer: None,
                agent_id: None,
                created_at: Utc::now(),
            })
            .await?;
        let notice = format!("已收到您的留言（编号 {}），客服答复后会在这里通知您。", ticket.id);
        self.store.append_message(&NewMessage::plain(id, Sender::System, &notice)).await?;
        for tx in self.live().agent_senders() {
            let _ = tx.try_send(AgentEvent::TicketOpened(ticket.clone()));
        }
        Ok(ticket)
    }

    /// Answered tickets the visitor has not seen; they count as delivered
    /// once returned.
    pub async fn take_answered(&self, visitor: &VisitorKey) -> Result<Vec<Ticket>, HandoffError> {
        let tickets = self.store.undelivered_answers(visitor).await?;
        for t in &tickets {
            self.store.mark_delivered(t.id).await?;
        }
        Ok(tickets)
    }

    /// Stores a 1-5 star rating of the human conversation just closed.
    pub async fn rate(&self, id: &SessionId, stars: u8, comment: Option<String>) -> Result<(), HandoffError> {
        let mut c = self.store.conversation(id).await?;
        if !c.awaiting_rating {
            return Err(HandoffError::NothingToRate);
        }
        self.store
            .add_rating(&Rating { conversation_id: id.clone(), agent_id: c.served_by.clone(), stars, comment })
            .await?;
        c.awaiting_rating = false;
        self.store.update_conversation(&c).await?;
        Ok(())
    }

    /// Persists a conversation's handoff state.
    pub(super) async fn set_state(
        &self,
        id: &SessionId,
        state: ConversationState,
        agent: Option<&str>,
    ) -> Result<(), HandoffError> {
        let mut c = self.store.conversation(id).await?;
        c.state = state;
        c.agent_id = agent.map(str::to_owned);
        if let Some(a) = agent {
            c.served_by = Some(a.to_owned());
            c.awaiting_rating = false;
        }
        self.store.update_conversation(&c).await?;
        Ok(())
    }

    /// In least-load mode, gives waiting conversations to agents with room.
    pub(super) async fn assign_waiting(&self) -> Result<(), HandoffError> {
        if self.settings.assignment != Assignment::LeastLoad {
            return Ok(());
        }
        loop {
            let claimed = {
                let mut live = self.live();
                let head = live.queue.first().map(|(id, _)| id.clone());
                match (head, live.least_loaded()) {
                    (Some(id), Some(agent)) => live.claim(&id, &agent).ok().map(|()| (id, agent)),
                    _ => None,
                }
            };
            let Some((id, agent)) = claimed else {
                return Ok(());
            };
            self.connect(&id, &agent).await?;
        }
    }

    /// Persists and announces that `agent` now serves `id` (already claimed).
    pub(super) async fn connect(&self, id: &SessionId, agent: &str) -> Result<(), HandoffError> {
        self.store.dequeue(id).await?;
        self.store.handoff_connected(id, agent, Utc::now()).await?;
        self.set_state(id, ConversationState::Human, Some(agent)).await?;
        let agent_name = self.live().agent_name(agent);
        let notice = format!("客服 {agent_name} 为您服务。");
        self.store.append_message(&NewMessage::plain(id, Sender::System, &notice)).await?;
        self.push_visitor(id, VisitorEvent::AgentJoined { agent_name });
        let transcript = self.transcript(id).await?;
        let view = self.view(id, transcript);
        self.push_agent(agent, AgentEvent::Assigned(view));
        Ok(())
    }
}
