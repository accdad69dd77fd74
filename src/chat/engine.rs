//! The [`Engine`]: opens and resumes conversations and answers messages.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;

use super::intent::{self, Intent};
use super::question_log;
use super::reply::{self, Answer, Reply, Suggestion};
use super::{ChatError, Session, Settings};
use crate::handoff::{HandoffStatus, Hub};
use crate::ids::VisitorToken;
use crate::kb::Entry;
use crate::search::{Decision, Outcome, Searcher, Turn};
use crate::store::{
    ConversationState, Feedback, Message, NewMessage, OFFERED_SEPARATOR, Sender, Store, StoreError, Ticket,
};

/// Related questions shown under a direct answer: enough to go on, few
/// enough for a phone screen.
const RELATED_QUESTIONS: usize = 3;

/// The conversation engine shared by every channel.
pub struct Engine {
    pub(super) searcher: Arc<Searcher>,
    pub(super) store: Arc<dyn Store>,
    pub(super) hub: Arc<Hub>,
    permits: Arc<Semaphore>,
    pub(super) settings: Settings,
    /// The entry ids of the hot questions, most asked first, replaced by the
    /// analytics task (`analytics::Analytics`); read without waiting.
    pub(super) hot: arc_swap::ArcSwap<Vec<String>>,
    /// Checks the host sites' signed visitor identities.
    pub(super) identity: super::Verifier,
    /// The editors' starter questions as last read from the store, and when
    /// (see `open::STARTERS_TTL`). A `std` mutex: held only to copy the `Arc`,
    /// never across the store read.
    pub(super) starters: std::sync::Mutex<Option<(Instant, Arc<Vec<String>>)>>,
}

/// A conversation opened or resumed by a web visitor.
#[derive(Debug)]
pub struct Opened {
    /// The live session.
    pub session: Session,
    /// The token to keep for next time.
    pub token: VisitorToken,
    /// Why a presented token was not honoured (a new conversation was started).
    pub rejected: Option<ChatError>,
    /// Earlier messages of a resumed conversation, oldest first.
    pub history: Vec<Message>,
    /// The entries (from the current base) the answers in `history` came
    /// from, so their sources and dates are shown again.
    pub history_entries: std::collections::HashMap<String, std::sync::Arc<crate::kb::Entry>>,
    /// The visitor's vote on answers in `history` (answer id → helpful).
    pub votes: std::collections::HashMap<i64, bool>,
    /// Hot questions to offer.
    pub hot: Vec<Suggestion>,
    /// 留言 answers the visitor has not seen yet.
    pub answered_tickets: Vec<Ticket>,
    /// Queue or agent status when the conversation is with the handoff.
    pub handoff: Option<HandoffStatus>,
    /// The last human conversation awaits a rating.
    pub awaiting_rating: bool,
}

/// A stored taxpayer message and the engine's reply.
#[derive(Debug)]
pub struct Asked {
    /// The stored taxpayer message.
    pub message_id: i64,
    /// What to send back.
    pub reply: Reply,
}

impl Engine {
    /// Builds the engine.
    pub fn new(searcher: Arc<Searcher>, store: Arc<dyn Store>, hub: Arc<Hub>, settings: Settings) -> Self {
        Engine {
            permits: Arc::new(Semaphore::new(settings.match_concurrency.max(1))),
            searcher,
            store,
            hub,
            settings,
            hot: arc_swap::ArcSwap::from_pointee(Vec::new()),
            identity: super::Verifier::default(),
            starters: std::sync::Mutex::new(None),
        }
    }

    /// The engine with host sites' identities checked by `verifier`
    /// (without it every presented identity is 未验证).
    pub fn with_identity(mut self, verifier: super::Verifier) -> Self {
        self.identity = verifier;
        self
    }

