//! One agent console on `/ws/agent`: the signed-in user's hello, presence, queue, chat.

use axum::extract::ws::{Message, WebSocket};
use futures_util::{Sink, StreamExt};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;
use tracing::Instrument;

use super::protocol::{AGENT_TYPES, AgentClientMsg, AgentServerMsg, ConversationInfo, FrameError};
use super::socket::{FrameLimits, Handler, Out, run, subscribed};
use super::{Flow, WebState, convert};
use crate::admin::{RECHECK_EVERY, Role, audit, session_valid};
use crate::api_error::{Code, ErrorCode};
use crate::chat::{Engine, wording};
use crate::handoff::{AgentAccount, AgentEvent, ConversationView, HandoffError, Presence, VISITOR_BACK, VISITOR_LEFT};
use crate::ids::SessionId;

/// The route label of this socket in metrics.
const ROUTE: &str = "/ws/agent";

/// The sign-in behind an agent socket, checked again whenever the console API
/// says the account changed and every [`RECHECK_EVERY`].
pub(super) struct SignIn {
    /// The session (cookie token hash) the socket was opened with.
    pub token_hash: String,
    /// The account.
    pub user_id: i64,
    /// Its role when the socket opened (a change ends the sign-in).
    pub role: Role,
    /// Notices of accounts whose sign-ins may have ended.
    pub revoked: broadcast::Receiver<i64>,
}

/// What the loop hands the agent socket besides frames.
enum Input {
    /// A hub event.
    Hub(AgentEvent),
    /// Time to check the sign-in.
    Check,
}

/// The state of one agent console connection.
struct Conn {
    state: WebState,
    account: AgentAccount,
    agent: Option<(AgentAccount, u64)>,
    events: Option<mpsc::Receiver<AgentEvent>>,
    signin: SignIn,
    next_check: Instant,
}

/// A conversation as the console shows it, with the questions a
/// clarification offered.
fn conversation(engine: &Engine, v: &ConversationView) -> ConversationInfo {
    convert::conversation(v, &engine.entries_named(&v.transcript))
}

fn event(engine: &Engine, e: &AgentEvent) -> AgentServerMsg {
    match e {
        AgentEvent::Queue(items) => {
            AgentServerMsg::Queue { items: items.iter().map(|v| conversation(engine, v)).collect() }
        }
        AgentEvent::Assigned(v) => AgentServerMsg::Assigned { conversation: conversation(engine, v) },
        AgentEvent::VisitorMessage { session_id, message_id, text } => AgentServerMsg::VisitorMessage {
            session_id: session_id.to_string(),
            message_id: *message_id,
            text: text.clone(),
        },
        AgentEvent::Released { session_id } => AgentServerMsg::Released { session_id: session_id.to_string() },
        AgentEvent::VisitorPresence { session_id, connected } => AgentServerMsg::VisitorPresence {
            session_id: session_id.to_string(),
            connected: *connected,
            text: if *connected { VISITOR_BACK } else { VISITOR_LEFT }.to_owned(),
        },
        AgentEvent::TicketOpened(t) => AgentServerMsg::TicketNew { ticket: convert::ticket(t) },
        AgentEvent::TicketClosed { ticket_id, by } => {
            AgentServerMsg::TicketClosed { ticket_id: *ticket_id, by: by.clone() }
        }
        AgentEvent::Undeliverable { session_id, code, reason } => {
            AgentServerMsg::Error { code: *code, message: format!("会话 {session_id}：{reason}") }
        }
    }
}

/// Serves the agent console of `account` (a signed-in user) until it closes or the server stops.
pub(crate) async fn serve(socket: WebSocket, state: WebState, account: AgentAccount, signin: SignIn) {
    let span = tracing::info_span!("ws_agent", agent = tracing::field::Empty);
    async move {
        let (out, input) = socket.split();
        let limits = FrameLimits::of(&state);
        let shutdown = state.shutdown.clone();
        let next_check = Instant::now() + RECHECK_EVERY;
        state.metrics.ws_opened(ROUTE);
        let conn = Conn { state, account, agent: None, events: None, signin, next_check };
        run(conn, out, input, limits, shutdown).await;
    }
    .instrument(span)
    .await
}

