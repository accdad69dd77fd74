//! Versioned knowledge: every version of every FAQ entry and word list.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Result;
use crate::ids::{KnowledgeKind, VersionState};

/// One stored version of an entry or a word list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnowledgeVersion {
    /// An entry or one of the word lists.
    pub kind: KnowledgeKind,
    /// The entry id, or `-` for a word list.
    pub key: String,
    /// 1, 2, ... per `(kind, key)`.
    pub version: i64,
    /// An entry as JSON of `kb::Entry`; a word list as its file text.
    pub content: String,
    /// Draft, published, superseded or discarded.
    pub state: VersionState,
    /// Who wrote it (`system` for the shipped base, `cli` for command-line imports).
    pub author: String,
    /// When written.
    pub created_at: DateTime<Utc>,
    /// Who approved it (review policy).
    pub reviewed_by: Option<String>,
    /// A short description of the change.
    pub summary: String,
}

/// A version to publish at once.
#[derive(Debug, Clone, PartialEq)]
pub struct NewKnowledge {
    /// An entry or one of the word lists.
    pub kind: KnowledgeKind,
    /// The entry id, or `-`.
    pub key: String,
    /// The content.
    pub content: String,
    /// A short description of the change.
    pub summary: String,
}

/// Persistence of knowledge versions.
#[async_trait]
pub trait KnowledgeStore: Send + Sync {
    /// Every current row: the published version and the draft of each key.
    async fn knowledge_current(&self) -> Result<Vec<KnowledgeVersion>>;
    /// Whether any entry has been published.
    async fn knowledge_has_entries(&self) -> Result<bool>;
    /// Every version of one key, newest first.
    async fn knowledge_versions(&self, kind: KnowledgeKind, key: &str) -> Result<Vec<KnowledgeVersion>>;
    /// One version; `NotFound` when missing.
    async fn knowledge_version(&self, kind: KnowledgeKind, key: &str, version: i64) -> Result<KnowledgeVersion>;
    /// Saves the draft of a key (overwriting the current draft); returns its version.
    async fn knowledge_save_draft(&self, item: &NewKnowledge, author: &str) -> Result<i64>;
    /// Drops the draft of a key; `NotFound` when there is none.
    async fn knowledge_discard_draft(&self, kind: KnowledgeKind, key: &str) -> Result<()>;
    /// Publishes `item`, the content of draft `draft_version` that the caller built and
    /// checked, in one transaction (the published version before is superseded); returns
    /// the published version. When the draft is still that content it becomes the
    /// published version; when an editor saved a newer draft meanwhile (or discarded it),
    /// `item` is published as a new version and the newer draft stays a draft, so what is
    /// stored as published is always what the caller built.
    async fn knowledge_publish_draft(
        &self,
        item: &NewKnowledge,
        draft_version: i64,
        author: &str,
        reviewed_by: &str,
    ) -> Result<i64>;
    /// Publishes new versions in one transaction (superseding the published ones; drafts stay);
    /// returns their version numbers.
    async fn knowledge_publish(&self, items: &[NewKnowledge], author: &str) -> Result<Vec<i64>>;
    /// The editors' starter questions (entry ids, in order); empty when
    /// none were set (the configured `chat.starter_questions` apply).
    async fn starter_questions(&self) -> Result<Vec<String>>;
    /// Replaces the starter questions in one transaction (empty = back to
    /// the configured list).
    async fn set_starter_questions(&self, entry_ids: &[String]) -> Result<()>;
}
