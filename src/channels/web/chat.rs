//! One taxpayer connection on `/ws/chat`: frames in, engine calls, frames out.

use std::time::Instant;

use axum::extract::ws::{Message, WebSocket};
use futures_util::{Sink, StreamExt};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::protocol::{CHAT_TYPES, ClientMsg, FrameError, IdentityStatus, ServerMsg, SignedIdentity};
use super::socket::{FrameLimits, Handler, Out, run, subscribed};
use super::{Flow, WebState, convert};
use crate::api_error::{Code, ErrorCode};
use crate::chat::{Answer, ChatError, Reply, Session, wording};
use crate::handoff::VisitorEvent;
use crate::ids::Channel;
use crate::store::ConversationState;
use crate::text::mask_numbers;

/// The route label of this socket in metrics.
const ROUTE: &str = "/ws/chat";

/// The state of one taxpayer connection.
struct Conn {
    state: WebState,
    session: Option<Session>,
    events: Option<mpsc::Receiver<VisitorEvent>>,
    /// The client's address (daily 留言 bound).
    ip: std::net::IpAddr,
}

/// Serves one taxpayer connection until it closes or the server stops.
pub(crate) async fn serve(socket: WebSocket, state: WebState, ip: std::net::IpAddr) {
    let span = tracing::info_span!("ws_chat", session = tracing::field::Empty);
    async move {
        let (out, input) = socket.split();
        let mut limits = FrameLimits::of(&state);
        limits.limiter = limits.limiter.per_address(std::sync::Arc::clone(&state.limits), ip);
        state.metrics.ws_opened(ROUTE);
        let shutdown = state.shutdown.clone();
        let conn = Conn { state, session: None, events: None, ip };
        run(conn, out, input, limits, shutdown).await;
    }
    .instrument(span)
    .await
}

impl<S: Sink<Message> + Unpin + Send> Handler<S> for Conn {
    type In = ClientMsg;
    type Event = VisitorEvent;
    const TYPES: &'static [&'static str] = &CHAT_TYPES;

    async fn next_event(&mut self) -> Option<VisitorEvent> {
        subscribed(&mut self.events).await
    }

    async fn message(&mut self, out: &mut Out<S>, msg: ClientMsg) -> Flow {
        let started = Instant::now();
        let flow = self.handle(out, msg).await;
        self.state.metrics.ws_message(ROUTE, started.elapsed());
        flow
    }

    async fn event(&mut self, out: &mut Out<S>, event: VisitorEvent) -> Flow {
        out.send(&convert::visitor_event(&event)).await
    }

    async fn invalid(&mut self, out: &mut Out<S>, e: FrameError) -> Flow {
        self.frame_error(out, e).await
    }

    fn awaiting_hello(&self) -> bool {
        self.session.is_none()
    }

    async fn restarting(&mut self, out: &mut Out<S>) -> Flow {
        out.send(&ServerMsg::Restarting { text: wording::RESTARTING.into() }).await
    }

    async fn closed(mut self) {
        if let Some(s) = &self.session {
            self.events = None;
            let hub = self.state.engine.hub();
            if hub.detach_visitor(&s.id) {
                hub.visitor_presence(&s.id, false).await;
            }
        }
        self.state.metrics.ws_closed(ROUTE);
    }
}

impl Conn {
    /// One client message (timed by [`Handler::message`]).
    async fn handle<S: Sink<Message> + Unpin + Send>(&mut self, out: &mut Out<S>, msg: ClientMsg) -> Flow {
        match msg {
            ClientMsg::Ping => out.send(&ServerMsg::Pong).await,
            ClientMsg::Hello { visitor_token, identity } => self.hello(out, visitor_token, identity).await,
            other => match self.session.take() {
                None => self.frame_error(out, FrameError::HelloRequired).await,
                Some(mut s) => {
                    let flow = self.in_session(out, &mut s, other).await;
                    self.session = Some(s);
                    flow
                }
            },
        }
    }

    async fn error<S: Sink<Message> + Unpin>(&self, out: &mut Out<S>, code: Code, message: String) -> Flow {
        self.state.metrics.error(code);
        out.send(&ServerMsg::Error { code, message }).await
    }

    async fn frame_error<S: Sink<Message> + Unpin>(&self, out: &mut Out<S>, e: FrameError) -> Flow {
        self.error(out, e.code(), e.to_string()).await
    }

