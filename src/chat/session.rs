//! A live conversation: its ids and what the next turn needs to know.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::search::Turn;

use crate::ids::{Channel, SessionId, VisitorKey, VisitorToken};

/// Per-connection conversation state. The messages themselves are in the store.
#[derive(Debug, Clone)]
pub struct Session {
    /// The conversation id.
    pub id: SessionId,
    /// Whose conversation it is.
    pub visitor: VisitorKey,
    /// The web visitor's token (none for API users).
    pub token: Option<VisitorToken>,
    /// The channel this connection speaks on (for logs and metrics).
    pub channel: Channel,
    /// The previous matched turn, for follow-up questions.
    pub(crate) previous: Option<Turn>,
    /// Entries offered in the last clarification (valid `choose` targets).
    pub(crate) offered: Vec<String>,
    /// Consecutive answers marked unhelpful.
    pub(crate) unhelpful: u32,
}

impl Session {
    pub(crate) fn new(id: SessionId, visitor: VisitorKey, token: Option<VisitorToken>, channel: Channel) -> Self {
        Session { id, visitor, token, channel, previous: None, offered: Vec::new(), unhelpful: 0 }
    }
}

/// A use counter and the sessions with the count of their last use.
type Lru = (u64, HashMap<VisitorKey, (u64, Session)>);

/// Sessions of HTTP API users, keyed by user id, so that follow-ups work
/// across requests. Bounded: past `capacity` the least recently used session
/// is forgotten (its conversation stays in the store and resumes on the next
/// request, without the follow-up context).
pub struct SessionCache {
    capacity: usize,
    /// A `std` mutex: held only to check a session out or in, never across `.await`.
    inner: Mutex<Lru>,
}

impl SessionCache {
    /// An empty cache holding at most `capacity` sessions.
    pub fn new(capacity: usize) -> Self {
        SessionCache { capacity: capacity.max(1), inner: Mutex::new((0, HashMap::new())) }
    }

    /// Takes the session out (so two requests of one user do not share it).
    pub fn take(&self, key: &VisitorKey) -> Option<Session> {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.1.remove(key).map(|(_, s)| s)
    }

    /// Puts a session back.
    pub fn put(&self, session: Session) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.0 += 1;
        let tick = g.0;
        if g.1.len() >= self.capacity && !g.1.contains_key(&session.visitor) {
            let oldest = g.1.iter().min_by_key(|(_, (t, _))| *t).map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                g.1.remove(&k);
            }
        }
        g.1.insert(session.visitor.clone(), (tick, session));
    }
}
