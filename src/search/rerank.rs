//! Reranking: a confidence in [0, 1] for each retrieved entry, comparable
//! across questions (unlike BM25 scores).
//!
//! Several normalised signals are computed per entry and combined by a
//! logistic function whose weights are tuned on the dev set (`taxbot eval`).

use serde::Serialize;

use super::build::{Snapshot, Variant};
use super::decide::Settings;
use super::query::QueryTerms;
use super::vectors::{TermSet, Vocabulary, shared_weight};

/// One side of the cosine: the known ids and the norm including unknown words,
/// plus borrowed ids that join the norm only where an entry has them.
pub(crate) struct QuerySide {
    known: TermSet,
    norm: f32,
    borrowed: Vec<u32>,
}

/// The question as the reranker sees it.
pub(crate) struct QueryVector {
    terms: QuerySide,
    bigrams: QuerySide,
}

fn side(vocab: &Vocabulary, items: &[String], borrowed: &[String], unknown_factor: f32) -> QuerySide {
    let mut ids = Vec::with_capacity(items.len());
    let mut unknown = 0.0;
    for item in items {
        match vocab.get(item) {
            Some(id) => ids.push(id),
            None => unknown += (vocab.unknown_idf() * unknown_factor).powi(2),
        }
    }
    let known = vocab.set(ids);
    let norm = (known.norm.powi(2) + unknown).sqrt();
    let borrowed = vocab.set(borrowed.iter().filter_map(|b| vocab.get(b)).collect()).ids;
    QuerySide { known, norm, borrowed }
}

impl QueryVector {
    /// Weighs the question's terms against the snapshot's vocabulary.
    pub fn new(snap: &Snapshot, q: &QueryTerms, unknown_factor: f32) -> Self {
        QueryVector {
            terms: side(&snap.terms, &q.terms, &q.borrowed_terms, unknown_factor),
            bigrams: side(&snap.bigrams, &q.bigrams, &q.borrowed_bigrams, unknown_factor),
        }
    }
}

/// The normalised signals behind a confidence, each in [0, 1].
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Signals {
    /// Best word cosine with one way of asking the entry.
    pub term_cosine: f32,
    /// Best bigram cosine with one way of asking the entry.
    pub bigram_cosine: f32,
    /// Share of the question's word weight found in the entry's questions and keywords.
    pub question_coverage: f32,
    /// Share of the question's word weight found anywhere in the entry, answer included.
    pub entry_coverage: f32,
    /// BM25 score relative to the best retrieved entry.
    pub bm25_relative: f32,
    /// Best share of one way of asking the entry that the question contains.
    pub variant_coverage: f32,
    /// Share of the question's bigram weight found in the entry's questions and keywords.
    pub bigram_coverage: f32,
}

impl Signals {
    /// The signals in the order of [`Settings::weights`].
    pub fn as_array(&self) -> [f32; 7] {
        [
            self.term_cosine,
            self.bigram_cosine,
            self.question_coverage,
            self.entry_coverage,
            self.bm25_relative,
            self.variant_coverage,
            self.bigram_coverage,
        ]
    }
}

fn cosine(vocab: &Vocabulary, q: &QuerySide, v: &TermSet) -> f32 {
    let borrowed = if q.borrowed.is_empty() { 0.0 } else { shared_weight(vocab, &q.borrowed, &v.ids) };
    let q_norm = (q.norm.powi(2) + borrowed).sqrt();
    if q_norm == 0.0 || v.norm == 0.0 {
        return 0.0;
    }
    (shared_weight(vocab, &q.known.ids, &v.ids) + borrowed) / (q_norm * v.norm)
}

/// Share of the question's weight (own words, plus borrowed ones found) that `ids` contain.
fn coverage(vocab: &Vocabulary, q: &QuerySide, ids: &[u32], also: &[u32]) -> f32 {
    let found = |list: &[u32]| {
        shared_weight(vocab, list, ids) + if also.is_empty() { 0.0 } else { shared_weight(vocab, list, also) }
    };
    let own = found(&q.known.ids);
    let borrowed = if q.borrowed.is_empty() { 0.0 } else { found(&q.borrowed) };
    let total = q.norm.powi(2) + borrowed;
    if total == 0.0 { 0.0 } else { ((own + borrowed) / total).min(1.0) }
}

/// Best word cosine, bigram cosine and variant coverage over the ways of asking.
fn best(snap: &Snapshot, q: &QueryVector, variants: &[Variant]) -> (f32, f32, f32) {
    variants.iter().fold((0.0f32, 0.0f32, 0.0f32), |(t, b, c), v| {
        let covered = if v.terms.norm == 0.0 {
            0.0
        } else {
            (shared_weight(&snap.terms, &q.terms.known.ids, &v.terms.ids)
                + shared_weight(&snap.terms, &q.terms.borrowed, &v.terms.ids))
                / v.terms.norm.powi(2)
        };
        (
            t.max(cosine(&snap.terms, &q.terms, &v.terms)),
            b.max(cosine(&snap.bigrams, &q.bigrams, &v.bigrams)),
            c.max(covered.min(1.0)),
        )
    })
}

/// The signals for entry `ord` with BM25 score `bm25` (best retrieved: `bm25_top`).
pub(crate) fn signals(snap: &Snapshot, q: &QueryVector, ord: usize, bm25: f32, bm25_top: f32) -> Signals {
    let profile = &snap.profiles[ord];
    let (term_cosine, bigram_cosine, variant_coverage) = best(snap, q, &profile.variants);
    // The bag and the answer may share words; count a word once.
    let answer_only: Vec<u32> =
        profile.answer.iter().copied().filter(|id| profile.bag.binary_search(id).is_err()).collect();
    Signals {
        term_cosine,
        bigram_cosine,
        question_coverage: coverage(&snap.terms, &q.terms, &profile.bag, &[]),
        entry_coverage: coverage(&snap.terms, &q.terms, &profile.bag, &answer_only),
        bm25_relative: if bm25_top > 0.0 { (bm25 / bm25_top).clamp(0.0, 1.0) } else { 0.0 },
        variant_coverage,
        bigram_coverage: coverage(&snap.bigrams, &q.bigrams, &profile.bigram_bag, &[]),
    }
}

/// Combines signals into a confidence with the logistic function.
pub(crate) fn confidence(s: &Signals, settings: &Settings) -> f32 {
    let z: f32 = settings.weights.iter().zip(s.as_array()).map(|(w, x)| w * x).sum::<f32>() + settings.bias;
    1.0 / (1.0 + (-z).exp())
}

/// The ids of the known terms among `terms`.
pub(crate) fn known_ids(snap: &Snapshot, terms: &[String]) -> Vec<u32> {
    terms.iter().filter_map(|t| snap.terms.get(t)).collect()
}

/// Whether any way of asking entry `ord` uses one of the term `ids`.
pub(crate) fn mentions_any(snap: &Snapshot, ord: usize, ids: &[u32]) -> bool {
    snap.profiles[ord].variants.iter().any(|v| ids.iter().any(|id| v.terms.ids.binary_search(id).is_ok()))
}
