//! Reranking: a confidence in [0, 1] for each retrieved entry, comparable
//! across questions (unlike BM25 scores).
//!
//! Several normalised signals are computed per entry and combined by a
//! logistic function whose weights are tuned on the dev set (`taxbot eval`).

use serde::Serialize;

use super::build::Snapshot;
use super::profile::{EntryWords, Overlap, Scratch};
use super::query::QueryTerms;
use super::vectors::{TermSet, Vocabulary};
use crate::config::search::Settings;

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
    /// Number of own and borrowed known words (the naive Bayes fit is per word).
    known_words: usize,
    /// Log-likelihood of the known words under the whole base (the same for every entry).
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

impl QuerySide {
    /// Compares this side with an entry's words.
    fn compare(&self, vocab: &Vocabulary, words: &EntryWords, scratch: &mut Scratch) -> Overlap {
        words.compare(vocab, &self.known.ids, &self.borrowed, scratch)
    }

    /// Share of the question's weight (own words, plus borrowed ones found) that was found.
    fn coverage(&self, own_found: f32, borrowed_found: f32) -> f32 {
        let total = self.norm.powi(2) + borrowed_found;
        if total == 0.0 { 0.0 } else { ((own_found + borrowed_found) / total).min(1.0) }
    }

    /// Best cosine between the question and one way of asking, and the best
    /// share of one way of asking that the question contains, from the shared
    /// weights that [`EntryWords::compare`] left in `scratch`. Borrowed words
    /// join the question's norm only where the way of asking has them.
    fn best(&self, words: &EntryWords, scratch: &Scratch) -> (f32, f32) {
        let (mut cosine, mut covered) = (0.0f32, 0.0f32);
        for (v, (own, borrowed)) in scratch.own.iter().zip(&scratch.borrowed).enumerate() {
            let norm = words.norm(v);
            let shared = own + borrowed;
            if norm == 0.0 || shared == 0.0 {
                continue;
            }
            let q_norm = (self.norm.powi(2) + borrowed).sqrt();
            cosine = cosine.max(shared / (q_norm * norm));
            covered = covered.max((shared / norm.powi(2)).min(1.0));
        }
        (cosine, covered)
    }
}

impl QueryVector {
    /// Weighs the question's terms against the snapshot's vocabulary.
    pub fn new(snap: &Snapshot, q: &QueryTerms, unknown_factor: f32) -> Self {
        let terms = side(&snap.terms, &q.terms, &q.borrowed_terms, unknown_factor);
        let bigrams = side(&snap.bigrams, &q.bigrams, &q.borrowed_bigrams, unknown_factor);
        let known: Vec<u32> = terms.known.ids.iter().chain(&terms.borrowed).copied().collect();
        let background = snap.background.log_likelihood(&known);
        QueryVector { terms, bigrams, known_words: known.len(), background }
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
    /// The signals in the order of [`Settings::rank_weights`].
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

/// A candidate's signals, and its naive Bayes log-likelihoods (words,
/// bigrams) from which the caller computes the posteriors over all candidates.
pub(crate) struct Compared {
    /// The signals, with the posteriors still 0.
    pub signals: Signals,
    /// Log-likelihood of the question's words under the entry.
    pub term_log_likelihood: f32,
    /// Log-likelihood of the question's bigrams under the entry.
    pub bigram_log_likelihood: f32,
}

/// Compares the question with entry `ord` whose BM25 score is `bm25` (best
/// retrieved: `bm25_top`); `scratch` is reused between calls to spare allocations.
pub(crate) fn compare(
    snap: &Snapshot,
    q: &QueryVector,
    ord: usize,
    (bm25, bm25_top): (f32, f32),
    scratch: &mut Scratch,
) -> Compared {
    let profile = &snap.profiles[ord];
    let words = q.terms.compare(&snap.terms, &profile.terms, scratch);
    let (term_cosine, variant_coverage) = q.terms.best(&profile.terms, scratch);
    let bigrams = q.bigrams.compare(&snap.bigrams, &profile.bigrams, scratch);
    let (bigram_cosine, _) = q.bigrams.best(&profile.bigrams, scratch);
    let bayes_fit = if q.known_words == 0 {
        0.0
    } else {
        0.5 + 0.5 * ((words.log_likelihood - q.background) / q.known_words as f32 / FIT_SCALE).tanh()
    };
    let signals = Signals {
        term_cosine,
        bigram_cosine,
        question_coverage: q.terms.coverage(words.asked_own, words.asked_borrowed),
        entry_coverage: q.terms.coverage(words.anywhere_own, words.anywhere_borrowed),
        bm25_relative: if bm25_top > 0.0 { (bm25 / bm25_top).clamp(0.0, 1.0) } else { 0.0 },
        variant_coverage,
        bigram_coverage: q.bigrams.coverage(bigrams.asked_own, bigrams.asked_borrowed),
        bayes_posterior: 0.0,
        bigram_bayes_posterior: 0.0,
        bayes_fit,
    };
    Compared { signals, term_log_likelihood: words.log_likelihood, bigram_log_likelihood: bigrams.log_likelihood }
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
    let words = &snap.profiles[ord].terms;
    ids.iter().any(|&id| words.asks_with(id))
}

/// Whether `word` is used by no entry of the base, not even as the words it
/// is made of: 海南自由贸易港 or 投入产出法 are, 缴税凭证 is not when the base has
/// 缴税 and 凭证 (`others`, the question's other terms, hold its parts).
pub(crate) fn unknown_to_the_base(snap: &Snapshot, word: &str, others: &[String]) -> bool {
    if snap.terms.get(word).is_some() {
        return false;
    }
    let mut covered = vec![false; word.len()];
    for part in others.iter().filter(|p| p.chars().nth(1).is_some() && p.len() < word.len()) {
        if snap.terms.get(part).is_none() {
            continue;
        }
        for (at, _) in word.match_indices(part.as_str()) {
            covered[at..at + part.len()].iter_mut().for_each(|c| *c = true);
        }
    }
    covered.contains(&false)
}

/// Whether there are `tax_words` (a question's), and entry `ord` uses every
/// one of them, anywhere (answer included): a tax word it never uses ("消费税"
/// against a 车辆购置税 entry) names something it does not cover.
pub(crate) fn uses_every_tax_word(snap: &Snapshot, ord: usize, tax_words: &[&String]) -> bool {
    !tax_words.is_empty() && uses_every_word(snap, ord, tax_words.iter().copied())
}

/// Whether entry `ord` uses every one of `words` somewhere (ways of asking,
/// keywords or answer).
pub(crate) fn uses_every_word<'a>(snap: &Snapshot, ord: usize, mut words: impl Iterator<Item = &'a String>) -> bool {
    let used = snap.profiles[ord].terms.ids();
    words.all(|t| snap.terms.get(t).is_some_and(|id| used.binary_search(&id).is_ok()))
}