    /// The settings (channels read the streaming pace).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The handoff hub.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    fn check_text<'a>(&self, text: &'a str) -> Result<&'a str, ChatError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ChatError::EmptyText);
        }
        if text.chars().all(invisible) {
            return Err(ChatError::NoVisibleText);
        }
        if text.chars().count() > self.settings.max_message_chars {
            return Err(ChatError::TooLong(self.settings.max_message_chars));
        }
        Ok(text)
    }

    async fn store_visitor_message(&self, s: &Session, text: &str) -> Result<i64, ChatError> {
        let m = NewMessage::plain(&s.id, Sender::Visitor, text);
        Ok(self.store.append_message(&m).await?)
    }

    /// Stores the taxpayer's message and the bot's reply in one write: the
    /// message is still stored before it is acknowledged (the ack follows the
    /// reply), and a question costs one database round trip instead of two.
    async fn store_exchange(&self, question: NewMessage, reply: NewMessage) -> Result<(i64, i64), ChatError> {
        let ids = self.store.append_messages(&[question, reply]).await?;
        match ids[..] {
            [q, r] => Ok((q, r)),
            _ => Err(ChatError::Store(crate::store::StoreError::Backend("写入消息数量不符".into()))),
        }
    }

    /// Handles a taxpayer message: stores it, then relays it to the agent,
    /// answers small talk, hands off, or matches it (one log line per question).
    pub async fn ask(&self, s: &mut Session, text: &str) -> Result<Asked, ChatError> {
        let started = Instant::now();
        let result = self.handle_ask(s, text).await;
        question_log::log(s, text, &result, started.elapsed());
        result
    }

    async fn handle_ask(&self, s: &mut Session, text: &str) -> Result<Asked, ChatError> {
        let text = self.check_text(text)?;
        let question = NewMessage::plain(&s.id, Sender::Visitor, text);
        if self.hub.state_of(&s.id) == ConversationState::Human {
            let message_id = self.store.append_message(&question).await?;
            self.hub.relay_from_visitor(&s.id, message_id, text).await;
            return Ok(Asked { message_id, reply: Reply::Relayed });
        }
        match intent::detect(text) {
            Some(Intent::Human) => {
                let message_id = self.store.append_message(&question).await?;
                let reply = Reply::Handoff(self.hub.request(&s.id).await?);
                Ok(Asked { message_id, reply })
            }
            Some(i) => {
                if i == Intent::Reset {
                    s.previous = None;
                    s.offered.clear();
                }
                let text = intent::small_talk_reply(i);
                let bot = NewMessage::plain(&s.id, Sender::Bot, text);
                let (message_id, reply_id) = self.store_exchange(question, bot).await?;
                let reply = Reply::Text { message_id: reply_id, text: text.to_owned() };
                Ok(Asked { message_id, reply })
            }
            None => match self.run_matcher(s, text).await {
                Ok(outcome) => self.answer_outcome(s, question, outcome).await,
                Err(e) => {
                    self.store.append_message(&question).await?;
                    Err(e)
                }
            },
        }
    }

    /// Matches on the blocking pool, at most `match_concurrency` at once.
    async fn run_matcher(&self, s: &Session, text: &str) -> Result<Outcome, ChatError> {
        let permit = Arc::clone(&self.permits).acquire_owned().await.map_err(|e| ChatError::Search(e.to_string()))?;
        let searcher = Arc::clone(&self.searcher);
        let previous = s.previous.clone();
        let question = text.to_owned();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            searcher.ask_after(&question, previous.as_ref())
        })
        .await
        .map_err(|e| ChatError::Search(e.to_string()))?
        .map_err(|e| ChatError::Search(e.to_string()))
    }

    async fn answer_outcome(
        &self,
        s: &mut Session,
        question: NewMessage,
        outcome: Outcome,
    ) -> Result<Asked, ChatError> {
        s.previous = Some(outcome.turn.clone());
        let (text, decision) = match outcome.decision {
            Decision::Answer { entry, confidence } => {
                s.offered.clear();
                let related = self.related(&entry, &outcome.ranked);
                return self.store_answer(question, entry, Some(confidence.get()), related).await;
            }
            Decision::Clarify { candidates } => {
                let candidates: Vec<Suggestion> = candidates.iter().map(|c| Suggestion::of(&c.entry)).collect();
                s.offered = candidates.iter().map(|c| c.entry_id.clone()).collect();
                ("您是不是想问以下问题？请点选：".to_owned(), Ok(candidates))
            }
            Decision::NoMatch { .. } => {
                s.offered.clear();
                let text = "抱歉，暂时没有找到可靠的答案。您可以换个说法再问，或转人工客服。";
                (text.to_owned(), Err(false))
            }
            Decision::OutOfScope { service } => {
                s.offered.clear();
                (reply::out_of_scope_text(service), Err(true))
            }
        };
        let mut bot = NewMessage::plain(&s.id, Sender::Bot, &text);
        if let Ok(offered) = &decision {
            let ids: Vec<&str> = offered.iter().map(|c| c.entry_id.as_str()).collect();
            bot.entry_id = Some(ids.join(&OFFERED_SEPARATOR.to_string()));
        }
        bot.decision = Some(match decision {
            Ok(_) => "clarify",
            Err(false) => "no_match",
            Err(true) => "out_of_scope",
        });
        let (message_id, reply_id) = self.store_exchange(question, bot).await?;
        let reply = match decision {
            Ok(candidates) => Reply::Clarify { message_id: reply_id, text, candidates },
            Err(false) => Reply::NoMatch { message_id: reply_id, text },
            Err(true) => Reply::OutOfScope { message_id: reply_id, text },
        };
        Ok(Asked { message_id, reply })
    }

    /// "您可能还想问" under an answer: linked, runner-up and nearest entries.
    fn related(&self, entry: &Entry, ranked: &[crate::search::Candidate]) -> Vec<Suggestion> {
        self.searcher.related(entry, ranked, RELATED_QUESTIONS).iter().map(|e| Suggestion::of(e)).collect()
    }

    async fn store_answer(
        &self,
        question: NewMessage,
        entry: Arc<Entry>,
        confidence: Option<f32>,
        related: Vec<Suggestion>,
    ) -> Result<Asked, ChatError> {
        if entry.expired_on(crate::kb::today_in_china()) {
            return self.store_expired(question, &entry).await;
        }
        let mut m = NewMessage::plain(&question.conversation_id, Sender::Bot, &entry.answer);
        m.decision = Some("answer");
        m.entry_id = Some(entry.id.to_string());
        m.confidence = confidence;
        let (message_id, answer_id) = self.store_exchange(question, m).await?;
        let answer = Answer {
            answer_id,
            chunks: reply::chunks(&entry.answer, self.settings.chunk_chars),
            confidence: confidence.unwrap_or(1.0),
            entry,
            related,
        };
        Ok(Asked { message_id, reply: Reply::Answer(answer) })
    }

    /// An entry past its `effective_until` is never served as a current answer:
    /// the bot names the document and the end date and offers a human instead.
    async fn store_expired(&self, question: NewMessage, entry: &Entry) -> Result<Asked, ChatError> {
        let text = reply::expired_text(entry);
        let mut m = NewMessage::plain(&question.conversation_id, Sender::Bot, &text);
        m.decision = Some("expired");
        m.entry_id = Some(entry.id.to_string());
        let (message_id, reply_id) = self.store_exchange(question, m).await?;
        Ok(Asked { message_id, reply: Reply::NoMatch { message_id: reply_id, text } })
    }

    /// Opens entry `entry_id` from a deep link or a printed QR code (二维码一次性告知):
    /// its answer with its citation as if the taxpayer had asked its question;
    /// an expired entry names the ended document and offers a human, as asked
    /// questions do. A scan (`scanned`) is counted for the analytics. An id that
    /// is not (or no longer) in the base gets a polite reply, not an error.
    pub async fn open_entry(&self, s: &mut Session, entry_id: &str, scanned: bool) -> Result<Asked, ChatError> {
        let started = Instant::now();
        let result = self.handle_open_entry(s, entry_id, scanned).await;
        question_log::log(s, &format!("打开链接 {entry_id}"), &result, started.elapsed());
        result
    }

    async fn handle_open_entry(&self, s: &mut Session, entry_id: &str, scanned: bool) -> Result<Asked, ChatError> {
        let snap = self.searcher.snapshot();
        let found = snap.entry(entry_id).cloned();
        let Some(entry) = found else {
            let shown: String = entry_id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(32).collect();
            let question = NewMessage::plain(&s.id, Sender::Visitor, &format!("（扫码或链接打开问题 {shown}）"));
            let mut bot = NewMessage::plain(&s.id, Sender::Bot, reply::UNKNOWN_LINK);
            bot.decision = Some("no_match");
            let (message_id, reply_id) = self.store_exchange(question, bot).await?;
            return Ok(Asked {
                message_id,
                reply: Reply::NoMatch { message_id: reply_id, text: reply::UNKNOWN_LINK.into() },
            });
        };
        if scanned {
            self.store.record_scan(entry.id.as_str(), chrono::Utc::now()).await?;
        }
        self.answer_picked(s, entry).await
    }

    /// Answers with `entry` as if its question had been asked: a picked
    /// clarification or an opened link. It becomes the follow-up context.
    async fn answer_picked(&self, s: &mut Session, entry: Arc<Entry>) -> Result<Asked, ChatError> {
        s.offered.clear();
        s.previous = Some(Turn {
            terms: s.previous.take().map(|t| t.terms).unwrap_or_default(),
            entry: Some(entry.id.clone()),
            area: Some(entry.category.clone()),
        });
        let question = NewMessage::plain(&s.id, Sender::Visitor, &entry.question);
        let related = self.related(&entry, &[]);
        self.store_answer(question, entry, None, related).await
    }

    /// Answers with an entry the taxpayer picked from a clarification (logged like a question).
    pub async fn choose(&self, s: &mut Session, entry_id: &str) -> Result<Asked, ChatError> {
        let started = Instant::now();
        let result = self.handle_choose(s, entry_id).await;
        question_log::log(s, &format!("选择 {entry_id}"), &result, started.elapsed());
        result
    }

    async fn handle_choose(&self, s: &mut Session, entry_id: &str) -> Result<Asked, ChatError> {
        if !s.offered.iter().any(|id| id == entry_id) {
            return Err(ChatError::UnknownChoice);
        }
        let snap = self.searcher.snapshot();
        let entry = snap.entry(entry_id).cloned().ok_or(ChatError::UnknownChoice)?;
        self.answer_picked(s, entry).await
    }

    /// Stores a vote on an answer; returns whether to offer a human now
    /// (after `unhelpful_before_human` unhelpful answers in a row).
    pub async fn feedback(
        &self,
        s: &mut Session,
        answer_id: i64,
        helpful: bool,
        comment: Option<String>,
    ) -> Result<bool, ChatError> {
        let m = match self.store.message(answer_id).await {
            Err(StoreError::NotFound) => return Err(ChatError::UnknownAnswer),
            other => other?,
        };
        if m.body.conversation_id != s.id || m.decision.as_deref() != Some("answer") {
            return Err(ChatError::UnknownAnswer);
        }
        let f = Feedback { message_id: answer_id, conversation_id: s.id.clone(), helpful, comment };
        self.store.add_feedback(&f).await?;
        if helpful {
            s.unhelpful = 0;
            return Ok(false);
        }
        s.unhelpful += 1;
        let offer = s.unhelpful >= self.settings.unhelpful_before_human.max(1);
        if offer {
            s.unhelpful = 0;
        }
        Ok(offer)
    }

    /// Asks for a human agent.
    pub async fn request_human(&self, s: &Session) -> Result<HandoffStatus, ChatError> {
        Ok(self.hub.request(&s.id).await?)
    }

    /// Leaves the human queue.
    pub async fn cancel_human(&self, s: &Session) -> Result<(), ChatError> {
        Ok(self.hub.cancel(&s.id).await?)
    }

    /// Leaves a message for the agents (留言): stored as a message and a ticket.
    pub async fn leave_message(
        &self,
        s: &Session,
        text: &str,
        contact: Option<String>,
    ) -> Result<(i64, Ticket), ChatError> {
        let text = self.check_text(text)?;
        let message_id = self.store_visitor_message(s, text).await?;
        let ticket = self.hub.leave_message(&s.id, &s.visitor, text, contact).await?;
        Ok((message_id, ticket))
    }

    /// Confirms the visitor was shown the answer of their 留言 `ticket`.
    pub async fn ack_ticket(&self, s: &Session, ticket: i64) -> Result<(), ChatError> {
        Ok(self.hub.ack_ticket(&s.visitor, ticket).await?)
    }

    /// Rates the human conversation just closed.
    pub async fn rate(&self, s: &Session, stars: u8, comment: Option<String>) -> Result<(), ChatError> {
        if !(1..=5).contains(&stars) {
            return Err(ChatError::InvalidRating);
        }
        Ok(self.hub.rate(&s.id, stars, comment).await?)
    }
}
/// Control characters, zero-width and other format characters, and spaces:
/// nothing a person can read.
fn invisible(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}
