//! Opening and resuming conversations: visitor tokens, API users, the
//! welcome's history, hot questions and pending 留言 answers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};

use super::engine::{Engine, Opened};
use super::reply::Suggestion;
use super::{ChatError, Session};
use crate::ids::{Channel, SessionId, VisitorKey, VisitorToken};
use crate::kb::Entry;
use crate::search::Snapshot;
use crate::store::{Conversation, ConversationState, Message, Sender};

/// How long a node keeps the editors' starter questions before reading them
/// again: a list saved on any node reaches every node's welcomes within this,
/// for one small read per node per period.
pub(super) const STARTERS_TTL: std::time::Duration = std::time::Duration::from_secs(3);

impl Engine {
    /// Opens a web conversation, resuming the visitor's latest one when the
    /// token is known and fresh.
    pub async fn open_web(&self, token: Option<String>) -> Result<Opened, ChatError> {
        let now = Utc::now();
        let (token, rejected) = self.check_token(token).await?;
        let key = VisitorKey::web(&token);
        self.store.touch_visitor(&key, now).await?;
        let existing = match rejected {
            None => self.store.latest_conversation(&key).await?,
            Some(_) => None,
        };
        let (conversation, history) = match existing {
            Some(c) => {
                let mut h = self.store.messages(&c.id, self.settings.history_messages).await?;
                // Notes are for agents only.
                h.retain(|m| m.body.sender != Sender::Note);
                (c, h)
            }
            None => (self.create_conversation(&key, Channel::Web).await?, Vec::new()),
        };
        let votes = match history.is_empty() {
            true => Default::default(),
            false => self.store.votes(&conversation.id).await?.into_iter().collect(),
        };
        let history_entries = self.entries_named(&history);
        let handoff = match self.hub.state_of(&conversation.id) {
            ConversationState::Bot => None,
            _ => Some(self.hub.current_status(&conversation.id)),
        };
        let mut session = Session::new(conversation.id, key.clone(), Some(token.clone()), Channel::Web);
        // A clarification that is the bot's last word can still be answered
        // with `choose` after a reload.
        if let Some(last) = history.iter().rev().find(|m| m.body.sender == Sender::Bot)
            && last.decision.as_deref() == Some("clarify")
        {
            session.offered = last.body.entry_ids().map(str::to_owned).collect();
        }
        Ok(Opened {
            session,
            token,
            rejected,
            history,
            history_entries,
            votes,
            hot: self.hot_questions().await,
            answered_tickets: self.hub.unacknowledged_answers(&key).await?,
            handoff,
            awaiting_rating: conversation.awaiting_rating,
        })
    }

    async fn check_token(&self, token: Option<String>) -> Result<(VisitorToken, Option<ChatError>), ChatError> {
        let Some(raw) = token else {
            return Ok((VisitorToken::generate(), None));
        };
        let Ok(token) = VisitorToken::try_from(raw) else {
            return Ok((VisitorToken::generate(), Some(ChatError::UnknownVisitor)));
        };
        let ttl = Duration::days(i64::from(self.settings.visitor_ttl_days));
        match self.store.visitor_last_seen(&VisitorKey::web(&token)).await? {
            None => Ok((VisitorToken::generate(), Some(ChatError::UnknownVisitor))),
            Some(seen) if Utc::now() - seen > ttl => Ok((VisitorToken::generate(), Some(ChatError::ExpiredVisitor))),
            Some(_) => Ok((token, None)),
        }
    }

    /// The session of an HTTP API user: their latest conversation, or a new one.
    pub async fn open_api(&self, user_id: &str) -> Result<Session, ChatError> {
        self.open_keyed(VisitorKey::api(user_id)?, Channel::Http).await
    }

    /// The session of a user of a bridged channel (`key` built by the
    /// channel from its own user id): their latest conversation, or a new
    /// one tagged with `channel`.
    pub async fn open_keyed(&self, key: VisitorKey, channel: Channel) -> Result<Session, ChatError> {
        self.store.touch_visitor(&key, Utc::now()).await?;
        let conversation = match self.store.latest_conversation(&key).await? {
            Some(c) => c,
            None => self.create_conversation(&key, channel).await?,
        };
        Ok(Session::new(conversation.id, key, None, channel))
    }

    async fn create_conversation(&self, visitor: &VisitorKey, channel: Channel) -> Result<Conversation, ChatError> {
        let c = Conversation {
            id: SessionId::generate(),
            visitor: visitor.clone(),
            channel: channel.as_str().to_owned(),
            state: ConversationState::Bot,
            agent_id: None,
            served_by: None,
            awaiting_rating: false,
            resolution: None,
            created_at: Utc::now(),
        };
        self.store.create_conversation(&c).await?;
        Ok(c)
    }

    /// Hot questions: the entries the analytics counted most asked this
    /// week (by enough different visitors), topped up with the starter
    /// questions (the editors' list, else `chat.starter_questions`); expired
    /// entries are skipped. A greeting never waits for counting: the hot list
    /// is cached, the starters are read at most every [`STARTERS_TTL`].
    pub async fn hot_questions(&self) -> Vec<Suggestion> {
        let starters = self.starter_ids().await;
        let n = self.settings.hot_questions;
        let snap = self.searcher.snapshot();
        let ids = self.hot.load();
        let mut out: Vec<Suggestion> = Vec::with_capacity(n);
        let today = chrono::Utc::now().date_naive();
        for id in ids.iter().chain(starters.iter()) {
            if out.len() >= n {
                break;
            }
            let Some(e) = snap.entry(id).filter(|e| !e.expired_on(today)) else {
                continue;
            };
            if !out.iter().any(|s| s.entry_id == e.id.as_str()) {
                out.push(Suggestion::of(e));
            }
        }
        out
    }

    /// The starter questions' entry ids: the editors' list from the store
    /// (cached for [`STARTERS_TTL`]), or the configured one when editors
    /// chose none or the store cannot be read.
    async fn starter_ids(&self) -> Arc<Vec<String>> {
        if let Some((at, ids)) = self.starters.lock().unwrap_or_else(|p| p.into_inner()).as_ref()
            && at.elapsed() < STARTERS_TTL
        {
            return Arc::clone(ids);
        }
        let ids = match self.store.starter_questions().await {
            Ok(ids) if !ids.is_empty() => Arc::new(ids),
            Ok(_) => Arc::new(self.settings.starter_questions.clone()),
            Err(e) => {
                tracing::warn!(error = %e, "starter questions unreadable; using chat.starter_questions");
                Arc::new(self.settings.starter_questions.clone())
            }
        };
        *self.starters.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), Arc::clone(&ids)));
        ids
    }

    /// Replaces the hot questions' entry ids (most asked first).
    pub fn set_hot(&self, ids: Vec<String>) {
        self.hot.store(std::sync::Arc::new(ids));
    }

    /// [`transcript_entries`] in the current base.
    pub fn entries_named(&self, messages: &[Message]) -> HashMap<String, Arc<Entry>> {
        transcript_entries(&self.searcher.snapshot(), messages)
    }
}

/// The entries `messages` name (answered, or offered by a clarification)
/// that are still in `snap`, by id: a replayed transcript shows their
/// questions and citations (to the taxpayer, to agents and in the console's
/// history).
pub fn transcript_entries(snap: &Snapshot, messages: &[Message]) -> HashMap<String, Arc<Entry>> {
    snap.entries_named(messages.iter().flat_map(|m| m.body.entry_ids()))
}
