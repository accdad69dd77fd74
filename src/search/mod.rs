//! Matching: a tantivy index over the knowledge base, BM25 candidate
//! retrieval, a reranker giving comparable confidences, and the [`Decision`].
//!
//! The live index is an [`ArcSwap`] of immutable [`Snapshot`]s: a new knowledge
//! base is built on the side and swapped in with one atomic store, so queries
//! running during the swap finish on the snapshot they started with.

mod bayes;
mod build;
mod context;
mod decide;
pub mod eval;
mod explain;
mod profile;
mod query;
mod related;
mod rerank;
mod retrieve;
mod schema;
mod scope;
mod vectors;

use std::sync::Arc;

use arc_swap::ArcSwap;

pub use crate::config::search::Settings;
pub use build::Snapshot;
pub use decide::{Candidate, Confidence, Decision};
pub use explain::{FieldMatch, explain};
pub use query::{MAX_QUESTION_CHARS, QueryTerms};

use crate::kb::{Category, EntryId};
use rerank::QueryVector;
pub use rerank::Signals;
pub use scope::{GENERAL_CONTACT, Service};

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The search engine failed (building or querying the index).
    #[error("索引错误：{0}")]
    Index(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }
}

/// What one turn leaves for the next: its effective terms and answer.
#[derive(Debug, Clone, Default)]
pub struct Turn {
    /// The terms the turn was matched with (its own, or merged with the turn before).
    pub terms: QueryTerms,
    /// The entry the turn was answered with, if any.
    pub entry: Option<EntryId>,
    /// The category of that entry or, unanswered, of the best candidate: the
    /// area of tax the conversation is in.
    pub area: Option<Category>,
}

/// The result of matching a question.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What to do.
    pub decision: Decision,
    /// The retrieved candidates, best first.
    pub ranked: Vec<Candidate>,
    /// Context for a follow-up question.
    pub turn: Turn,
    /// Whether the previous turn's terms were borrowed.
    pub used_context: bool,
}

/// The live matcher: the current snapshot plus the decision settings.
pub struct Searcher {
    current: ArcSwap<Snapshot>,
    settings: Settings,
}

/// Ranking-score penalty of a follow-up candidate that shares no word with the
/// follow-up itself: enough to lose to one that does, not so much that it
/// cannot win when nothing does.
const OFF_ANCHOR_PENALTY: f32 = 2.0;

/// Ranking-score penalty of the entry just answered, in a follow-up: the
/// taxpayer has read it and asks something more; it still wins when nothing
/// else fits.
const PREVIOUS_ENTRY_PENALTY: f32 = 1.0;

/// What a follow-up is matched against besides its terms.
#[derive(Debug, Clone, Copy)]
struct Focus<'a> {
    /// The follow-up's own terms.
    anchor: &'a QueryTerms,
    /// The entry the previous turn was answered with.
    previous: Option<&'a EntryId>,
}

/// A tax word found in more than this share of the entries names an area of
/// the base (个税, 汇算, 发票), not one topic.
const BROAD_TOPIC_SHARE: f32 = 0.1;

/// The lead credited to a sole candidate (about the lead of a clear winner).
const NO_RUNNER_UP_LEAD: f32 = 10.0;

impl Searcher {
    /// Starts serving `snapshot`.
    pub fn new(snapshot: Snapshot, settings: Settings) -> Self {
        Searcher { current: ArcSwap::from_pointee(snapshot), settings }
    }

    /// The snapshot queries run on now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Swaps in a new snapshot; queries already running finish on the old one.
    pub fn replace(&self, snapshot: Snapshot) {
        self.current.store(Arc::new(snapshot));
    }

    /// The decision settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Matches a stand-alone question.
    pub fn ask(&self, question: &str) -> Result<Outcome, SearchError> {
        self.ask_after(question, None)
    }