impl<S: Sink<Message> + Unpin + Send> Handler<S> for Conn {
    type In = AgentClientMsg;
    type Event = Input;
    const TYPES: &'static [&'static str] = &AGENT_TYPES;

    async fn next_event(&mut self) -> Option<Input> {
        let hub = subscribed(&mut self.events);
        let user_id = self.signin.user_id;
        let revoked = async {
            loop {
                match self.signin.revoked.recv().await {
                    Ok(id) if id != user_id => continue,
                    // Ours, or notices were missed: check.
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
                }
            }
        };
        tokio::select! {
            e = hub => e.map(Input::Hub),
            () = revoked => Some(Input::Check),
            () = tokio::time::sleep_until(self.next_check) => {
                self.next_check = Instant::now() + RECHECK_EVERY;
                Some(Input::Check)
            }
        }
    }

    async fn message(&mut self, out: &mut Out<S>, msg: AgentClientMsg) -> Flow {
        let started = Instant::now();
        let flow = self.handle(out, msg).await;
        self.state.metrics.ws_message(ROUTE, started.elapsed());
        flow
    }

    async fn event(&mut self, out: &mut Out<S>, input: Input) -> Flow {
        match input {
            Input::Hub(e) => out.send(&event(&self.state.engine, &e)).await,
            Input::Check if session_valid(&*self.state.store, &self.signin.token_hash, self.signin.role).await => {
                Flow::Continue
            }
            Input::Check => {
                let message = "您的登录已失效（已退出、账号被停用或角色已变更），请重新登录".to_owned();
                let _ = out.send(&AgentServerMsg::Error { code: Code::Unauthorized, message }).await;
                Flow::Close
            }
        }
    }

    fn awaiting_hello(&self) -> bool {
        self.agent.is_none()
    }

    async fn invalid(&mut self, out: &mut Out<S>, e: FrameError) -> Flow {
        self.error(out, e).await
    }

    async fn restarting(&mut self, out: &mut Out<S>) -> Flow {
        out.send(&AgentServerMsg::Restarting { text: wording::RESTARTING_AGENT.into() }).await
    }

    async fn closed(mut self) {
        if let Some((account, conn)) = self.agent.take() {
            self.state.engine.hub().disconnect_agent(&account.id, conn).await;
        }
        self.state.metrics.ws_closed(ROUTE);
    }
}

impl Conn {
    /// One client message (timed by [`Handler::message`]).
    async fn handle<S: Sink<Message> + Unpin + Send>(&mut self, out: &mut Out<S>, msg: AgentClientMsg) -> Flow {
        if let AgentClientMsg::Ping = msg {
            return out.send(&AgentServerMsg::Pong).await;
        }
        if let AgentClientMsg::Hello { status } = &msg
            && self.agent.is_none()
        {
            return self.hello(out, *status).await;
        }
        let Some(agent) = self.agent.as_ref().map(|(a, _)| a.id.clone()) else {
            return self.error(out, FrameError::HelloRequired).await;
        };
        if let AgentClientMsg::ListTickets { before } = msg {
            return self.list_tickets(out, before).await;
        }
        if let AgentClientMsg::ListAgents = msg {
            let agents = self.state.engine.hub().colleagues(&agent).iter().map(convert::colleague).collect();
            return out.send(&AgentServerMsg::Agents { agents }).await;
        }
        let audited = audit_of(&msg);
        match self.act(&agent, msg).await {
            Ok(message_id) => {
                if let Some((action, target, detail)) = audited {
                    // The action is done; a failed audit write is logged, not undone.
                    if let Err(e) = audit::record_from(&*self.state.store, &agent, action, &target, detail, None).await
                    {
                        tracing::warn!(error = %e, action, "审计记录写入失败");
                    }
                }
                out.send(&AgentServerMsg::Ack { message_id }).await
            }
            Err(e) => self.error(out, e).await,
        }
    }

