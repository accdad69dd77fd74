//! Knowledge in the store: versioned entries and word lists, drafts, review,
//! publishing live (the index is rebuilt on the side and swapped in), rollback,
//! trying questions against the drafts, and Excel import/export; on several
//! nodes, rebuilding when another node publishes (`follow`). See `docs/knowledge.md`.

mod base;
mod follow;
mod starters;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

pub use crate::config::admin::PublishPolicy;
pub use crate::ids::{KnowledgeKind, VersionState};
pub use base::{Current, Draft, LIST_KEY};
pub use starters::{MAX_STARTERS, Starter, Starters};

use crate::api_error::{Code, ErrorCode};
use crate::kb::{self, Entry, KnowledgeBase};
use crate::search::{Outcome, Searcher, Snapshot};
use crate::store::{NewKnowledge, Store, StoreError};

/// Why a knowledge change failed.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// The entry does not exist.
    #[error("条目 {0} 不存在")]
    NoEntry(String),
    /// There is no draft to publish or discard.
    #[error("条目 {0} 没有草稿")]
    NoDraft(String),
    /// The id is taken.
    #[error("编号 {0} 已存在")]
    Exists(String),
    /// The caller wrote the draft (review policy).
    #[error("审核制下不能发布自己写的草稿，请由另一位编辑审核发布")]
    OwnDraft,
    /// The content is invalid.
    #[error("{0}")]
    Invalid(String),
    /// The import is invalid.
    #[error("{0}")]
    Import(String),
    /// A stored version could not be read.
    #[error("知识库存储内容损坏：{0}")]
    Corrupt(String),
    /// The index could not be built.
    #[error("构建索引失败：{0}")]
    Index(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ErrorCode for KnowledgeError {
    fn code(&self) -> Code {
        match self {
            KnowledgeError::NoEntry(_) | KnowledgeError::NoDraft(_) => Code::NotFound,
            KnowledgeError::Exists(_) => Code::Conflict,
            KnowledgeError::OwnDraft => Code::OwnDraft,
            KnowledgeError::Invalid(_) => Code::InvalidEntry,
            KnowledgeError::Import(_) => Code::InvalidImport,
            KnowledgeError::Store(e) => e.code(),
            KnowledgeError::Corrupt(_) | KnowledgeError::Index(_) => Code::KnowledgeUnavailable,
        }
    }
}

/// Results of the knowledge service.
pub type Result<T> = std::result::Result<T, KnowledgeError>;

/// What an import changed (entries only; word lists get a new version when they differ).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// New entries.
    pub added: usize,
    /// Entries whose content differs.
    pub changed: usize,
    /// Entries equal to the published version.
    pub unchanged: usize,
}

/// One entry of an import preview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviewEntry {
    /// The entry id.
    pub id: String,
    /// Its question as imported.
    pub question: String,
    /// `added`, `changed` or `unchanged`.
    pub status: &'static str,
    /// What differs (`新建`, `修改：answer、similar`, `无变化`).
    pub summary: String,
}

/// What an import would change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportPreview {
    /// The counts the import would report.
    pub counts: ImportCounts,
    /// Every imported entry, in the workbook's order.
    pub entries: Vec<PreviewEntry>,
    /// Word lists (`synonyms`, `dictionary`…) that differ from the published ones.
    pub lists: Vec<&'static str>,
}

/// An imported entry that differs from the published one: the published version
/// (`None` when the entry is new) and the imported one.
pub type ImportChange<'a> = (Option<&'a Entry>, &'a Entry);

/// Compares imported entries with the published ones by id: what an import adds,
/// changes and leaves unchanged, and the entries to write. The one place that
/// decides it, for the store ([`Knowledge::import`]) and for a knowledge-base
/// directory (`taxbot kb import` without `--data-dir`).
pub fn import_changes<'a>(
    published: &'a BTreeMap<String, Entry>,
    incoming: &'a [Entry],
) -> (ImportCounts, Vec<ImportChange<'a>>) {
    let mut counts = ImportCounts::default();
    let mut changes = Vec::new();
    for e in incoming {
        match published.get(e.id.as_str()) {
            Some(old) if old == e => counts.unchanged += 1,
            old => {
                if old.is_some() {
                    counts.changed += 1;
                } else {
                    counts.added += 1;
                }
                changes.push((old, e));
            }
        }
    }
    (counts, changes)
}

