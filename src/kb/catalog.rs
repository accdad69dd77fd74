//! The topic catalog (`kb-topics.tsv`): the entries a knowledge base must cover.

use std::collections::BTreeMap;

use super::entry::{Category, EntryId};

/// Topic id → category, from the catalog's `id` and `category` columns.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The topics, sorted by id.
    pub topics: BTreeMap<EntryId, Category>,
}

impl Catalog {
    /// Parses the TSV (header line first); rows that do not parse are skipped
    /// and returned as 1-based line numbers.
    pub fn parse(tsv: &str) -> (Catalog, Vec<usize>) {
        let mut topics = BTreeMap::new();
        let mut bad = Vec::new();
        for (i, line) in tsv.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let id = cols.next().map(|s| EntryId::try_from(s.trim().to_owned()));
            let cat = cols.next().map(|s| Category::try_from(s.trim().to_owned()));
            match (id, cat) {
                (Some(Ok(id)), Some(Ok(cat))) => {
                    topics.insert(id, cat);
                }
                _ => bad.push(i + 1),
            }
        }
        (Catalog { topics }, bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_categories_after_the_header() {
        let (c, bad) = Catalog::parse("id\tcategory\tq\tnote\nVAT-001\tVAT\t问\t注\nbroken line\n");
        assert_eq!(c.topics.len(), 1);
        assert_eq!(bad, vec![3]);
    }
}
