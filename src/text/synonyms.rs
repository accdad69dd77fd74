//! Synonym canonicalisation: every variant maps to the first word of its group.

use rustc_hash::FxHashMap;

/// Variant → canonical word.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    canonical: FxHashMap<String, String>,
}

impl Synonyms {
    /// Builds the map from groups whose first word is canonical.
    pub fn new(groups: &[Vec<String>]) -> Self {
        let mut canonical = FxHashMap::default();
        for group in groups {
            let Some(head) = group.first() else { continue };
            for variant in &group[1..] {
                canonical.entry(variant.clone()).or_insert_with(|| head.clone());
            }
        }
        Synonyms { canonical }
    }

    /// The canonical form of `word` (the word itself when it has none).
    pub fn canonical<'a>(&'a self, word: &'a str) -> &'a str {
        self.canonical.get(word).map_or(word, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_variants_to_the_first_word() {
        let s = Synonyms::new(&[vec!["增值税专用发票".into(), "专票".into(), "专用发票".into()]]);
        assert_eq!(s.canonical("专票"), "增值税专用发票");
        assert_eq!(s.canonical("增值税专用发票"), "增值税专用发票");
        assert_eq!(s.canonical("普票"), "普票");
    }
}
