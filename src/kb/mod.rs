//! The knowledge base: FAQ entries, the word lists and the topic plan, loaded
//! and validated from the on-disk layout of `knowledge-base/` (a directory, or
//! the copy embedded in the binary: `origin.rs`).

mod catalog;
mod entry;
mod export;
mod front_matter;
mod load;
mod origin;
mod xlsx;
mod xlsx_import;
mod xlsx_limits;

use std::fmt;
use std::path::PathBuf;

pub use catalog::{Catalog, TOPICS_FILE, Topic};
pub use entry::{Category, Entry, EntryId, InvalidId, Source, expiring_within, today_in_china};
pub use export::{dict_text, entry_file, export_dir, stopwords_text, synonyms_text};
pub use front_matter::{FileProblem, parse_entry};
pub use load::{CheckReport, duplicate_problems, load, load_checked, load_from, read_topics};
pub use origin::{EMBEDDED_NAME, Origin, write_embedded};
pub use xlsx::{SOURCE_SEPARATOR, to_xlsx};
pub use xlsx_import::{RowProblem, XlsxImportError, from_xlsx};
pub use xlsx_limits::{ImportLimits, Limit};

use crate::text::Lexicon;

/// A loaded, valid knowledge base.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    /// The FAQ entries, in file order.
    pub entries: Vec<Entry>,
    /// Dictionary, synonyms and stopwords.
    pub lexicon: Lexicon,
    /// The editors' plan of topics (`topics.tsv`); `None` when the base has none
    /// (a workbook, or the store, which does not version the plan).
    pub topics: Option<Catalog>,
}

/// One problem in a knowledge-base file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Why a knowledge base could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// The directory has no `faq/` folder.
    #[error("{0} 不是知识库目录（缺少 faq/ 子目录）")]
    NotAKnowledgeBase(PathBuf),
    /// A file could not be read.
    #[error("无法读取 {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Files were read but some are invalid.
    #[error("知识库有 {} 处错误，首个：{}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<Problem>),
}

#[cfg(test)]
mod tests;
