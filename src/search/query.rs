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
    /// The question only names a topic ([`Analysis::names_only_a_topic`]).
    pub names_only_a_topic: bool,
    /// The question only says who is asking ([`Analysis::tells_context`]).
    pub tells_context: bool,
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
        let mut q = QueryTerms {
            names_only_a_topic: a.names_only_a_topic,
            tells_context: a.tells_context,
            ..QueryTerms::default()
        };
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

    /// These terms without the words that `replacing` stands in for: "那印花税呢"
    /// after "契税税率多少" asks about 印花税 *instead of* 契税. Chinese compounds
    /// end in their head (契税 and 印花税 are both 税, A级 and D级 both 级), so a
    /// tax word of the follow-up (`replacing`) replaces an earlier tax word with
    /// the same last character; the earlier word's bigrams go with it.
    pub fn without_replaced(&self, replacing: &[&String], is_tax_word: impl Fn(&str) -> bool) -> QueryTerms {
        let head = |t: &str| t.chars().last();
        let replaced = |t: &String| {
            t.chars().count() >= 2
                && is_tax_word(t)
                && replacing.iter().any(|r| *r != t && r.chars().count() >= 2 && head(r) == head(t))
        };
        let gone: Vec<&String> = self.all_terms().filter(|t| replaced(t)).collect();
        let keep = |list: &[String], inside: bool| -> Vec<String> {
            list.iter()
                .filter(|x| if inside { !gone.iter().any(|g| g.contains(x.as_str())) } else { !gone.contains(x) })
                .cloned()
                .collect()
        };
        QueryTerms {
            terms: keep(&self.terms, false),
            bigrams: keep(&self.bigrams, true),
            borrowed_terms: keep(&self.borrowed_terms, false),
            borrowed_bigrams: keep(&self.borrowed_bigrams, true),
            names_only_a_topic: self.names_only_a_topic,
            tells_context: self.tells_context,
        }
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

#[cfg(test)]
mod tests {
    use super::QueryTerms;

    fn terms(words: &[&str], bigrams: &[&str]) -> QueryTerms {
        let owned = |l: &[&str]| l.iter().map(|w| w.to_string()).collect();
        QueryTerms { terms: owned(words), bigrams: owned(bigrams), ..QueryTerms::default() }
    }

    #[test]
    fn a_sibling_tax_word_replaces_the_earlier_one_and_its_bigrams() {
        let earlier = terms(&["首套房", "契税", "税率"], &["首套", "套房", "契税", "税率"]);
        let new = "印花税".to_owned();
        let taxy = |t: &str| ["首套房", "契税", "税率", "印花税"].contains(&t);
        let left = earlier.without_replaced(&[&new], taxy);
        assert_eq!(left.terms, ["首套房", "税率"]);
        assert_eq!(left.bigrams, ["首套", "套房", "税率"]);
        // Everyday words, one-character words and the same word are never replaced.
        let same = earlier.without_replaced(&[&"契税".to_owned()], taxy);
        assert_eq!(same.terms, earlier.terms);
        let not_tax = earlier.without_replaced(&[&new], |t| t == "印花税");
        assert_eq!(not_tax.terms, earlier.terms);
    }
}