    async fn chat_error<S: Sink<Message> + Unpin>(&self, out: &mut Out<S>, e: ChatError) -> Flow {
        if matches!(e, ChatError::Store(_) | ChatError::Search(_))
            && let Some(suppressed) = crate::api_error::error_log::admit(e.code())
        {
            tracing::error!(error = %e, suppressed, "chat request failed");
        }
        self.error(out, e.code(), e.to_string()).await
    }

    async fn hello<S: Sink<Message> + Unpin>(
        &mut self,
        out: &mut Out<S>,
        token: Option<String>,
        identity: Option<SignedIdentity>,
    ) -> Flow {
        if self.session.is_some() {
            let e = FrameError::Invalid("会话已建立，无需重复发送 hello".into());
            return self.frame_error(out, e).await;
        }
        let opened = match self.state.engine.open_web(token).await {
            Ok(o) => o,
            Err(e) => {
                // Without a conversation the socket is of no use: closing it
                // makes the client reconnect with backoff and get its
                // `welcome` once the store takes writes again.
                let unavailable = matches!(e, ChatError::Store(_));
                let flow = self.chat_error(out, e).await;
                return if unavailable { Flow::Close } else { flow };
            }
        };
        tracing::Span::current().record("session", opened.session.id.as_str());
        if let Some(e) = opened.rejected
            && let Flow::Close = self.chat_error(out, e).await
        {
            return Flow::Close;
        }
        let identity = match identity.map(convert::identity_claim) {
            None => None,
            Some(claim) => match self.state.engine.present_identity(&opened.session, &claim).await {
                Ok(true) => Some(IdentityStatus::Verified),
                Ok(false) => Some(IdentityStatus::Unverified),
                Err(e) => return self.chat_error(out, e).await,
            },
        };
        let hub = self.state.engine.hub();
        self.events = Some(hub.attach_visitor(&opened.session.id));
        if hub.state_of(&opened.session.id) == ConversationState::Human {
            // Only a page coming back finds its conversation with an agent.
            hub.visitor_presence(&opened.session.id, true).await;
        }
        let welcome = ServerMsg::Welcome {
            session_id: opened.session.id.to_string(),
            visitor_token: opened.token.as_str().to_owned(),
            resumed: !opened.history.is_empty(),
            greeting: self.state.engine.settings().greeting.clone(),
            hot_questions: convert::questions(&opened.hot),
            history: opened
                .history
                .iter()
                .map(|m| convert::replayed(m, &opened.history_entries, &opened.votes))
                .collect(),
            handoff: opened.handoff.as_ref().and_then(convert::handoff_info),
            awaiting_rating: opened.awaiting_rating,
            identity,
        };
        self.session = Some(opened.session);
        if let Flow::Close = out.send(&welcome).await {
            return Flow::Close;
        }
        for t in &opened.answered_tickets {
            if let Flow::Close = out.send(&convert::ticket_answer(t)).await {
                return Flow::Close;
            }
        }
        Flow::Continue
    }