    async fn error<S: Sink<Message> + Unpin>(&self, out: &mut Out<S>, e: impl ErrorCode + ToString) -> Flow {
        let code = e.code();
        self.state.metrics.error(code);
        out.send(&AgentServerMsg::Error { code, message: e.to_string() }).await
    }

    async fn hello<S: Sink<Message> + Unpin>(&mut self, out: &mut Out<S>, status: Option<Presence>) -> Flow {
        let hub = std::sync::Arc::clone(self.state.engine.hub());
        let account = self.account.clone();
        tracing::Span::current().record("agent", account.id.as_str());
        let session = match hub.connect_agent(account, status.unwrap_or(Presence::Online)).await {
            Ok(s) => s,
            Err(e) => return self.error(out, e).await,
        };
        let welcome = AgentServerMsg::Welcome {
            agent_id: session.account.id.clone(),
            name: session.account.name.clone(),
            max_concurrent: session.account.max_concurrent,
            active: session.active.iter().map(|v| conversation(&self.state.engine, v)).collect(),
            tickets: session.tickets.iter().map(convert::ticket).collect(),
            tickets_total: session.tickets_total,
        };
        self.agent = Some((session.account, session.conn));
        self.events = Some(session.events);
        out.send(&welcome).await
    }

    /// One page of open tickets older than `before`, and whether more remain.
    async fn list_tickets<S: Sink<Message> + Unpin>(&self, out: &mut Out<S>, before: Option<i64>) -> Flow {
        let hub = self.state.engine.hub();
        let page = match hub.open_tickets_page(before).await {
            Ok((page, _)) => page,
            Err(e) => return self.error(out, e).await,
        };
        let more = match page.last() {
            Some(t) => hub.open_tickets_page(Some(t.id)).await.is_ok_and(|(older, _)| !older.is_empty()),
            None => false,
        };
        let tickets = page.iter().map(convert::ticket).collect();
        out.send(&AgentServerMsg::Tickets { tickets, more }).await
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
            AgentClientMsg::Transfer { session_id, to, note } => {
                let note = transfer_note(note.as_deref())?;
                hub.transfer(agent, &sid(session_id)?, to.as_deref(), note).await?;
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
            AgentClientMsg::Ping | AgentClientMsg::ListTickets { .. } | AgentClientMsg::ListAgents => {}
        }
        Ok(None)
    }
}

/// The audit record (action, target, detail) of an agent action that changes
/// who serves a taxpayer or answers a 留言; chat lines and presence are not audited.
fn audit_of(msg: &AgentClientMsg) -> Option<(&'static str, String, serde_json::Value)> {
    use serde_json::json;
    match msg {
        AgentClientMsg::Accept { session_id } => Some(("handoff.accept", session_id.clone(), json!({}))),
        AgentClientMsg::Transfer { session_id, to, note } => {
            Some(("handoff.transfer", session_id.clone(), json!({"to": to, "note": note})))
        }
        AgentClientMsg::Close { session_id, resolution } => {
            Some(("handoff.close", session_id.clone(), json!({"resolution": resolution})))
        }
        AgentClientMsg::AnswerTicket { ticket_id, .. } => Some(("ticket.answer", ticket_id.to_string(), json!({}))),
        _ => None,
    }
}

/// Longest transfer note, in characters (a few sentences for a colleague).
const MAX_NOTE_CHARS: usize = 500;

/// The trimmed note of a transfer (`None` when blank), checked for length.
fn transfer_note(note: Option<&str>) -> Result<Option<&str>, ActError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(ActError::NoteTooLong);
    }
    Ok(note)
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
    #[error("转接备注最多 500 个字，请精简后再转接")]
    NoteTooLong,
}

impl ErrorCode for ActError {
    fn code(&self) -> Code {
        match self {
            ActError::Handoff(e) => e.code(),
            ActError::BadSession(_) => Code::InvalidId,
            ActError::Empty => Code::EmptyText,
            ActError::AlreadyHello => Code::InvalidMessage,
            ActError::NoteTooLong => Code::TextTooLong,
        }
    }
}
