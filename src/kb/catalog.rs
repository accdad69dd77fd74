//! The topic plan (`topics.tsv` of a knowledge base): the editors' list of
//! the topics the base must cover, one entry per topic
//! (`taxbot kb check --require-all-topics`).

use std::collections::HashMap;

use super::entry::{Category, EntryId};

/// File name of the topic plan in a knowledge-base directory.
pub const TOPICS_FILE: &str = "topics.tsv";

/// The header line written by [`Catalog::to_tsv`] (the columns of a row).
const HEADER: &str = "id\tcategory\tcanonical_question\tscope_note";

/// One planned topic: a row of `topics.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// The id its entry must have.
    pub id: EntryId,
    /// The category its entry must have.
    pub category: Category,
    /// The canonical question the editors planned (may be empty).
    pub question: String,
    /// What the entry covers and what it leaves to other topics (may be empty).
    pub scope_note: String,
}

/// The topic plan, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The topics, in file order.
    pub topics: Vec<Topic>,
}

impl Catalog {
    /// Parses the TSV (header line first); rows that do not parse are skipped
    /// and returned as 1-based line numbers.
    pub fn parse(tsv: &str) -> (Catalog, Vec<usize>) {
        let mut topics = Vec::new();
        let mut bad = Vec::new();
        for (i, line) in tsv.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let id = cols.next().map(|s| EntryId::try_from(s.trim().to_owned()));
            let cat = cols.next().map(|s| Category::try_from(s.trim().to_owned()));
            let mut text = || cols.next().map(|s| s.trim().to_owned()).unwrap_or_default();
            match (id, cat) {
                (Some(Ok(id)), Some(Ok(category))) => {
                    topics.push(Topic { id, category, question: text(), scope_note: text() })
                }
                _ => bad.push(i + 1),
            }
        }
        (Catalog { topics }, bad)
    }

    /// The TSV that [`Catalog::parse`] reads back as this plan: the header,
    /// then one row per topic in order.
    pub fn to_tsv(&self) -> String {
        let mut out = format!("{HEADER}\n");
        for t in &self.topics {
            out.push_str(&format!("{}\t{}\t{}\t{}\n", t.id, t.category, t.question, t.scope_note));
        }
        out
    }

    /// Topic id → its category (a later row of the same id wins).
    pub fn categories(&self) -> HashMap<&EntryId, &Category> {
        self.topics.iter().map(|t| (&t.id, &t.category)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_categories_after_the_header() {
        let (c, bad) = Catalog::parse("id\tcategory\tq\tnote\nVAT-001\tVAT\t问\t注\nbroken line\n");
        assert_eq!(c.topics.len(), 1);
        assert_eq!(c.topics[0].question, "问");
        assert_eq!(c.topics[0].scope_note, "注");
        assert_eq!(bad, vec![3]);
    }

    #[test]
    fn the_shipped_plan_is_written_back_byte_for_byte() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base").join(TOPICS_FILE);
        let text = std::fs::read_to_string(path).expect("knowledge-base/topics.tsv");
        let (plan, bad) = Catalog::parse(&text);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(plan.to_tsv(), text);
    }
}
