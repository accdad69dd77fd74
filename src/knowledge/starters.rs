//! The editors' starter questions: the entries a new visitor is offered as
//! 热门问题 before enough visitors asked anything (a fresh install, a quiet
//! week). Chosen in the console and stored; the configured
//! `chat.starter_questions` apply while editors have chosen none.

use serde::Serialize;

use super::{Knowledge, KnowledgeError, Result};

/// Most starter questions: a welcome shows `chat.hot_questions` (5) chips, and
/// a longer list is only a reserve for entries that expire.
pub const MAX_STARTERS: usize = 10;

/// One starter question as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Starter {
    /// Entry id.
    pub id: String,
    /// The entry's question; empty when the entry no longer exists.
    pub question: String,
    /// Whether the entry is gone or expired (then it is skipped in welcomes).
    pub unavailable: bool,
}

/// The starter questions in effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Starters {
    /// In order.
    pub entries: Vec<Starter>,
    /// True while editors have chosen none and the configured list applies.
    pub from_config: bool,
    /// [`MAX_STARTERS`].
    pub max: usize,
}

impl Knowledge {
    /// The configured starter questions, used while editors have chosen none.
    pub fn with_default_starters(mut self, ids: Vec<String>) -> Self {
        self.default_starters = ids;
        self
    }

    /// The starter questions in effect, with their questions from the live base.
    pub async fn starters(&self) -> Result<Starters> {
        let chosen = self.store.starter_questions().await?;
        let from_config = chosen.is_empty();
        let ids = if from_config { self.default_starters.clone() } else { chosen };
        let snap = self.searcher.snapshot();
        let today = chrono::Utc::now().date_naive();
        let entries = ids
            .into_iter()
            .map(|id| match snap.entry(&id) {
                Some(e) => Starter { question: e.question.clone(), unavailable: e.expired_on(today), id },
                None => Starter { id, question: String::new(), unavailable: true },
            })
            .collect();
        Ok(Starters { entries, from_config, max: MAX_STARTERS })
    }

    /// Replaces the editors' starter questions (empty: back to the configured
    /// list). Every id must be a published, unexpired entry, each once, at
    /// most [`MAX_STARTERS`].
    pub async fn set_starters(&self, ids: &[String]) -> Result<Starters> {
        if ids.len() > MAX_STARTERS {
            return Err(KnowledgeError::Invalid(format!("推荐问题最多 {MAX_STARTERS} 条，当前 {} 条", ids.len())));
        }
        let snap = self.searcher.snapshot();
        let today = chrono::Utc::now().date_naive();
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                return Err(KnowledgeError::Invalid(format!("条目 {id} 重复，每条只能选一次")));
            }
            match snap.entry(id) {
                None => return Err(KnowledgeError::NoEntry(id.chars().take(40).collect())),
                Some(e) if e.expired_on(today) => {
                    return Err(KnowledgeError::Invalid(format!("条目 {id} 已失效，不能作为推荐问题")));
                }
                Some(_) => {}
            }
        }
        self.store.set_starter_questions(ids).await?;
        self.starters().await
    }
}
