//! Reranking: a similarity in [0, 1] between the question and each way of
//! asking an entry, comparable across questions (unlike BM25 scores).

use super::build::{Snapshot, Variant};
use super::query::QueryTerms;
use super::vectors::{TermSet, Vocabulary, shared_weight};

/// How the reranker weighs its signals (from config).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Weights {
    /// Share of the word similarity; the rest is the bigram similarity.
    pub term_share: f32,
    /// Weight of a word no entry uses, relative to the rarest known word.
    pub unknown_factor: f32,
}

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

fn side(
    vocab: &Vocabulary,
    items: &[String],
    borrowed: &[String],
    unknown_factor: f32,
) -> QuerySide {
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
    let borrowed = vocab
        .set(borrowed.iter().filter_map(|b| vocab.get(b)).collect())
        .ids;
    QuerySide {
        known,
        norm,
        borrowed,
    }
}

impl QueryVector {
    /// Weighs the question's terms against the snapshot's vocabulary.
    pub fn new(snap: &Snapshot, q: &QueryTerms, w: Weights) -> Self {
        QueryVector {
            terms: side(&snap.terms, &q.terms, &q.borrowed_terms, w.unknown_factor),
            bigrams: side(
                &snap.bigrams,
                &q.bigrams,
                &q.borrowed_bigrams,
                w.unknown_factor,
            ),
        }
    }
}

fn cosine(vocab: &Vocabulary, q: &QuerySide, v: &TermSet) -> f32 {
    let borrowed = if q.borrowed.is_empty() {
        0.0
    } else {
        shared_weight(vocab, &q.borrowed, &v.ids)
    };
    let q_norm = (q.norm.powi(2) + borrowed).sqrt();
    if q_norm == 0.0 || v.norm == 0.0 {
        return 0.0;
    }
    (shared_weight(vocab, &q.known.ids, &v.ids) + borrowed) / (q_norm * v.norm)
}

fn variant_similarity(snap: &Snapshot, q: &QueryVector, v: &Variant, w: Weights) -> f32 {
    let t = cosine(&snap.terms, &q.terms, &v.terms);
    let b = cosine(&snap.bigrams, &q.bigrams, &v.bigrams);
    w.term_share * t + (1.0 - w.term_share) * b
}

/// The similarity of the question to entry `ord`: its best way of asking.
pub(crate) fn similarity(snap: &Snapshot, q: &QueryVector, ord: usize, w: Weights) -> f32 {
    snap.profiles[ord]
        .variants
        .iter()
        .map(|v| variant_similarity(snap, q, v, w))
        .fold(0.0, f32::max)
        .clamp(0.0, 1.0)
}

/// The ids of the known terms among `terms`.
pub(crate) fn known_ids(snap: &Snapshot, terms: &[String]) -> Vec<u32> {
    terms.iter().filter_map(|t| snap.terms.get(t)).collect()
}

/// Whether any way of asking entry `ord` uses one of the term `ids`.
pub(crate) fn mentions_any(snap: &Snapshot, ord: usize, ids: &[u32]) -> bool {
    snap.profiles[ord]
        .variants
        .iter()
        .any(|v| ids.iter().any(|id| v.terms.ids.binary_search(id).is_ok()))
}