/// Refuses an import whose entries, laid over the published base, would give
/// two entries the same question (the first problem is named).
fn refuse_duplicates(current: &Current, kb: &KnowledgeBase) -> Result<()> {
    match kb::duplicate_problems(&current.base_with(&kb.entries).entries).into_iter().next() {
        Some(first) => Err(KnowledgeError::Import(first)),
        None => Ok(()),
    }
}

/// The knowledge service: the versioned store plus the live matcher.
pub struct Knowledge {
    store: Arc<dyn Store>,
    searcher: Arc<Searcher>,
    policy: PublishPolicy,
    publishing: tokio::sync::Mutex<()>,
    /// `chat.starter_questions`: the starters while editors have chosen none.
    default_starters: Vec<String>,
}

impl Knowledge {
    /// The service over `store`, publishing into `searcher`.
    pub fn new(store: Arc<dyn Store>, searcher: Arc<Searcher>, policy: PublishPolicy) -> Self {
        Knowledge { store, searcher, policy, publishing: tokio::sync::Mutex::new(()), default_starters: Vec::new() }
    }

    /// The service with a matcher built from the store's published base.
    pub async fn from_store(
        store: Arc<dyn Store>,
        settings: crate::search::Settings,
        policy: PublishPolicy,
    ) -> Result<Knowledge> {
        let base = Current::from_rows(store.knowledge_current().await?)?.base_with([]);
        let searcher = Arc::new(Searcher::new(Self::build(base).await?, settings));
        Ok(Knowledge::new(store, searcher, policy))
    }

    /// The live matcher.
    pub fn searcher(&self) -> Arc<Searcher> {
        Arc::clone(&self.searcher)
    }

    /// The publish policy.
    pub fn policy(&self) -> PublishPolicy {
        self.policy
    }

    /// The current rows, parsed.
    pub async fn current(&self) -> Result<Current> {
        Current::from_rows(self.store.knowledge_current().await?)
    }

    /// The published base (what the bot answers from).
    pub async fn published_base(&self) -> Result<KnowledgeBase> {
        Ok(self.current().await?.base_with([]))
    }

    /// Imports the knowledge base in `dir` (the embedded base when `dir` is the default
    /// `knowledge-base` and there is none: [`kb::Origin::for_dir`]) as version 1 by `system`
    /// when the store has no entry yet.
    pub async fn import_if_empty(store: &dyn Store, dir: &Path) -> Result<bool> {
        if store.knowledge_has_entries().await? {
            return Ok(false);
        }
        let source = kb::Origin::for_dir(dir);
        let kb = tokio::task::spawn_blocking(move || kb::load_from(&source).map_err(|e| e.to_string()))
            .await
            .map_err(|e| KnowledgeError::Import(e.to_string()))?
            .map_err(KnowledgeError::Import)?;
        let mut rows =
            kb.entries.iter().map(|e| base::entry_row(e, "导入随附知识库".into())).collect::<Result<Vec<_>>>()?;
        rows.extend(base::list_rows(&kb.lexicon, "导入随附知识库"));
        store.knowledge_publish(&rows, "system").await?;
        Ok(true)
    }

    /// Builds a snapshot of `kb` off the runtime.
    pub async fn build(kb: KnowledgeBase) -> Result<Snapshot> {
        tokio::task::spawn_blocking(move || Snapshot::from_kb(&kb).map_err(|e| e.to_string()))
            .await
            .map_err(|e| KnowledgeError::Index(e.to_string()))?
            .map_err(KnowledgeError::Index)
    }

    /// Checks `entry` as a file would be checked, and against the other entries of `current`.
    fn validate(current: &Current, entry: &Entry) -> Result<()> {
        kb::parse_entry(&kb::entry_file(entry)).map_err(|problems| {
            KnowledgeError::Invalid(problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join("；"))
        })?;
        let all: Vec<Entry> = current.base_with([entry]).entries;
        let dup = kb::duplicate_problems(&all);
        if let Some(first) = dup.into_iter().find(|p| p.contains(entry.id.as_str())) {
            return Err(KnowledgeError::Invalid(first));
        }
        Ok(())
    }

