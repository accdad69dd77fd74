//! The taxpayer's side of the handoff: asking for a human, waiting, writing
//! to the agent, leaving a message (留言) and rating the service.

use chrono::Utc;

use super::{AgentEvent, Assignment, HandoffError, HandoffStatus, Hub, OfflineReason, VisitorEvent};
use crate::ids::{SessionId, VisitorKey};
use crate::store::{
    ConversationState, Event, HandoffChange, HandoffRecordChange, NewMessage, QueueChange, Rating, Sender, StoreError,
    Ticket, TicketStatus, handoff_outcome,
};

impl Hub {
    /// Asks for a human: joins the queue when agents are on duty, otherwise
    /// offers a 留言 ticket.
    pub async fn request(&self, id: &SessionId) -> Result<HandoffStatus, HandoffError> {
        {
            let _turn = self.turn.lock().await;
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
            let at = Utc::now();
            let change = HandoffChange::new(id, (ConversationState::Bot, None), (ConversationState::Queued, None))
                .queue(QueueChange::Enqueue(at))
                .record(HandoffRecordChange::Requested)
                .notice("已为您转接人工客服，请稍候。");
            self.store.apply_handoff(&change).await?;
            if self.shared.load(std::sync::atomic::Ordering::Relaxed) {
                // Requests on other nodes this node has not heard of yet come first.
                self.reload_queue().await?;
            } else {
                self.live().queue.push((id.clone(), at));
            }
            self.assign_waiting().await?;
        }
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
        {
            let _turn = self.turn.lock().await;
            if self.live().position(id).is_none() {
                return Err(HandoffError::NotQueued);
            }
            let change = HandoffChange::new(id, (ConversationState::Queued, None), (ConversationState::Bot, None))
                .queue(QueueChange::Remove)
                .record(HandoffRecordChange::Cancelled);
            self.store.apply_handoff(&change).await?;
            self.live().dequeue(id);
        }
        self.broadcast_queue().await;
        Ok(())
    }

    /// Passes a stored taxpayer message to the agent serving the
    /// conversation (through the other nodes when the agent is not
    /// connected to this one).
    pub async fn relay_from_visitor(&self, id: &SessionId, message_id: i64, text: &str) {
        if !self.relay_here(id, message_id, text) {
            self.announce(Event::Message { conversation: id.clone(), id: message_id }).await;
        }
    }

    /// Pushes a taxpayer message to the serving agent's console on this
    /// node; false when that agent is not connected here.
    pub(super) fn relay_here(&self, id: &SessionId, message_id: i64, text: &str) -> bool {
        let agent = self.live().assigned.get(id).cloned();
        agent.is_some_and(|agent| {
            self.push_agent(
                &agent,
                AgentEvent::VisitorMessage { session_id: id.clone(), message_id, text: text.to_owned() },
            )
        })
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
        self.ticket_opened_here(&ticket);
        self.announce(Event::Ticket { id: ticket.id }).await;
        Ok(ticket)
    }

    /// Answered tickets the visitor has not acknowledged yet (see
    /// [`Hub::ack_ticket`]): offered again on every visit until then.
    pub async fn unacknowledged_answers(&self, visitor: &VisitorKey) -> Result<Vec<Ticket>, HandoffError> {
        Ok(self.store.undelivered_answers(visitor).await?)
    }

    /// Marks the answer of `ticket` as delivered, once the visitor's client
    /// confirms it showed it (or a channel that pushes confirms the push).
    /// Only the visitor's own answered tickets can be acknowledged.
    pub async fn ack_ticket(&self, visitor: &VisitorKey, ticket: i64) -> Result<(), HandoffError> {
        let pending = self.store.undelivered_answers(visitor).await?;
        if !pending.iter().any(|t| t.id == ticket) {
            return Err(HandoffError::UnknownTicket);
        }
        Ok(self.store.mark_delivered(ticket).await?)
    }

    /// Stores a 1-5 star rating of the human conversation just closed.
    pub async fn rate(&self, id: &SessionId, stars: u8, comment: Option<String>) -> Result<(), HandoffError> {
        // The whole conversation record is written back: no handoff change may
        // run in between.
        let _turn = self.turn.lock().await;
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

    /// In least-load mode, gives waiting conversations to agents with room.
    /// The caller holds the hub's turn.
    pub(super) async fn assign_waiting(&self) -> Result<(), HandoffError> {
        if self.settings.assignment != Assignment::LeastLoad {
            return Ok(());
        }
        loop {
            let next = {
                let live = self.live();
                let head = live.queue.first().map(|(id, _)| id.clone());
                match (head, live.least_loaded()) {
                    (Some(id), Some(agent)) => Some((id, agent)),
                    _ => None,
                }
            };
            let Some((id, agent)) = next else {
                return Ok(());
            };
            match self.connect(&id, &agent, (ConversationState::Queued, None), None).await {
                Ok(()) => {}
                Err(HandoffError::Store(StoreError::Conflict(why))) => {
                    // The store disagrees with the picture in memory (it can
                    // only after an outside change): drop it from the queue
                    // rather than loop on it.
                    tracing::warn!(conversation = %id, %why, "queued conversation is not queued in the store; dropped from the queue");
                    self.live().dequeue(&id);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Stores and announces that `agent` now serves `id`, which was in state
    /// `from` (queued, or served by another agent for a transfer). The caller
    /// holds the hub's turn and has checked the agent may take it. A
    /// transfer's `note` is stored with the change, before the notice.
    pub(super) async fn connect(
        &self,
        id: &SessionId,
        agent: &str,
        from: (ConversationState, Option<&str>),
        note: Option<String>,
    ) -> Result<(), HandoffError> {
        let agent_name = self.live().agent_name(agent);
        let transferred = from.0 == ConversationState::Human;
        let mut change = HandoffChange::new(id, from, (ConversationState::Human, Some(agent)))
            .notice(format!("客服 {agent_name} 为您服务。"));
        if let Some(note) = note {
            change = change.note(note);
        }
        if from.0 == ConversationState::Queued {
            change = change.queue(QueueChange::Remove).record(HandoffRecordChange::Connected);
        }
        self.store.apply_handoff(&change).await?;
        {
            let mut live = self.live();
            live.dequeue(id);
            live.unassign(id);
            live.assign(id.clone(), agent);
        }
        self.push_visitor(id, VisitorEvent::AgentJoined { agent_name, transferred });
        let view = self.view(id).await?;
        self.push_agent(agent, AgentEvent::Assigned(view));
        Ok(())
    }
}
