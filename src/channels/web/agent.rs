//! One agent console on `/ws/agent`: the signed-in user's hello, presence, queue, chat.

use axum::extract::ws::{Message, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::inbound::{Inbound, inbound};
use super::limit::RateLimiter;
use super::protocol::{AGENT_TYPES, AgentClientMsg, AgentServerMsg, FrameError};
use super::{Flow, WebState, convert, feed};
use crate::api_error::{Code, ErrorCode};
use crate::handoff::{AgentAccount, AgentEvent, HandoffError, Presence};
use crate::ids::SessionId;

struct Conn {
    state: WebState,
    out: SplitSink<WebSocket, Message>,
    account: AgentAccount,
    agent: Option<(AgentAccount, u64)>,
    events: Option<mpsc::Receiver<AgentEvent>>,
    limiter: RateLimiter,
}

async fn next_event(rx: &mut Option<mpsc::Receiver<AgentEvent>>) -> Option<AgentEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn event(e: &AgentEvent) -> AgentServerMsg {
    match e {
        AgentEvent::Queue(items) => AgentServerMsg::Queue { items: items.iter().map(convert::conversation).collect() },
        AgentEvent::Assigned(v) => AgentServerMsg::Assigned { conversation: convert::conversation(v) },
        AgentEvent::VisitorMessage { session_id, message_id, text } => AgentServerMsg::VisitorMessage {
            session_id: session_id.to_string(),
            message_id: *message_id,
            text: text.clone(),
        },
        AgentEvent::Released { session_id } => AgentServerMsg::Released { session_id: session_id.to_string() },
        AgentEvent::TicketOpened(t) => AgentServerMsg::TicketNew { ticket: convert::ticket(t) },
        AgentEvent::Undeliverable { session_id, code, reason } => {
            AgentServerMsg::Error { code: *code, message: format!("会话 {session_id}：{reason}") }
        }
    }
}

/// Serves the agent console of `account` (a signed-in user) until it closes or the server stops.
pub(crate) async fn serve(socket: WebSocket, state: WebState, account: AgentAccount) {
    let span = tracing::info_span!("ws_agent", agent = tracing::field::Empty);
    async move {
        let (out, mut input) = socket.split();
        let limits = &state.server;
        let mut c = Conn {
            limiter: RateLimiter::new(limits.messages_per_sec, limits.message_burst),
            state: state.clone(),
            out,
            account,
            agent: None,
            events: None,
        };
        let hello_by = super::hello_deadline(&state);
        let shutdown = state.shutdown.clone();
        loop {
            let flow = tokio::select! {
                _ = shutdown.cancelled() => {
                    let text = "服务正在重启，请稍后重连。".into();
                    let _ = c.send(&AgentServerMsg::Restarting { text }).await;
                    Flow::Close
                }
                Some(e) = next_event(&mut c.events) => c.send(&event(&e)).await,
                () = super::until_hello(c.agent.is_none(), hello_by) => {
                    let _ = c.error(Code::HelloTimeout, "连接后未及时发送 hello，连接已关闭".into()).await;
                    Flow::Close
                }
                frame = input.next() => match frame {
                    Some(Ok(m)) => c.frame(m).await,
                    _ => Flow::Close,
                },
            };
            if matches!(flow, Flow::Close) || c.out.flush().await.is_err() {
                break;
            }
        }
        let _ = c.out.send(Message::Close(None)).await;
        if let Some((account, conn)) = c.agent.take() {
            state.engine.hub().disconnect_agent(&account.id, conn).await;
        }
    }
    .instrument(span)
    .await
}

impl Conn {
    async fn send(&mut self, msg: &AgentServerMsg) -> Flow {
        feed(&mut self.out, msg).await
    }

    async fn error(&mut self, code: Code, message: String) -> Flow {
        self.state.metrics.error(code);
        let msg = AgentServerMsg::Error { code, message };
        self.send(&msg).await
    }

    async fn frame(&mut self, m: Message) -> Flow {
        let max = self.state.server.max_frame_bytes;
        match inbound::<AgentClientMsg>(m, max, &mut self.limiter, &AGENT_TYPES) {
            Inbound::Msg(msg) => self.handle(msg).await,
            Inbound::Invalid(e) => self.frame_error(e).await,
            Inbound::Close => Flow::Close,
            Inbound::Ignore => Flow::Continue,
        }
    }

    async fn frame_error(&mut self, e: FrameError) -> Flow {
        self.error(e.code(), e.to_string()).await
    }

    async fn hello(&mut self, status: Option<Presence>) -> Flow {
        let hub = std::sync::Arc::clone(self.state.engine.hub());
        let account = self.account.clone();
        tracing::Span::current().record("agent", account.id.as_str());
        let session = match hub.connect_agent(account, status.unwrap_or(Presence::Online)).await {
            Ok(s) => s,
            Err(e) => return self.error(e.code(), e.to_string()).await,
        };
        let welcome = AgentServerMsg::Welcome {
            agent_id: session.account.id.clone(),
            name: session.account.name.clone(),
            max_concurrent: session.account.max_concurrent,
            active: session.active.iter().map(convert::conversation).collect(),
            tickets: session.tickets.iter().map(convert::ticket).collect(),
            tickets_total: session.tickets_total,
        };
        self.agent = Some((session.account, session.conn));
        self.events = Some(session.events);
        self.send(&welcome).await
    }

    async fn handle(&mut self, msg: AgentClientMsg) -> Flow {
        if let AgentClientMsg::Ping = msg {
            return self.send(&AgentServerMsg::Pong).await;
        }
        if let AgentClientMsg::Hello { status } = &msg
            && self.agent.is_none()
        {
            return self.hello(*status).await;
        }
        let Some(agent) = self.agent.as_ref().map(|(a, _)| a.id.clone()) else {
            return self.frame_error(FrameError::HelloRequired).await;
        };
        if let AgentClientMsg::ListTickets { before } = msg {
            return match self.state.engine.hub().open_tickets_page(before).await {
                Ok((page, _)) => {
                    let oldest = page.last().map(|t| t.id);
                    let more = match oldest {
                        Some(id) => {
                            self.state.engine.hub().open_tickets_page(Some(id)).await.is_ok_and(|(p, _)| !p.is_empty())
                        }
                        None => false,
                    };
                    let tickets = page.iter().map(convert::ticket).collect();
                    self.send(&AgentServerMsg::Tickets { tickets, more }).await
                }
                Err(e) => self.error(e.code(), e.to_string()).await,
            };
        }
        match self.act(&agent, msg).await {
            Ok(message_id) => self.send(&AgentServerMsg::Ack { message_id }).await,
            Err(e) => self.error(e.code(), e.to_string()).await,
        }
    }

    async fn act(&mut self, agent: &str, msg: AgentClientMsg) -> Result<Option<i64>, ActError> {
        let hub = std::sync::Arc::clone(self.state.engine.hub());
        match msg {
            AgentClientMsg::Status { status } => hub.set_presence(agent, status).await?,
            AgentClientMsg::Accept { session_id } => hub.accept(agent, &sid(session_id)?).await?,
            AgentClientMsg::Send { session_id, text } => {
                let text = text.trim();
                if text.is_empty() {
                    return Err(ActError::Empty);
                }
                let id = hub.agent_send(agent, &sid(session_id)?, text).await?;
                return Ok(Some(id));
            }
            AgentClientMsg::Transfer { session_id, to } => {
                hub.transfer(agent, &sid(session_id)?, to.as_deref()).await?;
            }
            AgentClientMsg::Close { session_id, resolution } => {
                hub.close(agent, &sid(session_id)?, &resolution).await?
            }
            AgentClientMsg::AnswerTicket { ticket_id, text } => {
                if text.trim().is_empty() {
                    return Err(ActError::Empty);
                }
                hub.answer_ticket(agent, ticket_id, text.trim()).await?;
            }
            AgentClientMsg::Hello { .. } => return Err(ActError::AlreadyHello),
            AgentClientMsg::Ping | AgentClientMsg::ListTickets { .. } => {}
        }
        Ok(None)
    }
}

fn sid(raw: String) -> Result<SessionId, ActError> {
    SessionId::try_from(raw).map_err(|e| ActError::BadSession(e.to_string()))
}

/// Why an agent action failed.
#[derive(Debug, thiserror::Error)]
enum ActError {
    #[error(transparent)]
    Handoff(#[from] HandoffError),
    #[error("{0}")]
    BadSession(String),
    #[error("内容不能为空")]
    Empty,
    #[error("已登录，无需重复发送 hello")]
    AlreadyHello,
}

impl ErrorCode for ActError {
    fn code(&self) -> Code {
        match self {
            ActError::Handoff(e) => e.code(),
            ActError::BadSession(_) => Code::InvalidId,
            ActError::Empty => Code::EmptyText,
            ActError::AlreadyHello => Code::InvalidMessage,
        }
    }
}
