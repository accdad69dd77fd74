//! Turning ranked candidates into a decision: answer, clarify or no match.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::kb::Entry;

use super::rerank::Signals;
use super::scope::Service;
use crate::config::search::Settings;

/// A confidence in [0, 1], comparable across questions.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Confidence(f32);

impl Confidence {
    /// Clamps `value` into [0, 1] (NaN becomes 0).
    pub fn new(value: f32) -> Self {
        Confidence(if value.is_nan() { 0.0 } else { value.clamp(0.0, 1.0) })
    }

    /// The value.
    pub fn get(self) -> f32 {
        self.0
    }
}

/// An entry with how confident the matcher is that it answers the question.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The entry (kept alive even if the index is swapped meanwhile).
    pub entry: Arc<Entry>,
    /// The matcher's confidence.
    pub confidence: Confidence,
    /// The reranker's signals behind the confidence.
    pub signals: Signals,
}

/// What to do with a question.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Confident and clearly ahead of the runner-up: answer with this entry.
    Answer {
        /// The entry to answer with.
        entry: Arc<Entry>,
        /// The matcher's confidence.
        confidence: Confidence,
    },
    /// Close or medium: ask "您是不是想问…" with these candidates, best first.
    Clarify {
        /// Between one and `max_clarify` candidates.
        candidates: Vec<Candidate>,
    },
    /// Nothing close enough: offer a human.
    NoMatch {
        /// The best candidate, if any, for logs and editors.
        nearest: Option<Candidate>,
    },
    /// Not a tax question (公积金, 医保报销, 快递…): say so and where to ask.
    OutOfScope {
        /// The public service it is about, when the lexicon knows it.
        service: Option<&'static Service>,
    },
}

impl Decision {
    /// `answer`, `clarify`, `no_match` or `out_of_scope`.
    pub fn kind(&self) -> &'static str {
        match self {
            Decision::Answer { .. } => "answer",
            Decision::Clarify { .. } => "clarify",
            Decision::NoMatch { .. } => "no_match",
            Decision::OutOfScope { .. } => "out_of_scope",
        }
    }

    /// The answered entry, if any.
    pub fn answered(&self) -> Option<&Arc<Entry>> {
        match self {
            Decision::Answer { entry, .. } => Some(entry),
            _ => None,
        }
    }
}

/// What a question asks, as far as deciding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    /// It asks something.
    Asked,
    /// It only names a topic ("社保费", "进项抵扣"): a favourite among several
    /// plausible entries is a guess, the taxpayer chooses; a sole one is the answer.
    Named,
    /// It only names an area many entries share ("个税上的事", "问个汇算的事"):
    /// not even a sole plausible entry is the answer unless confident.
    Area,
    /// It only says who is asking ("我是小规模", "我们是外贸公司 头一回做出口"):
    /// however likely an entry, the taxpayer has not asked yet; they get the
    /// choice, and their next message is read with these words.
    Context,
}

/// How far the knowledge base covers the tax words of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coverage {
    /// The best candidate uses every tax word of the question.
    Whole,
    /// Not every tax word is in the best candidate, but each is somewhere in the base.
    Partial,
    /// A tax word of the question is in no entry at all, not even as its parts
    /// (海南自由贸易港, 投入产出法): the base does not cover what it asks, so
    /// however near an entry comes, it is offered as a choice, never given as
    /// the answer.
    Outside,
}

/// Decides on candidates in ranking order, best first. `brief`: the question
/// is short (at most `short_question_words` words of its own, not counting
/// words borrowed from an earlier turn) and names a tax term.
pub(crate) fn decide(ranked: &[Candidate], brief: bool, topic: Topic, coverage: Coverage, s: &Settings) -> Decision {
    let Some(top) = ranked.first() else {
        return Decision::NoMatch { nearest: None };
    };
    let best = top.confidence.get();
    let second = ranked.get(1).map_or(0.0, |c| c.confidence.get());
    let confident = best >= s.answer_threshold && best - second >= s.margin;
    let favourite = topic == Topic::Asked && best >= s.brief_lead * second;
    let brief = brief && topic != Topic::Area;
    let only_plausible = brief && best >= s.single_answer_threshold && (second < s.clarify_floor || favourite);
    let bar = if coverage == Coverage::Whole && topic == Topic::Asked {
        s.covered_sole_threshold
    } else {
        s.sole_answer_threshold
    };
    let sole = topic != Topic::Area && best >= bar && (second < s.clarify_floor || favourite);
    let answerable = topic != Topic::Context && coverage != Coverage::Outside;
    if answerable && (confident || only_plausible || sole) {
        return Decision::Answer { entry: top.entry.clone(), confidence: top.confidence };
    }
    // Confidences are per-candidate probabilities of being the right entry, so
    // their sum over the offered candidates is the chance that the list holds
    // it: a vague "发票" spreads it over several entries, none of them sure.
    let offered = &ranked[..ranked.len().min(s.max_clarify.max(1))];
    let mass: f32 = offered.iter().map(|c| c.confidence.get()).sum();
    if mass >= s.clarify_threshold {
        let candidates = std::iter::once(top)
            .chain(offered.iter().skip(1).filter(|c| c.confidence.get() >= s.clarify_floor))
            .cloned()
            .collect();
        return Decision::Clarify { candidates };
    }
    Decision::NoMatch { nearest: Some(top.clone()) }
}
