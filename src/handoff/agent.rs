//! The agent's side of the handoff: presence, accepting, chatting,
//! transferring, closing and answering 留言 tickets.

use tokio::sync::mpsc;

use super::{AgentAccount, AgentEvent, ConversationView, HandoffError, Hub, Presence, VisitorEvent};
use crate::api_error::Code;
use crate::ids::SessionId;
use crate::store::{ConversationState, Event, HandoffChange, NewMessage, QueueChange, Sender, StoreError, Ticket};

/// What an agent console receives when it connects.
#[derive(Debug)]
pub struct AgentSession {
    /// The account.
    pub account: AgentAccount,
    /// Connection id (pass back to [`Hub::disconnect_agent`]).
    pub conn: u64,
    /// Conversations this agent serves (after a reconnect or restart).
    pub active: Vec<ConversationView>,
    /// The newest open 留言 tickets (at most `welcome_tickets`).
    pub tickets: Vec<Ticket>,
    /// How many tickets are open in all.
    pub tickets_total: usize,
    /// Events for this console.
    pub events: mpsc::Receiver<AgentEvent>,
}

impl Hub {
    /// Registers an agent console of a signed-in user (replacing an older
    /// connection of the same agent; name and capacity come from the account)
    /// and sends it the queue.
    pub async fn connect_agent(&self, account: AgentAccount, presence: Presence) -> Result<AgentSession, HandoffError> {
        let stored = crate::store::Agent {
            id: account.id.clone(),
            name: account.name.clone(),
            max_concurrent: account.max_concurrent,
        };
        self.store.upsert_agent(&stored).await?;
        let (tx, events) = mpsc::channel(self.settings.event_buffer.max(1));
        let (conn, active_ids) = {
            let mut live = self.live();
            live.next_conn += 1;
            let conn = live.next_conn;
            if !live.agents.contains_key(&account.id) {
                live.add_agent(account.clone());
            }
            let a = live.agents.get_mut(&account.id).ok_or(HandoffError::Unauthorized)?;
            a.account = account.clone();
            a.conn = Some((conn, tx));
            a.presence = presence;
            (conn, a.active.iter().cloned().collect::<Vec<_>>())
        };
        self.store.set_agent_presence(&account.id, Some(presence.as_str())).await?;
        let mut active = Vec::with_capacity(active_ids.len());
        for id in &active_ids {
            active.push(self.view(id).await?);
        }
        let (tickets, tickets_total) = self.open_tickets_page(None).await?;
        self.assign_waiting_now().await?;
        self.broadcast_queue().await;
        Ok(AgentSession { account, conn, active, tickets, tickets_total, events })
    }

    /// One page of open tickets, newest first, older than ticket `before`
    /// (from the newest when `None`), and how many are open in all.
    pub async fn open_tickets_page(&self, before: Option<i64>) -> Result<(Vec<Ticket>, usize), HandoffError> {
        let mut open = self.store.open_tickets().await?;
        let total = open.len();
        open.retain(|t| before.is_none_or(|b| t.id < b));
        open.sort_by_key(|t| std::cmp::Reverse(t.id));
        open.truncate(self.settings.welcome_tickets.max(1));
        Ok((open, total))
    }

    /// Marks the agent offline when its console `conn` goes away; the
    /// conversations it serves stay its own until it reconnects or transfers.
    pub async fn disconnect_agent(&self, agent: &str, conn: u64) {
        {
            let mut live = self.live();
            let Some(a) = live.agents.get_mut(agent) else {
                return;
            };
            if a.conn.as_ref().is_none_or(|(c, _)| *c != conn) {
                return;
            }
            a.conn = None;
            a.presence = Presence::Offline;
        }
        if let Err(e) = self.store.set_agent_presence(agent, None).await {
            tracing::warn!(agent, error = %e, "无法向其他节点通告客服离线");
        }
        self.broadcast_queue().await;
    }

    /// Sets online / away.
    pub async fn set_presence(&self, agent: &str, presence: Presence) -> Result<(), HandoffError> {
        {
            let mut live = self.live();
            let a = live.agents.get_mut(agent).ok_or(HandoffError::Unauthorized)?;
            a.presence = presence;
        }
        self.store.set_agent_presence(agent, Some(presence.as_str())).await?;
        self.assign_waiting_now().await?;
        self.broadcast_queue().await;
        Ok(())
    }

    /// Takes a waiting conversation; fails if another agent was first.
    pub async fn accept(&self, agent: &str, id: &SessionId) -> Result<(), HandoffError> {
        {
            let _turn = self.turn.lock().await;
            self.live().check_claim(id, agent)?;
            // Another node's agent may have taken it since this node last heard.
            self.connect(id, agent, (ConversationState::Queued, None), None).await.map_err(|e| match e {
                HandoffError::Store(StoreError::Conflict(_)) => HandoffError::AlreadyTaken,
                e => e,
            })?;
        }
        self.broadcast_queue().await;
        Ok(())
    }

    fn check_assigned(&self, agent: &str, id: &SessionId) -> Result<(), HandoffError> {
        match self.live().assigned.get(id) {
            Some(a) if a == agent => Ok(()),
            _ => Err(HandoffError::NotAssigned),
        }
    }

