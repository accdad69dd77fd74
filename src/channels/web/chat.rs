//! One taxpayer connection on `/ws/chat`: frames in, engine calls, frames out.

use std::time::Instant;

use axum::extract::ws::{Message, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::inbound::{Inbound, inbound};
use super::limit::RateLimiter;
use super::protocol::{CHAT_TYPES, ClientMsg, FrameError, ServerMsg};
use super::{Flow, WebState, convert, feed};
use crate::api_error::{Code, ErrorCode};
use crate::chat::{Answer, ChatError, Reply, Session};
use crate::handoff::VisitorEvent;
use crate::ids::Channel;
use crate::text::mask_numbers;

struct Conn {
    state: WebState,
    out: SplitSink<WebSocket, Message>,
    session: Option<Session>,
    events: Option<mpsc::Receiver<VisitorEvent>>,
    limiter: RateLimiter,
}

async fn next_event(rx: &mut Option<mpsc::Receiver<VisitorEvent>>) -> Option<VisitorEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Serves one taxpayer connection until it closes or the server stops.
pub(crate) async fn serve(socket: WebSocket, state: WebState) {
    let span = tracing::info_span!("ws_chat", session = tracing::field::Empty);
    async move {
        let (out, mut input) = socket.split();
        let limits = &state.server;
        let mut c = Conn {
            limiter: RateLimiter::new(limits.messages_per_sec, limits.message_burst),
            state: state.clone(),
            out,
            session: None,
            events: None,
        };
        state.metrics.ws_opened();
        let shutdown = state.shutdown.clone();
        loop {
            let flow = tokio::select! {
                _ = shutdown.cancelled() => {
                    let text = "服务正在重启，请稍后自动重连，您的会话不会丢失。".into();
                    let _ = c.send(&ServerMsg::Restarting { text }).await;
                    Flow::Close
                }
                Some(event) = next_event(&mut c.events) => {
                    c.send(&convert::visitor_event(&event)).await
                }
                frame = input.next() => match frame {
                    Some(Ok(m)) => c.frame(m).await,
                    _ => Flow::Close,
                },
            };
            if matches!(flow, Flow::Close) || matches!(c.flush().await, Flow::Close) {
                break;
            }
        }
        let _ = c.out.send(Message::Close(None)).await;
        if let Some(s) = &c.session {
            c.events = None;
            state.engine.hub().detach_visitor(&s.id);
        }
        state.metrics.ws_closed();
    }
    .instrument(span)
    .await
}

impl Conn {
    /// Queues a frame; the serve loop flushes after each input or event, and
    /// streaming flushes each paced chunk, so a reply costs one write when it
    /// is not paced.
    async fn send(&mut self, msg: &ServerMsg) -> Flow {
        feed(&mut self.out, msg).await
    }

    async fn flush(&mut self) -> Flow {
        match self.out.flush().await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Close,
        }
    }

    async fn error(&mut self, code: Code, message: String) -> Flow {
        self.state.metrics.error(code);
        let msg = ServerMsg::Error { code, message };
        self.send(&msg).await
    }

    async fn frame_error(&mut self, e: FrameError) -> Flow {
        self.error(e.code(), e.to_string()).await
    }

    async fn chat_error(&mut self, e: ChatError) -> Flow {
        if matches!(e, ChatError::Store(_) | ChatError::Search(_)) {
            tracing::error!(error = %e, "chat request failed");
        }
        self.error(e.code(), e.to_string()).await
    }

    async fn frame(&mut self, m: Message) -> Flow {
        let max = self.state.server.max_frame_bytes;
        match inbound::<ClientMsg>(m, max, &mut self.limiter, &CHAT_TYPES) {
            Inbound::Msg(msg) => self.handle(msg).await,
            Inbound::Invalid(e) => self.frame_error(e).await,
            Inbound::Close => Flow::Close,
            Inbound::Ignore => Flow::Continue,
        }
    }

    async fn handle(&mut self, msg: ClientMsg) -> Flow {
        match msg {
            ClientMsg::Ping => self.send(&ServerMsg::Pong).await,
            ClientMsg::Hello { visitor_token } => self.hello(visitor_token).await,
            other => match self.session.take() {
                None => self.frame_error(FrameError::HelloRequired).await,
                Some(mut s) => {
                    let flow = self.in_session(&mut s, other).await;
                    self.session = Some(s);
                    flow
                }
            },
        }
    }

    async fn hello(&mut self, token: Option<String>) -> Flow {
        if self.session.is_some() {
            let e = FrameError::Invalid("会话已建立，无需重复发送 hello".into());
            return self.frame_error(e).await;
        }
        let opened = match self.state.engine.open_web(token).await {
            Ok(o) => o,
            Err(e) => return self.chat_error(e).await,
        };
        tracing::Span::current().record("session", opened.session.id.as_str());
        if let Some(e) = opened.rejected
            && let Flow::Close = self.chat_error(e).await
        {
            return Flow::Close;
        }
        self.events = Some(self.state.engine.hub().attach_visitor(&opened.session.id));
        let welcome = ServerMsg::Welcome {
            session_id: opened.session.id.to_string(),
            visitor_token: opened.token.as_str().to_owned(),
            resumed: !opened.history.is_empty(),
            greeting: self.state.engine.settings().greeting.clone(),
            hot_questions: convert::questions(&opened.hot),
            history: opened.history.iter().map(convert::history).collect(),
            handoff: opened.handoff.as_ref().and_then(convert::handoff_info),
            awaiting_rating: opened.awaiting_rating,
        };
        self.session = Some(opened.session);
        if let Flow::Close = self.send(&welcome).await {
            return Flow::Close;
        }
        for t in &opened.answered_tickets {
            if let Flow::Close = self.send(&convert::ticket_answer(t)).await {
                return Flow::Close;
            }
        }
        Flow::Continue
    }

    async fn ack(&mut self, reference: Option<String>, message_id: Option<i64>) -> Flow {
        let msg = ServerMsg::Ack { reference, message_id };
        self.send(&msg).await
    }

    async fn in_session(&mut self, s: &mut Session, msg: ClientMsg) -> Flow {
        let engine = std::sync::Arc::clone(&self.state.engine);
        match msg {
            ClientMsg::Ask { text, reference } => {
                let started = Instant::now();
                tracing::debug!(text = %mask_numbers(&text), "ask");
                self.state.metrics.message(Channel::Web);
                match engine.ask(s, &text).await {
                    Ok(a) => {
                        if let Flow::Close = self.ack(reference, Some(a.message_id)).await {
                            return Flow::Close;
                        }
                        self.reply(a.reply, started).await
                    }
                    Err(e) => self.chat_error(e).await,
                }
            }
            ClientMsg::Choose { entry_id } => match engine.choose(s, &entry_id).await {
                Ok(a) => {
                    if let Flow::Close = self.ack(None, Some(a.message_id)).await {
                        return Flow::Close;
                    }
                    self.reply(a.reply, Instant::now()).await
                }
                Err(e) => self.chat_error(e).await,
            },
            ClientMsg::Feedback { answer_id, helpful, comment } => {
                match engine.feedback(s, answer_id, helpful, comment).await {
                    Ok(offer) => {
                        if let Flow::Close = self.ack(None, None).await {
                            return Flow::Close;
                        }
                        if !offer {
                            return Flow::Continue;
                        }
                        let text = "看起来这些回答没能解决您的问题，需要为您转接人工客服吗？".into();
                        let reason = "unhelpful".into();
                        self.send(&ServerMsg::HumanOffer { reason, text }).await
                    }
                    Err(e) => self.chat_error(e).await,
                }
            }
            ClientMsg::RequestHuman => match engine.request_human(s).await {
                Ok(status) => self.send(&convert::handoff(&status)).await,
                Err(e) => self.chat_error(e).await,
            },
            ClientMsg::CancelHuman => match engine.cancel_human(s).await {
                Ok(()) => self.ack(None, None).await,
                Err(e) => self.chat_error(e).await,
            },
            ClientMsg::LeaveMessage { text, contact } => match engine.leave_message(s, &text, contact).await {
                Ok((message_id, ticket)) => {
                    if let Flow::Close = self.ack(None, Some(message_id)).await {
                        return Flow::Close;
                    }
                    let text = format!("留言已收到，编号 {}。客服答复后会在这里通知您。", ticket.id);
                    let ticket_id = ticket.id;
                    self.send(&ServerMsg::TicketCreated { ticket_id, text }).await
                }
                Err(e) => self.chat_error(e).await,
            },
            ClientMsg::Rate { stars, comment } => match engine.rate(s, stars, comment).await {
                Ok(()) => self.ack(None, None).await,
                Err(e) => self.chat_error(e).await,
            },
            ClientMsg::Hello { .. } | ClientMsg::Ping => Flow::Continue,
        }
    }

    async fn reply(&mut self, reply: Reply, started: Instant) -> Flow {
        let msg = match reply {
            Reply::Answer(a) => return self.stream(&a, started).await,
            Reply::Relayed => return Flow::Continue,
            Reply::Text { message_id, text } => ServerMsg::Text { message_id, text },
            Reply::Clarify { message_id, text, candidates } => {
                self.state.metrics.decision("clarify");
                ServerMsg::Clarify { message_id, text, candidates: convert::questions(&candidates) }
            }
            Reply::OutOfScope { message_id, text } => {
                self.state.metrics.decision("out_of_scope");
                ServerMsg::OutOfScope { message_id, text }
            }
            Reply::NoMatch { message_id, text } => {
                self.state.metrics.decision("no_match");
                ServerMsg::NoMatch { message_id, text, offer_human: true }
            }
            Reply::Handoff(status) => convert::handoff(&status),
        };
        self.send(&msg).await
    }

    /// Streams an answer: start, the chunks paced by `stream_delay_ms`, end.
    async fn stream(&mut self, a: &Answer, started: Instant) -> Flow {
        self.state.metrics.decision("answer");
        if let Flow::Close = self.send(&convert::answer_start(a)).await {
            return Flow::Close;
        }
        let delay = std::time::Duration::from_millis(self.state.engine.settings().stream_delay_ms);
        for (i, chunk) in a.chunks.iter().enumerate() {
            if i > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let delta = ServerMsg::AnswerDelta { answer_id: a.answer_id, text: chunk.clone() };
            if let Flow::Close = self.send(&delta).await {
                return Flow::Close;
            }
            if (i == 0 || !delay.is_zero()) && matches!(self.flush().await, Flow::Close) {
                return Flow::Close;
            }
            if i == 0 {
                self.state.metrics.first_delta(started.elapsed());
            }
        }
        self.send(&convert::answer_end(a)).await
    }
}