    /// Saves `entry` as the draft of its id (`new`: the id must not exist yet); returns the version.
    pub async fn save_draft(&self, entry: &Entry, author: &str, new: bool) -> Result<i64> {
        let current = self.current().await?;
        let id = entry.id.as_str();
        let exists = current.published.contains_key(id) || current.drafts.contains_key(id);
        if new && exists {
            return Err(KnowledgeError::Exists(id.into()));
        }
        Self::validate(&current, entry)?;
        let row = base::entry_row(entry, base::summary(current.published.get(id), entry))?;
        Ok(self.store.knowledge_save_draft(&row, author).await?)
    }

    /// Appends new paraphrases to the draft (made from the published entry when there is none).
    pub async fn add_similar(&self, id: &str, questions: &[String], author: &str) -> Result<(i64, usize)> {
        let current = self.current().await?;
        let mut entry = match (current.drafts.get(id), current.published.get(id)) {
            (Some(d), _) => d.entry.clone(),
            (None, Some(p)) => p.clone(),
            (None, None) => return Err(KnowledgeError::NoEntry(id.into())),
        };
        let mut added = 0;
        for q in questions.iter().map(|q| q.trim()).filter(|q| !q.is_empty()) {
            if !entry.questions().any(|have| have == q) {
                entry.similar.push(q.to_owned());
                added += 1;
            }
        }
        Self::validate(&current, &entry)?;
        let row = base::entry_row(&entry, base::summary(current.published.get(id), &entry))?;
        Ok((self.store.knowledge_save_draft(&row, author).await?, added))
    }

    /// Publishes the draft of `id` by `caller` and swaps the new index in; returns the version.
    pub async fn publish(&self, id: &str, caller: &str) -> Result<i64> {
        let _one = self.publishing.lock().await;
        let current = self.current().await?;
        let draft = current.drafts.get(id).ok_or_else(|| KnowledgeError::NoDraft(id.into()))?;
        if self.policy == PublishPolicy::Review && draft.author == caller {
            return Err(KnowledgeError::OwnDraft);
        }
        let snapshot = Self::build(current.base_with([&draft.entry])).await?;
        let v = self.store.knowledge_publish_draft(&draft.row, draft.version, &draft.author, caller).await?;
        self.searcher.replace(snapshot);
        Ok(v)
    }

    /// Publishes new versions (entries and lists) and swaps the index; returns their versions.
    async fn publish_rows(&self, rows: Vec<NewKnowledge>, actor: &str, overlay: Current) -> Result<Vec<i64>> {
        let snapshot = Self::build(overlay.base_with([])).await?;
        let v = self.store.knowledge_publish(&rows, actor).await?;
        self.searcher.replace(snapshot);
        Ok(v)
    }

    /// Publishes a new version of `id` equal to `version`; returns the new version.
    pub async fn rollback(&self, id: &str, version: i64, caller: &str) -> Result<i64> {
        let _one = self.publishing.lock().await;
        let old = self.store.knowledge_version(KnowledgeKind::Entry, id, version).await.map_err(|e| match e {
            StoreError::NotFound => KnowledgeError::NoEntry(format!("{id} 版本 {version}")),
            e => e.into(),
        })?;
        let mut current = self.current().await?;
        let entry: Entry = serde_json::from_str(&old.content).map_err(|e| KnowledgeError::Corrupt(e.to_string()))?;
        let row = base::entry_row(&entry, format!("回滚到版本 {version}"))?;
        current.published.insert(id.into(), entry);
        let v = self.publish_rows(vec![row], caller, current).await?;
        v.first().copied().ok_or_else(|| KnowledgeError::Corrupt("no version".into()))
    }

    /// Discards the draft of `id`.
    pub async fn discard(&self, id: &str) -> Result<()> {
        self.store.knowledge_discard_draft(KnowledgeKind::Entry, id).await.map_err(|e| match e {
            StoreError::NotFound => KnowledgeError::NoDraft(id.into()),
            e => e.into(),
        })
    }

    /// Matches `questions` against the published base with every draft applied
    /// (one index built for all of them); returns the outcomes in order and the
    /// ids of drafted entries.
    pub async fn try_questions(&self, questions: &[String]) -> Result<(Vec<Outcome>, Vec<String>)> {
        let current = self.current().await?;
        let drafted: Vec<String> = current.drafts.keys().cloned().collect();
        let kb = current.base_with(current.drafts.values().map(|d| &d.entry));
        let snapshot = Self::build(kb).await?;
        let searcher = Searcher::new(snapshot, self.searcher.settings().clone());
        let outcomes = questions
            .iter()
            .map(|q| searcher.ask(q).map_err(|e| KnowledgeError::Index(e.to_string())))
            .collect::<Result<Vec<_>>>()?;
        Ok((outcomes, drafted))
    }