    /// Stores an agent's message and pushes it to the taxpayer.
    pub async fn agent_send(&self, agent: &str, id: &SessionId, text: &str) -> Result<i64, HandoffError> {
        self.check_assigned(agent, id)?;
        let mut m = NewMessage::plain(id, Sender::Agent, text);
        m.agent_id = Some(agent.to_owned());
        let message_id = self.store.append_message(&m).await?;
        if !self.push_visitor(id, VisitorEvent::AgentMessage { message_id, text: text.to_owned() }) {
            // The taxpayer may be connected to another node.
            self.announce(Event::Message { conversation: id.clone(), id: message_id }).await;
        }
        Ok(message_id)
    }

    /// Tells the agent serving `id` that a message could not reach the
    /// taxpayer, and notes it in the transcript. Channels that push later
    /// (WeChat) call it when their push fails.
    pub async fn undeliverable(&self, id: &SessionId, code: Code, reason: &str) -> Result<(), HandoffError> {
        let notice = format!("消息未送达用户：{reason}");
        self.store.append_message(&NewMessage::plain(id, Sender::System, &notice)).await?;
        let agent = self.live().assigned.get(id).cloned();
        if let Some(agent) = agent {
            self.push_agent(
                &agent,
                AgentEvent::Undeliverable { session_id: id.clone(), code, reason: reason.to_owned() },
            );
        }
        Ok(())
    }

    /// Hands a conversation to another agent, or back to the head of the
    /// queue when `to` is `None`, with an optional `note` for whoever takes
    /// it next (kept in the transcript for agents only, so the receiver
    /// reads it with the whole conversation on any node).
    pub async fn transfer(
        &self,
        agent: &str,
        id: &SessionId,
        to: Option<&str>,
        note: Option<&str>,
    ) -> Result<(), HandoffError> {
        {
            let _turn = self.turn.lock().await;
            self.check_assigned(agent, id)?;
            let serving = (ConversationState::Human, Some(agent));
            match to {
                Some(target) => {
                    if target == agent || !self.live().available(target) {
                        return Err(HandoffError::TargetUnavailable);
                    }
                    let note = note.map(|n| self.transfer_note(agent, Some(target), n));
                    self.connect(id, target, serving, note).await?;
                }
                None => {
                    // Back to the head of the queue: stamped just before the
                    // current head, so the order also survives a restart.
                    let head = self.live().queue.first().map(|(_, t)| *t);
                    let at = head.map_or_else(chrono::Utc::now, |t| t - chrono::Duration::milliseconds(1));
                    let mut change = HandoffChange::new(id, serving, (ConversationState::Queued, None))
                        .queue(QueueChange::Enqueue(at));
                    if let Some(n) = note {
                        change = change.note(self.transfer_note(agent, None, n));
                    }
                    self.store.apply_handoff(&change).await?;
                    let mut live = self.live();
                    live.unassign(id);
                    live.queue.insert(0, (id.clone(), at));
                }
            }
            self.push_agent(agent, AgentEvent::Released { session_id: id.clone() });
            self.assign_waiting().await?;
        }
        self.broadcast_queue().await;
        Ok(())
    }

    /// Ends a human conversation with a resolution; the taxpayer is asked to rate it.
    pub async fn close(&self, agent: &str, id: &SessionId, resolution: &str) -> Result<(), HandoffError> {
        {
            let _turn = self.turn.lock().await;
            self.check_assigned(agent, id)?;
            let change =
                HandoffChange::new(id, (ConversationState::Human, Some(agent)), (ConversationState::Bot, None))
                    .resolution(resolution)
                    .notice("人工服务已结束，欢迎为本次服务评分。");
            self.store.apply_handoff(&change).await?;
            self.live().unassign(id);
            self.push_visitor(id, VisitorEvent::Closed { resolution: resolution.to_owned() });
            self.push_agent(agent, AgentEvent::Released { session_id: id.clone() });
            self.assign_waiting().await?;
        }
        self.broadcast_queue().await;
        Ok(())
    }

    /// Answers a 留言 ticket; the taxpayer gets it now if connected, and again
    /// on each visit until their client acknowledges it.
    pub async fn answer_ticket(&self, agent: &str, ticket: i64, text: &str) -> Result<Ticket, HandoffError> {
        let t = match self.store.answer_ticket(ticket, agent, text).await {
            Ok(t) => t,
            Err(StoreError::NotFound) => return Err(HandoffError::UnknownTicket),
            Err(StoreError::Conflict(_)) => return Err(HandoffError::TicketAnswered),
            Err(e) => return Err(e.into()),
        };
        let mut m = NewMessage::plain(&t.conversation_id, Sender::Agent, &format!("【留言 {} 的答复】{text}", t.id));
        m.agent_id = Some(agent.to_owned());
        self.store.append_message(&m).await?;
        // Delivered only when the taxpayer's client acknowledges it.
        self.push_visitor(&t.conversation_id, VisitorEvent::TicketAnswered(t.clone()));
        self.ticket_closed_here(&t);
        // Other nodes drop it from their agents' lists (and reach the
        // taxpayer if connected there).
        self.announce(Event::Ticket { id: t.id }).await;
        Ok(t)
    }
}