    /// Ranks and decides. With an `anchor` (a follow-up's own terms), entries
    /// that share none of those terms are demoted: "那个体户呢？" asks about
    /// 个体户, not again about the previous turn's subject.
    fn match_terms(&self, snap: &Snapshot, terms: QueryTerms, focus: Option<Focus>) -> Result<Outcome, SearchError> {
        let anchor = focus.map(|f| f.anchor);
        let previous = focus.and_then(|f| f.previous);
        let s = &self.settings;
        let ords = retrieve::retrieve(snap, &terms, s.retrieve_k)?;
        let qv = QueryVector::new(snap, &terms, s.unknown_factor);
        let bm25_top = ords.first().map_or(0.0, |&(_, score)| score);
        let anchor_ids = anchor.map(|a| rerank::known_ids(snap, &a.terms)).filter(|ids| !ids.is_empty());
        let mut scratch = profile::Scratch::default();
        let compared: Vec<rerank::Compared> =
            ords.iter().map(|&(ord, bm25)| rerank::compare(snap, &qv, ord, (bm25, bm25_top), &mut scratch)).collect();
        let term_ll: Vec<f32> = compared.iter().map(|c| c.term_log_likelihood).collect();
        let bigram_ll: Vec<f32> = compared.iter().map(|c| c.bigram_log_likelihood).collect();
        let posteriors = bayes::posteriors(&term_ll).into_iter().zip(bayes::posteriors(&bigram_ll));
        let mut scored: Vec<(usize, Signals, f32)> = ords
            .iter()
            .zip(posteriors.zip(compared))
            .map(|(&(ord, _), ((words, bigrams), c))| {
                let signals = Signals { bayes_posterior: words, bigram_bayes_posterior: bigrams, ..c.signals };
                let mut score = rerank::score(&signals, s);
                if anchor_ids.as_ref().is_some_and(|ids| !rerank::mentions_any(snap, ord, ids)) {
                    score -= OFF_ANCHOR_PENALTY;
                }
                if previous.is_some_and(|id| *id == snap.entries[ord].id) {
                    score -= PREVIOUS_ENTRY_PENALTY;
                }
                (ord, signals, score)
            })
            .collect();
        // Stable: equal scores keep BM25 order.
        scored.sort_by(|a, b| b.2.total_cmp(&a.2));
        let best = scored.first().map_or(0.0, |c| c.2);
        let tax_words: Vec<&String> = terms.terms.iter().filter(|t| snap.analyzer.is_domain_term(t)).collect();
        let coverage = if tax_words.iter().any(|t| rerank::unknown_to_the_base(snap, t, &terms.terms)) {
            decide::Coverage::Outside
        } else if scored.first().is_some_and(|&(ord, ..)| rerank::uses_every_tax_word(snap, ord, &tax_words)) {
            decide::Coverage::Whole
        } else {
            decide::Coverage::Partial
        };
        let runner_up = scored.get(1).map_or(f32::NEG_INFINITY, |c| c.2);
        let ranked: Vec<Candidate> = scored
            .into_iter()
            .enumerate()
            .map(|(i, (ord, signals, score))| {
                // The lead over the best *other* candidate; no runner-up means a clear lead.
                let lead = if i == 0 { (score - runner_up).min(NO_RUNNER_UP_LEAD) } else { score - best };
                let confidence = Confidence::new(rerank::confidence(score, lead, &signals, s));
                Candidate { entry: snap.entries[ord].clone(), confidence, signals }
            })
            .collect();
        // "要带什么材料" alone names no tax term: one plausible entry is no answer;
        // a follow-up's tax term may come from the turn before ("那错过了呢" after 汇算).
        let brief = terms.terms.len() <= s.short_question_words
            && (!tax_words.is_empty() || terms.borrowed_terms.iter().any(|t| snap.analyzer.is_domain_term(t)));
        // "个税上的事" names a whole area of the base, not a question: no entry is the answer.
        let broad_topic = terms.names_only_a_topic
            && !tax_words.is_empty()
            && tax_words.iter().all(|t| snap.terms.entry_share(t) > BROAD_TOPIC_SHARE);
        let topic = if terms.tells_context {
            decide::Topic::Context
        } else if broad_topic {
            decide::Topic::Area
        } else if terms.names_only_a_topic {
            decide::Topic::Named
        } else {
            decide::Topic::Asked
        };
        let decision = decide::decide(&ranked, brief, topic, coverage, s);
        let entry = decision.answered().map(|e| e.id.clone());
        let area = decision.answered().or_else(|| ranked.first().map(|c| &c.entry)).map(|e| e.category.clone());
        Ok(Outcome { decision, ranked, turn: Turn { terms, entry, area }, used_context: false })
    }
}

#[cfg(test)]
mod tests;
