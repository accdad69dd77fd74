//! Human handoff: the queue (position and estimated wait pushed as they
//! change), agent presence and assignment (manual accept or least load, with a
//! per-agent maximum), transfer and close, 留言 tickets outside business hours
//! or with no agent online, and the satisfaction rating after a human
//! conversation.
//!
//! The live picture (who waits, who serves whom, who is connected) is kept in
//! memory behind one `std` mutex that is never held across `.await`; every
//! change is persisted through the [`Store`] so a restart rebuilds it. Nodes
//! sharing one store keep their pictures in step through the store's events
//! (`follow`): each re-reads what another node changed and pushes it to the
//! taxpayers and agents connected to it.

mod agent;
mod follow;
mod hours;
mod live;
mod nodes;
mod notes;
mod reconcile;
mod visitor;

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

pub use crate::config::handoff::{Assignment, Hours, Settings};
pub use hours::Schedule;
pub use live::Presence;
pub use notes::{Colleague, VISITOR_BACK, VISITOR_LEFT};

use crate::api_error::{Code, ErrorCode};
use crate::ids::SessionId;
use crate::store::{ConversationState, Event, Message, Store, StoreError, Ticket};
use live::Live;

/// An agent as the hub knows it: a console user (see `admin`) who signed in
/// to `/ws/agent`. The id is the user name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentAccount {
    /// Stable id (the console user name).
    pub id: String,
    /// Name shown to taxpayers.
    pub name: String,
    /// Most conversations served at once.
    pub max_concurrent: u32,
}

/// Where a request for a human stands.
#[derive(Debug, Clone, PartialEq)]
pub enum HandoffStatus {
    /// Waiting in the queue.
    Queued(QueueStatus),
    /// An agent serves the conversation.
    Connected {
        /// The agent's display name.
        agent_name: String,
    },
    /// Nobody can take it now: the taxpayer may leave a message (留言).
    Offline {
        /// Why.
        reason: OfflineReason,
        /// Business hours, for people.
        hours: String,
    },
}

/// Why no agent can take a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineReason {
    /// Outside business hours.
    OutsideHours,
    /// No agent online.
    NoAgent,
}

/// A queue position and its estimated wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStatus {
    /// 1 = next.
    pub position: usize,
    /// Estimated seconds until an agent takes it.
    pub estimated_wait_secs: u64,
}

/// Pushed to a taxpayer's connection.
#[derive(Debug, Clone, PartialEq)]
pub enum VisitorEvent {
    /// The queue moved.
    Queue(QueueStatus),
    /// An agent took (or was transferred) the conversation.
    AgentJoined {
        /// Display name.
        agent_name: String,
        /// True when a colleague passed the conversation on (the taxpayer
        /// already explained the problem to someone).
        transferred: bool,
    },
    /// The agent wrote.
    AgentMessage {
        /// Stored message id.
        message_id: i64,
        /// The text.
        text: String,
    },
    /// The agent closed the conversation; the taxpayer may rate it.
    Closed {
        /// How it was resolved.
        resolution: String,
    },
    /// A 留言 ticket was answered.
    TicketAnswered(Ticket),
}

/// A conversation as an agent sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationView {
    /// The conversation.
    pub session_id: SessionId,
    /// Its messages so far (bot transcript first).
    pub transcript: Vec<Message>,
    /// Waiting since (queue items only).
    pub waiting_since: Option<DateTime<Utc>>,
    /// The identity a host site presented for the visitor, if any.
    pub identity: Option<crate::store::VisitorIdentity>,
}

/// Pushed to an agent's connection.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    /// The whole queue, first come first, with transcripts.
    Queue(Vec<ConversationView>),
    /// A conversation is now this agent's.
    Assigned(ConversationView),
    /// The taxpayer wrote in one of this agent's conversations.
    VisitorMessage {
        /// The conversation.
        session_id: SessionId,
        /// Stored message id.
        message_id: i64,
        /// The text.
        text: String,
    },
    /// A conversation left this agent (transferred or closed).
    Released {
        /// The conversation.
        session_id: SessionId,
    },
    /// The taxpayer's page went away or came back.
    VisitorPresence {
        /// The conversation.
        session_id: SessionId,
        /// True when back.
        connected: bool,
    },
    /// A new 留言 ticket.
    TicketOpened(Ticket),
    /// A 留言 ticket was answered (by this agent or a colleague): it leaves
    /// every console's list.
    TicketClosed {
        /// The ticket.
        ticket_id: i64,
        /// Who answered it.
        by: String,
    },
    /// A message could not reach the taxpayer (a channel's push failed, e.g.
    /// WeChat's 48-hour reply window has passed).
    Undeliverable {
        /// The conversation.
        session_id: SessionId,
        /// Stable code of the reason.
        code: Code,
        /// The reason, for people.
        reason: String,
    },
}