    /// Publishes a new text of a word list (synonyms or dictionary); returns the version.
    pub async fn save_list(&self, kind: KnowledgeKind, text: String, actor: &str) -> Result<i64> {
        let _one = self.publishing.lock().await;
        let mut current = self.current().await?;
        let old_version = current.lists.get(&kind).map(|(v, _)| *v).unwrap_or(0);
        current.lists.insert(kind, (old_version, text.clone()));
        let row = NewKnowledge { kind, key: LIST_KEY.into(), content: text, summary: "修改词表".into() };
        let v = self.publish_rows(vec![row], actor, current).await?;
        v.first().copied().ok_or_else(|| KnowledgeError::Corrupt("no version".into()))
    }

    /// Publishes the entries and word lists of `kb` that differ from the published ones.
    pub async fn import(&self, kb: KnowledgeBase, actor: &str) -> Result<ImportCounts> {
        let _one = self.publishing.lock().await;
        let mut current = self.current().await?;
        let (counts, changes) = import_changes(&current.published, &kb.entries);
        let mut rows = changes
            .into_iter()
            .map(|(old, e)| base::entry_row(e, base::summary(old, e)))
            .collect::<Result<Vec<_>>>()?;
        for list in base::list_rows(&kb.lexicon, "导入") {
            if current.list(list.kind) != list.content {
                rows.push(list);
            }
        }
        if rows.is_empty() {
            return Ok(counts);
        }
        refuse_duplicates(&current, &kb)?;
        for r in rows.iter().filter(|r| r.kind != KnowledgeKind::Entry) {
            current.lists.insert(r.kind, (0, r.content.clone()));
        }
        for e in kb.entries {
            current.published.insert(e.id.to_string(), e);
        }
        self.publish_rows(rows, actor, current).await?;
        Ok(counts)
    }

    /// What importing `kb` would change, without changing anything: every
    /// entry with `added`, `changed` (and which fields) or `unchanged`, and the
    /// word lists that differ. Duplicates are refused as the import would.
    pub async fn import_preview(&self, kb: &KnowledgeBase) -> Result<ImportPreview> {
        let current = self.current().await?;
        refuse_duplicates(&current, kb)?;
        let (counts, _) = import_changes(&current.published, &kb.entries);
        let entries = kb
            .entries
            .iter()
            .map(|e| {
                let old = current.published.get(e.id.as_str());
                let status = match old {
                    None => "added",
                    Some(o) if o == e => "unchanged",
                    Some(_) => "changed",
                };
                PreviewEntry {
                    id: e.id.to_string(),
                    question: e.question.clone(),
                    status,
                    summary: base::summary(old, e),
                }
            })
            .collect();
        let lists = base::list_rows(&kb.lexicon, "导入")
            .into_iter()
            .filter(|l| current.list(l.kind) != l.content)
            .map(|l| l.kind.as_str())
            .collect();
        Ok(ImportPreview { counts, entries, lists })
    }

    /// Imports the added and changed entries of `kb` as drafts of `author`
    /// (each reviewed and published on its own); word lists are left alone.
    pub async fn import_into_drafts(&self, kb: &KnowledgeBase, author: &str) -> Result<ImportCounts> {
        let current = self.current().await?;
        let (counts, changes) = import_changes(&current.published, &kb.entries);
        refuse_duplicates(&current, kb)?;
        // Every entry is checked before the first draft is written.
        for (_, e) in &changes {
            Self::validate(&current, e)?;
        }
        for (old, e) in changes {
            let row = base::entry_row(e, base::summary(old, e))?;
            self.store.knowledge_save_draft(&row, author).await?;
        }
        Ok(counts)
    }

    /// The published base as an Excel workbook.
    pub async fn export_xlsx(&self) -> Result<Vec<u8>> {
        let kb = self.published_base().await?;
        tokio::task::spawn_blocking(move || kb::to_xlsx(&kb).map_err(|e| e.to_string()))
            .await
            .map_err(|e| KnowledgeError::Corrupt(e.to_string()))?
            .map_err(KnowledgeError::Corrupt)
    }
}
