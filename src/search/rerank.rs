//! Reranking: a confidence in [0, 1] for each retrieved entry, comparable
//! across questions (unlike BM25 scores).
//!
//! Several normalised signals are computed per entry and combined by a
//! logistic function whose weights are tuned on the dev set (`taxbot eval`).

use serde::Serialize;

use super::build::Snapshot;
use super::decide::Settings;
use super::query::QueryTerms;
use super::variants::VariantIndex;
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
    /// Own and borrowed known word ids, for the naive Bayes signals.
    all_terms: Vec<u32>,
    /// Own and borrowed known bigram ids.
    all_bigrams: Vec<u32>,
    /// Log-likelihood of `all_terms` under the whole base (the same for every entry).
    background: f32,
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
        let terms = side(&snap.terms, &q.terms, &q.borrowed_terms, unknown_factor);
        let bigrams = side(&snap.bigrams, &q.bigrams, &q.borrowed_bigrams, unknown_factor);
        let all_terms: Vec<u32> = terms.known.ids.iter().chain(&terms.borrowed).copied().collect();
        let all_bigrams = bigrams.known.ids.iter().chain(&bigrams.borrowed).copied().collect();
        let background = snap.background.log_likelihood(&all_terms, snap.terms.len());
        QueryVector { terms, bigrams, all_terms, all_bigrams, background }
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
    /// Naive Bayes posterior (words) of the entry among the retrieved ones.
    pub bayes_posterior: f32,
    /// Naive Bayes posterior (bigrams) of the entry among the retrieved ones.
    pub bigram_bayes_posterior: f32,
    /// How much better the entry explains the question's words than the whole
    /// base does, per word, squashed into [0, 1] (0.5 = no better).
    pub bayes_fit: f32,
}

impl Signals {
    /// The signals in the order of [`Settings::weights`].
    pub fn as_array(&self) -> [f32; 10] {
        [
            self.term_cosine,
            self.bigram_cosine,
            self.question_coverage,
            self.entry_coverage,
            self.bm25_relative,
            self.variant_coverage,
            self.bigram_coverage,
            self.bayes_posterior,
            self.bigram_bayes_posterior,
            self.bayes_fit,
        ]
    }
}

/// Share of the question's weight (own words, plus borrowed ones found) that `ids` and `also` contain.
fn coverage(vocab: &Vocabulary, q: &QuerySide, ids: &[u32], also: &[u32]) -> f32 {
    let found = |list: &[u32]| shared_weight(vocab, list, ids) + shared_weight(vocab, list, also);
    let own = found(&q.known.ids);
    let borrowed = if q.borrowed.is_empty() { 0.0 } else { found(&q.borrowed) };
    let total = q.norm.powi(2) + borrowed;
    if total == 0.0 { 0.0 } else { ((own + borrowed) / total).min(1.0) }
}

/// Best cosine between the question and one way of asking, and the best share
/// of one way of asking that the question contains. Borrowed words join the
/// question's norm only where the way of asking has them.
fn best(vocab: &Vocabulary, q: &QuerySide, index: &VariantIndex, scratch: &mut Vec<f32>) -> (f32, f32) {
    let n = index.len();
    scratch.clear();
    scratch.resize(2 * n, 0.0);
    let (own, borrowed) = scratch.split_at_mut(n);
    index.accumulate(vocab, &q.known.ids, own);
    if !q.borrowed.is_empty() {
        index.accumulate(vocab, &q.borrowed, borrowed);
    }
    let (mut cosine, mut covered) = (0.0f32, 0.0f32);
    for v in 0..n {
        let norm = index.norm(v);
        let shared = own[v] + borrowed[v];
        if norm == 0.0 || shared == 0.0 {
            continue;
        }
        let q_norm = (q.norm.powi(2) + borrowed[v]).sqrt();
        cosine = cosine.max(shared / (q_norm * norm));
        covered = covered.max((shared / norm.powi(2)).min(1.0));
    }
    (cosine, covered)
}

/// The signals for entry `ord` with BM25 score `bm25` (best retrieved: `bm25_top`);
/// `scratch` is reused between calls to spare allocations.
pub(crate) fn signals(
    snap: &Snapshot,
    q: &QueryVector,
    ord: usize,
    (bm25, bm25_top): (f32, f32),
    scratch: &mut Vec<f32>,
) -> Signals {
    let profile = &snap.profiles[ord];
    let (term_cosine, variant_coverage) = best(&snap.terms, &q.terms, &profile.terms, scratch);
    let (bigram_cosine, _) = best(&snap.bigrams, &q.bigrams, &profile.bigrams, scratch);
    Signals {
        term_cosine,
        bigram_cosine,
        question_coverage: coverage(&snap.terms, &q.terms, profile.terms.ids(), &[]),
        entry_coverage: coverage(&snap.terms, &q.terms, profile.terms.ids(), &profile.answer_only),
        bm25_relative: if bm25_top > 0.0 { (bm25 / bm25_top).clamp(0.0, 1.0) } else { 0.0 },
        variant_coverage,
        bigram_coverage: coverage(&snap.bigrams, &q.bigrams, profile.bigrams.ids(), &[]),
        bayes_posterior: 0.0,
        bigram_bayes_posterior: 0.0,
        bayes_fit: 0.0,
    }
}

/// The naive Bayes log-likelihoods (words, bigrams) of the question under
/// entry `ord`, and the word fit against the whole base (see [`Signals::bayes_fit`]).
pub(crate) fn log_likelihoods(snap: &Snapshot, q: &QueryVector, ord: usize) -> (f32, f32, f32) {
    let profile = &snap.profiles[ord];
    let words = profile.term_counts.log_likelihood(&q.all_terms, snap.terms.len());
    let fit = if q.all_terms.is_empty() {
        0.0
    } else {
        0.5 + 0.5 * ((words - q.background) / q.all_terms.len() as f32 / FIT_SCALE).tanh()
    };
    (words, profile.bigram_counts.log_likelihood(&q.all_bigrams, snap.bigrams.len()), fit)
}

/// Per-word log-likelihood gain at which the fit reaches about 0.88.
const FIT_SCALE: f32 = 2.0;

/// The ranking score of an entry: a weighted sum of its signals.
pub(crate) fn score(s: &Signals, settings: &Settings) -> f32 {
    settings.rank_weights.iter().zip(s.as_array()).map(|(w, x)| w * x).sum()
}

/// The probability that an entry is the right one, from its ranking score, its
/// lead over the best other candidate (negative when behind) and its signals.
pub(crate) fn confidence(score: f32, lead: f32, s: &Signals, settings: &Settings) -> f32 {
    let features = [score, lead].into_iter().chain(s.as_array());
    let z =
        settings.confidence_weights.iter().zip(features).map(|(w, x)| w * x).sum::<f32>() + settings.confidence_bias;
    1.0 / (1.0 + (-z).exp())
}

/// The ids of the known terms among `terms`.
pub(crate) fn known_ids(snap: &Snapshot, terms: &[String]) -> Vec<u32> {
    terms.iter().filter_map(|t| snap.terms.get(t)).collect()
}

/// Whether any way of asking entry `ord` uses one of the term `ids`.
pub(crate) fn mentions_any(snap: &Snapshot, ord: usize, ids: &[u32]) -> bool {
    let words = snap.profiles[ord].terms.ids();
    ids.iter().any(|id| words.binary_search(id).is_ok())
}