/// Why a handoff action was refused.
#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    /// The agent is not known to the hub (not signed in).
    #[error("请先登录控制台")]
    Unauthorized,
    /// Another agent took the conversation first.
    #[error("该会话已被其他客服接入，请选择队列中的其他会话")]
    AlreadyTaken,
    /// The conversation is not waiting in the queue.
    #[error("该会话不在排队队列中，可能已被接入或已离开")]
    NotQueued,
    /// The conversation is not served by this agent.
    #[error("您没有接入该会话，无法操作")]
    NotAssigned,
    /// The agent serves the maximum number of conversations.
    #[error("您同时接待的会话已达上限，请先结束部分会话")]
    AtCapacity,
    /// The transfer target is unknown, offline or full.
    #[error("目标客服不存在、不在线或已满")]
    TargetUnavailable,
    /// No such ticket.
    #[error("留言不存在")]
    UnknownTicket,
    /// The ticket was answered already.
    #[error("该留言已有答复")]
    TicketAnswered,
    /// There is nothing to rate.
    #[error("当前没有可评价的人工服务")]
    NothingToRate,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ErrorCode for HandoffError {
    fn code(&self) -> Code {
        match self {
            HandoffError::Unauthorized => Code::Unauthorized,
            HandoffError::AlreadyTaken => Code::AlreadyTaken,
            HandoffError::NotQueued => Code::NotQueued,
            HandoffError::NotAssigned => Code::NotAssigned,
            HandoffError::AtCapacity => Code::AtCapacity,
            HandoffError::TargetUnavailable => Code::TargetUnavailable,
            HandoffError::UnknownTicket => Code::UnknownTicket,
            HandoffError::TicketAnswered => Code::TicketAnswered,
            HandoffError::NothingToRate => Code::RatingNotAllowed,
            HandoffError::Store(e) => e.code(),
        }
    }
}

/// The handoff hub shared by all connections.
pub struct Hub {
    store: Arc<dyn Store>,
    settings: Settings,
    schedule: Schedule,
    /// Held only for in-memory bookkeeping, never across `.await`: a `std`
    /// mutex is cheaper than an async one and cannot deadlock a task.
    live: Mutex<Live>,
    /// Held by every handoff state change from its check to its in-memory
    /// update, across the store transaction in between, so changes apply to
    /// the store and to `live` in the same order.
    turn: tokio::sync::Mutex<()>,
    /// Whether other nodes share the store (set when [`Hub::follow`]
    /// starts): the queue in memory may then lag theirs by a notification,
    /// so a new request reads the queue from the store for its position.
    shared: std::sync::atomic::AtomicBool,
}

