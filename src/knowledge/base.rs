//! The knowledge base as stored: published versions, drafts and word lists,
//! turned into a [`KnowledgeBase`] and back into rows.

use std::collections::BTreeMap;

use crate::ids::{KnowledgeKind, VersionState};
use crate::kb::{Entry, KnowledgeBase, dict_text, stopwords_text, synonyms_text};
use crate::store::{KnowledgeVersion, NewKnowledge};
use crate::text::{self, Lexicon};

use super::KnowledgeError;

/// Key of a word list.
pub const LIST_KEY: &str = "-";

/// A draft: its version, author and entry, and the row it was read from.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Its version.
    pub version: i64,
    /// Who wrote it.
    pub author: String,
    /// The entry.
    pub entry: Entry,
    /// The stored row (what a publish of this draft stores, byte for byte).
    pub row: NewKnowledge,
}

/// The current rows, parsed.
#[derive(Debug, Default)]
pub struct Current {
    /// Published entries by id.
    pub published: BTreeMap<String, Entry>,
    /// Drafts by id.
    pub drafts: BTreeMap<String, Draft>,
    /// Published word lists: kind → (version, text).
    pub lists: BTreeMap<KnowledgeKind, (i64, String)>,
}

impl Current {
    /// Parses the current rows.
    pub fn from_rows(rows: Vec<KnowledgeVersion>) -> Result<Current, KnowledgeError> {
        let mut c = Current::default();
        for r in rows {
            match (r.kind, r.state) {
                (KnowledgeKind::Entry, state) => {
                    let entry: Entry = serde_json::from_str(&r.content)
                        .map_err(|e| KnowledgeError::Corrupt(format!("{} v{}: {e}", r.key, r.version)))?;
                    if state == VersionState::Published {
                        c.published.insert(r.key, entry);
                    } else {
                        let row =
                            NewKnowledge { kind: r.kind, key: r.key.clone(), content: r.content, summary: r.summary };
                        c.drafts.insert(r.key, Draft { version: r.version, author: r.author, entry, row });
                    }
                }
                (_, VersionState::Published) => {
                    c.lists.insert(r.kind, (r.version, r.content));
                }
                _ => {}
            }
        }
        Ok(c)
    }

    /// The text of a word list (empty when never stored).
    pub fn list(&self, kind: KnowledgeKind) -> &str {
        self.lists.get(&kind).map(|(_, t)| t.as_str()).unwrap_or_default()
    }

    /// The published base, with `overlay` entries replacing or adding to it.
    pub fn base_with<'a>(&self, overlay: impl IntoIterator<Item = &'a Entry>) -> KnowledgeBase {
        let mut entries = self.published.clone();
        for e in overlay {
            entries.insert(e.id.to_string(), e.clone());
        }
        KnowledgeBase { entries: entries.into_values().collect(), lexicon: self.lexicon(), topics: None }
    }

    /// The published word lists.
    pub fn lexicon(&self) -> Lexicon {
        Lexicon {
            words: text::parse_dict(self.list(KnowledgeKind::Dictionary)).0,
            synonym_groups: text::parse_synonyms(self.list(KnowledgeKind::Synonyms)).0,
            stopwords: text::parse_stopwords(self.list(KnowledgeKind::Stopwords)),
        }
    }
}

/// An entry as a row to store.
pub fn entry_row(e: &Entry, summary: String) -> Result<NewKnowledge, KnowledgeError> {
    let content = serde_json::to_string(e).map_err(|e| KnowledgeError::Corrupt(e.to_string()))?;
    Ok(NewKnowledge { kind: KnowledgeKind::Entry, key: e.id.to_string(), content, summary })
}

/// The three word lists of `lexicon` as rows.
pub fn list_rows(lexicon: &Lexicon, summary: &str) -> Vec<NewKnowledge> {
    [
        (KnowledgeKind::Synonyms, synonyms_text(lexicon)),
        (KnowledgeKind::Dictionary, dict_text(lexicon)),
        (KnowledgeKind::Stopwords, stopwords_text(lexicon)),
    ]
    .into_iter()
    .map(|(kind, content)| NewKnowledge { kind, key: LIST_KEY.into(), content, summary: summary.into() })
    .collect()
}

/// A short description of what changed from `old` to `new`: the changed fields.
pub fn summary(old: Option<&Entry>, new: &Entry) -> String {
    let Some(old) = old else { return "新建".into() };
    let (a, b) = (serde_json::to_value(old).unwrap_or_default(), serde_json::to_value(new).unwrap_or_default());
    let changed: Vec<&str> = b
        .as_object()
        .map(|o| o.iter().filter(|(k, v)| a.get(k.as_str()) != Some(v)).map(|(k, _)| k.as_str()).collect())
        .unwrap_or_default();
    if changed.is_empty() { "无变化".into() } else { format!("修改：{}", changed.join("、")) }
}
