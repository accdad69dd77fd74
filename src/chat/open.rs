//! Opening and resuming conversations: visitor tokens, API users, the
//! welcome's history, hot questions and pending 留言 answers.

use chrono::{Duration, Utc};

use super::engine::{Engine, Opened};
use super::reply::Suggestion;
use super::{ChatError, Session, SessionId, VisitorKey, VisitorToken};
use crate::store::{Conversation, ConversationState};

/// Days of answers counted for the hot questions.
const HOT_WINDOW_DAYS: i64 = 7;

/// How long the hot questions are reused before they are counted again:
/// counting scans a week of answers, far too much work for every `hello`.
const HOT_REFRESH: std::time::Duration = std::time::Duration::from_secs(60);

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
                let h = self.store.messages(&c.id, self.settings.history_messages).await?;
                (c, h)
            }
            None => (self.create_conversation(&key, "web").await?, Vec::new()),
        };
        let handoff = match self.hub.state_of(&conversation.id) {
            ConversationState::Bot => None,
            _ => Some(self.hub.current_status(&conversation.id)),
        };
        Ok(Opened {
            session: Session::new(conversation.id, key.clone(), Some(token.clone())),
            token,
            rejected,
            history,
            hot: self.hot_questions().await?,
            answered_tickets: self.hub.take_answered(&key).await?,
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
        self.open_keyed(VisitorKey::api(user_id)?, "http").await
    }

    /// The session of a user of a bridged channel (`key` built by the
    /// channel from its own user id): their latest conversation, or a new
    /// one tagged with `channel`.
    pub async fn open_keyed(&self, key: VisitorKey, channel: &str) -> Result<Session, ChatError> {
        self.store.touch_visitor(&key, Utc::now()).await?;
        let conversation = match self.store.latest_conversation(&key).await? {
            Some(c) => c,
            None => self.create_conversation(&key, channel).await?,
        };
        Ok(Session::new(conversation.id, key, None))
    }

    async fn create_conversation(&self, visitor: &VisitorKey, channel: &str) -> Result<Conversation, ChatError> {
        let c = Conversation {
            id: SessionId::generate(),
            visitor: visitor.clone(),
            channel: channel.to_owned(),
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

    /// Hot questions: the entries answered most this week, topped up with the
    /// first entries of the knowledge base; recounted every minute at most.
    pub async fn hot_questions(&self) -> Result<Vec<Suggestion>, ChatError> {
        let lock = || self.hot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, hot)) = lock().as_ref()
            && at.elapsed() < HOT_REFRESH
        {
            return Ok(hot.clone());
        }
        let hot = self.count_hot_questions().await?;
        *lock() = Some((std::time::Instant::now(), hot.clone()));
        Ok(hot)
    }

    async fn count_hot_questions(&self) -> Result<Vec<Suggestion>, ChatError> {
        let n = self.settings.hot_questions;
        let since = Utc::now() - Duration::days(HOT_WINDOW_DAYS);
        let ids = self.store.hot_entries(since, n as u32).await?;
        let snap = self.searcher.snapshot();
        let mut out: Vec<Suggestion> = ids
            .iter()
            .filter_map(|id| snap.entries.iter().find(|e| e.id.as_str() == id))
            .map(|e| Suggestion::of(e))
            .collect();
        for e in snap.entries.iter() {
            if out.len() >= n {
                break;
            }
            if !out.iter().any(|s| s.entry_id == e.id.as_str()) {
                out.push(Suggestion::of(e));
            }
        }
        Ok(out)
    }
}
