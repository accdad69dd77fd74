//! Chinese text analysis: normalise → segment (jieba + tax dictionary) →
//! canonicalise synonyms → drop stopwords, plus character bigrams that guard
//! against segmentation mismatch and typos.

mod lexicon;
mod mask;
mod normalize;
mod segment;
mod synonyms;
mod tokenizer;

use std::collections::HashSet;

pub use lexicon::{DictWord, Lexicon, LineProblem, parse_dict, parse_stopwords, parse_synonyms};
pub use mask::mask_numbers;
pub use normalize::{Normalized, normalize};
pub use segment::{Piece, Segmenter};
pub use synonyms::Synonyms;
pub use tokenizer::{BigramTokenizer, TaxTokenizer};

/// A term of analysed text with its byte range in the original input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The canonical term (normalised, synonym-mapped).
    pub text: String,
    /// Byte offset in the original input.
    pub start: usize,
    /// Byte offset one past the end in the original input.
    pub end: usize,
}

/// The result of analysing one text.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Search-mode words, canonicalised, without stopwords.
    pub terms: Vec<Term>,
    /// Character bigrams of the non-stopword runs of the text.
    pub bigrams: Vec<Term>,
    /// Number of precise-mode words that are not stopwords: how much the text says.
    pub content_words: usize,
}

/// The shared text pipeline. Expensive to build (jieba's dictionary): build once
/// and share it behind an `Arc`.
pub struct Analyzer {
    segmenter: Segmenter,
    synonyms: Synonyms,
    stopwords: HashSet<String>,
    /// Canonical forms of the tax dictionary's and the synonym lists' words.
    domain: HashSet<String>,
}

impl Analyzer {
    /// Builds the analyzer from the knowledge base's word lists.
    pub fn new(lexicon: &Lexicon) -> Self {
        let synonyms = Synonyms::new(&lexicon.synonym_groups);
        let words = lexicon.words.iter().map(|w| &w.word).chain(lexicon.synonym_groups.iter().flatten());
        let domain = words.map(|w| synonyms.canonical(w).to_owned()).collect();
        Analyzer {
            segmenter: Segmenter::new(lexicon),
            synonyms,
            stopwords: lexicon.stopwords.iter().cloned().collect(),
            domain,
        }
    }

    /// Whether a canonical term is tax vocabulary (in the dictionary or the
    /// synonym lists) rather than everyday language.
    pub fn is_domain_term(&self, term: &str) -> bool {
        self.domain.contains(term)
    }

    /// Whether `word` (normalised) is a stopword.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    /// The canonical form of a normalised word.
    pub fn canonical<'a>(&'a self, word: &'a str) -> &'a str {
        self.synonyms.canonical(word)
    }

    /// Analyses `input` (any user text; never panics).
    pub fn analyze(&self, input: &str) -> Analysis {
        let normalized = normalize(input);
        let (search, precise) = self.segmenter.search_and_precise(&normalized.text);
        let terms = self.canonical_terms(&normalized, &search);
        let kept: Vec<Piece> = precise.into_iter().filter(|p| !self.is_stopword(p.word)).collect();
        let bigrams = bigrams_of_runs(&normalized, &kept);
        Analysis { terms, bigrams, content_words: kept.len() }
    }

    /// The [`Analysis::terms`] of `input` alone, without the bigrams (for long
    /// texts such as answers, whose bigrams nothing uses).
    pub fn analyze_terms(&self, input: &str) -> Vec<Term> {
        let normalized = normalize(input);
        let search = self.segmenter.search_pieces(&normalized.text);
        self.canonical_terms(&normalized, &search)
    }

    /// The canonical, non-stopword search-mode pieces with original offsets.
    fn canonical_terms(&self, normalized: &Normalized, search: &[Piece]) -> Vec<Term> {
        let mut terms = Vec::with_capacity(search.len());
        for piece in search {
            let canonical = self.canonical(piece.word);
            if self.is_stopword(piece.word) || self.is_stopword(canonical) {
                continue;
            }
            let (start, end) = normalized.original_range(piece.start, piece.end);
            terms.push(Term { text: canonical.to_owned(), start, end });
        }
        terms
    }

    /// The canonical terms of `input`, in order, without offsets.
    pub fn terms(&self, input: &str) -> Vec<String> {
        self.analyze_terms(input).into_iter().map(|t| t.text).collect()
    }
}

/// Character bigrams over runs of adjacent kept pieces; a one-character run
/// yields that character.
fn bigrams_of_runs(normalized: &Normalized, kept: &[Piece]) -> Vec<Term> {
    let text = normalized.text.as_str();
    let mut out = Vec::new();
    let mut run_start = 0;
    for (i, piece) in kept.iter().enumerate() {
        let run_continues = kept.get(i + 1).is_some_and(|next| next.start == piece.end);
        if run_continues {
            continue;
        }
        let (start, end) = (kept[run_start].start, piece.end);
        let chars: Vec<(usize, char)> = text[start..end].char_indices().collect();
        if chars.len() == 1 {
            let (s, e) = normalized.original_range(start, end);
            out.push(Term { text: text[start..end].to_owned(), start: s, end: e });
        }
        for pair in chars.windows(2) {
            let from = start + pair[0].0;
            let to = start + pair[1].0 + pair[1].1.len_utf8();
            let (s, e) = normalized.original_range(from, to);
            out.push(Term { text: text[from..to].to_owned(), start: s, end: e });
        }
        run_start = i + 1;
    }
    out
}

#[cfg(test)]
mod tests;
