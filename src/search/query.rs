//! A question turned into the terms the index and the reranker use.

use crate::text::Analysis;

/// Unique canonical terms and bigrams of a question.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryTerms {
    /// Canonical search-mode terms, first occurrence order.
    pub terms: Vec<String>,
    /// Character bigrams.
    pub bigrams: Vec<String>,
    /// Terms borrowed from an earlier turn: they count when an entry has them
    /// and cost nothing when it does not.
    pub borrowed_terms: Vec<String>,
    /// Bigrams borrowed from an earlier turn.
    pub borrowed_bigrams: Vec<String>,
}

/// Longest question considered, in characters: enough for a question with
/// context; a pasted document beyond it adds nothing but cost.
pub const MAX_QUESTION_CHARS: usize = 500;

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

impl QueryTerms {
    /// Collects the unique terms of an analysis.
    pub fn from_analysis(a: Analysis) -> Self {
        let mut q = QueryTerms::default();
        for t in a.terms {
            push_unique(&mut q.terms, t.text);
        }
        for b in a.bigrams {
            push_unique(&mut q.bigrams, b.text);
        }
        q
    }

    /// This question's terms, borrowing an earlier turn's (own and borrowed) terms.
    pub fn merged_with(&self, earlier: &QueryTerms) -> QueryTerms {
        let mut q = QueryTerms { terms: self.terms.clone(), bigrams: self.bigrams.clone(), ..QueryTerms::default() };
        for t in earlier.terms.iter().chain(&earlier.borrowed_terms) {
            if !q.terms.contains(t) {
                push_unique(&mut q.borrowed_terms, t.clone());
            }
        }
        for b in earlier.bigrams.iter().chain(&earlier.borrowed_bigrams) {
            if !q.bigrams.contains(b) {
                push_unique(&mut q.borrowed_bigrams, b.clone());
            }
        }
        q
    }

    /// Own and borrowed terms.
    pub fn all_terms(&self) -> impl Iterator<Item = &String> {
        self.terms.iter().chain(&self.borrowed_terms)
    }

    /// Own and borrowed bigrams.
    pub fn all_bigrams(&self) -> impl Iterator<Item = &String> {
        self.bigrams.iter().chain(&self.borrowed_bigrams)
    }

    /// Whether nothing searchable is left.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.bigrams.is_empty()
    }
}

/// Cuts `question` to [`MAX_QUESTION_CHARS`] characters.
pub fn truncate(question: &str) -> &str {
    match question.char_indices().nth(MAX_QUESTION_CHARS) {
        Some((i, _)) => &question[..i],
        None => question,
    }
}