impl Hub {
    /// Registers the agents known to the store (offline until they sign in)
    /// and rebuilds the queue and the assignments from the store.
    pub async fn start(store: Arc<dyn Store>, settings: Settings) -> Result<Hub, String> {
        let schedule = Schedule::parse(&settings.hours)?;
        reconcile::reconcile(store.as_ref()).await.map_err(|e| e.to_string())?;
        let mut live = Live::default();
        for a in store.agents().await.map_err(|e| e.to_string())? {
            live.add_agent(AgentAccount { id: a.id, name: a.name, max_concurrent: a.max_concurrent });
        }
        for e in store.queue().await.map_err(|e| e.to_string())? {
            live.queue.push((e.conversation_id, e.enqueued_at));
        }
        for c in store.conversations_in(ConversationState::Human).await.map_err(|e| e.to_string())? {
            if let Some(agent) = c.agent_id {
                live.assign(c.id, &agent);
            }
        }
        let elsewhere = store.presence_elsewhere().await.map_err(|e| e.to_string())?;
        live.set_elsewhere(&follow::parse_presence(elsewhere));
        Ok(Hub {
            store,
            settings,
            schedule,
            live: Mutex::new(live),
            turn: tokio::sync::Mutex::new(()),
            shared: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn live(&self) -> MutexGuard<'_, Live> {
        // A panic while holding the lock leaves plain bookkeeping data; keep going.
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// [`Hub::assign_waiting`] for callers that do not hold the turn.
    async fn assign_waiting_now(&self) -> Result<(), HandoffError> {
        let _turn = self.turn.lock().await;
        self.assign_waiting().await
    }

    /// The agent serving `id` now, as the hub sees it.
    pub fn agent_of(&self, id: &SessionId) -> Option<String> {
        self.live().assigned.get(id).cloned()
    }

    /// Bot, queued or human, as the hub sees it now.
    pub fn state_of(&self, id: &SessionId) -> ConversationState {
        self.live().state_of(id)
    }

    /// Registers a taxpayer's connection for pushes; returns its receiver.
    pub fn attach_visitor(&self, id: &SessionId) -> mpsc::Receiver<VisitorEvent> {
        let (tx, rx) = mpsc::channel(self.settings.event_buffer.max(1));
        self.live().visitors.insert(id.clone(), tx);
        rx
    }

    /// Forgets a taxpayer's connection (the conversation stays where it
    /// is); false when a newer connection of the same conversation is
    /// attached (a reload), which stays.
    pub fn detach_visitor(&self, id: &SessionId) -> bool {
        let mut live = self.live();
        if live.visitors.get(id).is_some_and(|tx| tx.is_closed()) {
            live.visitors.remove(id);
            return true;
        }
        false
    }

    /// The business hours, for people.
    pub fn hours(&self) -> &str {
        self.schedule.describe()
    }

    /// A conversation as the desk shows it: transcript, wait and identity.
    async fn view(&self, id: &SessionId) -> Result<ConversationView, StoreError> {
        let transcript = self.store.messages(id, self.settings.transcript_messages).await?;
        let identity = self.store.identity(id).await?;
        Ok(ConversationView {
            session_id: id.clone(),
            transcript,
            waiting_since: self.live().waiting_since(id),
            identity,
        })
    }

    /// Pushes queue positions to waiting taxpayers and the queue to agents.
    async fn broadcast_queue(&self) {
        let (waiting, visitors, agents) = {
            let live = self.live();
            let per = self.settings.average_handle_secs;
            let mut visitors = Vec::new();
            for (i, (id, _)) in live.queue.iter().enumerate() {
                if let Some(tx) = live.visitors.get(id) {
                    let status =
                        QueueStatus { position: i + 1, estimated_wait_secs: live.estimated_wait_secs(i + 1, per) };
                    visitors.push((tx.clone(), status));
                }
            }
            let waiting: Vec<SessionId> = live.queue.iter().map(|(id, _)| id.clone()).collect();
            (waiting, visitors, live.agent_senders())
        };
        for (tx, status) in visitors {
            let _ = tx.try_send(VisitorEvent::Queue(status));
        }
        if agents.is_empty() {
            return;
        }
        let mut views = Vec::with_capacity(waiting.len());
        for id in &waiting {
            let view = self.view(id).await;
            views.push(view.unwrap_or_else(|_| ConversationView {
                session_id: id.clone(),
                transcript: Vec::new(),
                waiting_since: self.live().waiting_since(id),
                identity: None,
            }));
        }
        for tx in agents {
            let _ = tx.try_send(AgentEvent::Queue(views.clone()));
        }
    }

    fn push_visitor(&self, id: &SessionId, event: VisitorEvent) -> bool {
        let tx = self.live().visitors.get(id).cloned();
        tx.is_some_and(|tx| tx.try_send(event).is_ok())
    }

    /// Pushes `event` to `agent`'s console when it is connected to this
    /// node; false when it is not (or its buffer is full).
    fn push_agent(&self, agent: &str, event: AgentEvent) -> bool {
        let tx = self.live().agent_sender(agent);
        tx.is_some_and(|tx| tx.try_send(event).is_ok())
    }

    /// Tells every agent console on this node about a new ticket.
    fn ticket_opened_here(&self, ticket: &Ticket) {
        for tx in self.live().agent_senders() {
            let _ = tx.try_send(AgentEvent::TicketOpened(ticket.clone()));
        }
    }

    /// Tells every agent console on this node that a ticket was answered.
    fn ticket_closed_here(&self, ticket: &Ticket) {
        let by = ticket.agent_id.clone().unwrap_or_default();
        for tx in self.live().agent_senders() {
            let _ = tx.try_send(AgentEvent::TicketClosed { ticket_id: ticket.id, by: by.clone() });
        }
    }

    /// Tells the other nodes sharing the store (nothing on one node). The
    /// change itself is stored already, so a failure only delays what other
    /// nodes show until their next resync; it is logged, not returned.
    async fn announce(&self, event: Event) {
        if let Err(e) = self.store.announce(&event).await {
            tracing::warn!(?event, error = %e, "无法通知其他节点");
        }
    }

    fn queue_status(&self, id: &SessionId) -> Option<QueueStatus> {
        let live = self.live();
        live.position(id).map(|p| QueueStatus {
            position: p,
            estimated_wait_secs: live.estimated_wait_secs(p, self.settings.average_handle_secs),
        })
    }

    /// Where a queued conversation stands, if it is queued.
    pub fn queue_position(&self, id: &SessionId) -> Option<QueueStatus> {
        self.queue_status(id)
    }

    /// Conversations waiting and agents online, for metrics.
    pub fn stats(&self) -> (usize, usize) {
        let live = self.live();
        (live.queue.len(), live.online_agents())
    }

    /// Seconds the longest-waiting queued conversation has waited (0 when none waits), for metrics.
    pub fn oldest_wait_secs(&self) -> f64 {
        let oldest = self.live().queue.iter().map(|(_, since)| *since).min();
        oldest.map_or(0.0, |t| (chrono::Utc::now() - t).num_milliseconds().max(0) as f64 / 1000.0)
    }
}