    async fn in_session<S: Sink<Message> + Unpin>(
        &mut self,
        out: &mut Out<S>,
        s: &mut Session,
        msg: ClientMsg,
    ) -> Flow {
        let engine = std::sync::Arc::clone(&self.state.engine);
        let ((reference, message_id), reply) = match msg {
            ClientMsg::Ask { text, reference } => {
                let started = Instant::now();
                tracing::debug!(text = %mask_numbers(&text), "ask");
                self.state.metrics.message(Channel::Web);
                match engine.ask(s, &text).await {
                    Ok(a) => {
                        self.state.metrics.decision(a.reply.decision(), Channel::Web);
                        ((reference, Some(a.message_id)), Some((a.reply, started)))
                    }
                    Err(e) => return self.chat_error(out, e).await,
                }
            }
            ClientMsg::Choose { entry_id } => match engine.choose(s, &entry_id).await {
                Ok(a) => {
                    self.state.metrics.decision(a.reply.decision(), Channel::Web);
                    ((None, Some(a.message_id)), Some((a.reply, Instant::now())))
                }
                Err(e) => return self.chat_error(out, e).await,
            },
            ClientMsg::OpenEntry { entry_id, via } => {
                match engine.open_entry(s, &entry_id, via.as_deref() == Some("qr")).await {
                    Ok(a) => ((None, Some(a.message_id)), Some((a.reply, Instant::now()))),
                    Err(e) => return self.chat_error(out, e).await,
                }
            }
            ClientMsg::Feedback { answer_id, helpful, comment } => {
                match engine.feedback(s, answer_id, helpful, comment).await {
                    Ok(offer) => {
                        if let Flow::Close = ack(out, None, None).await {
                            return Flow::Close;
                        }
                        if !offer {
                            return Flow::Continue;
                        }
                        let text = wording::UNHELPFUL_OFFER.into();
                        return out.send(&ServerMsg::HumanOffer { reason: "unhelpful".into(), text }).await;
                    }
                    Err(e) => return self.chat_error(out, e).await,
                }
            }
            ClientMsg::RequestHuman => {
                return match engine.request_human(s).await {
                    Ok(status) => out.send(&convert::handoff(&status)).await,
                    Err(e) => self.chat_error(out, e).await,
                };
            }
            ClientMsg::CancelHuman => match engine.cancel_human(s).await {
                Ok(()) => ((None, None), None),
                Err(e) => return self.chat_error(out, e).await,
            },
            ClientMsg::LeaveMessage { .. } if !self.state.limits.allow_ticket(s.visitor.as_str(), Some(self.ip)) => {
                return self.error(out, Code::TooManyTickets, wording::TOO_MANY_TICKETS.into()).await;
            }
            ClientMsg::LeaveMessage { text, contact } => match engine.leave_message(s, &text, contact).await {
                Ok((message_id, ticket)) => {
                    if let Flow::Close = ack(out, None, Some(message_id)).await {
                        return Flow::Close;
                    }
                    let text = wording::ticket_created(ticket.id);
                    return out.send(&ServerMsg::TicketCreated { ticket_id: ticket.id, text }).await;
                }
                Err(e) => return self.chat_error(out, e).await,
            },
            ClientMsg::AckTicket { ticket_id } => match engine.ack_ticket(s, ticket_id).await {
                Ok(()) => ((None, None), None),
                Err(e) => return self.chat_error(out, e).await,
            },
            ClientMsg::Rate { stars, comment } => match engine.rate(s, stars, comment).await {
                Ok(()) => ((None, None), None),
                Err(e) => return self.chat_error(out, e).await,
            },
            ClientMsg::Hello { .. } | ClientMsg::Ping => return Flow::Continue,
        };
        if let Flow::Close = ack(out, reference, message_id).await {
            return Flow::Close;
        }
        match reply {
            Some((reply, started)) => self.reply(out, reply, started).await,
            None => Flow::Continue,
        }
    }

    async fn reply<S: Sink<Message> + Unpin>(&self, out: &mut Out<S>, reply: Reply, started: Instant) -> Flow {
        let msg = match reply {
            Reply::Answer(a) => return self.stream(out, &a, started).await,
            Reply::Relayed => return Flow::Continue,
            Reply::Text { message_id, text } => ServerMsg::Text { message_id, text },
            Reply::Clarify { message_id, text, candidates } => {
                ServerMsg::Clarify { message_id, text, candidates: convert::questions(&candidates) }
            }
            Reply::OutOfScope { message_id, text } => ServerMsg::OutOfScope { message_id, text },
            Reply::NoMatch { message_id, text } => ServerMsg::NoMatch { message_id, text, offer_human: true },
            Reply::Handoff(status) => convert::handoff(&status),
        };
        out.send(&msg).await
    }

    /// Streams an answer: start, the chunks paced by `stream_delay_ms`, end.
    async fn stream<S: Sink<Message> + Unpin>(&self, out: &mut Out<S>, a: &Answer, started: Instant) -> Flow {
        if let Flow::Close = out.send(&convert::answer_start(a)).await {
            return Flow::Close;
        }
        let delay = std::time::Duration::from_millis(self.state.engine.settings().stream_delay_ms);
        for (i, chunk) in a.chunks.iter().enumerate() {
            // Pacing stops once the server is shutting down: the rest goes out at once.
            if i > 0 && !delay.is_zero() && !self.state.shutdown.is_cancelled() {
                tokio::time::sleep(delay).await;
            }
            let delta = ServerMsg::AnswerDelta { answer_id: a.answer_id, text: chunk.clone() };
            if let Flow::Close = out.send(&delta).await {
                return Flow::Close;
            }
            if (i == 0 || !delay.is_zero()) && matches!(out.flush().await, Flow::Close) {
                return Flow::Close;
            }
            if i == 0 {
                self.state.metrics.first_delta(started.elapsed());
            }
        }
        out.send(&convert::answer_end(a)).await
    }
}

async fn ack<S: Sink<Message> + Unpin>(out: &mut Out<S>, reference: Option<String>, message_id: Option<i64>) -> Flow {
    out.send(&ServerMsg::Ack { reference, message_id }).await
}
