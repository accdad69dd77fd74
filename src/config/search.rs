//! `[search]` settings.

use serde::{Deserialize, Serialize};

/// Decision thresholds and reranker weights; tuned with `taxbot eval` on the dev set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Minimum confidence of the best candidate to answer directly.
    #[serde(deserialize_with = "super::valid::threshold")]
    pub answer_threshold: f32,
    /// Minimum confidence lead over the runner-up to answer directly.
    #[serde(deserialize_with = "super::valid::unit")]
    pub margin: f32,
    /// A short question (at most `short_question_words` words of its own, one
    /// of them a tax term) whose
    /// best candidate is the only plausible one (no other reaches
    /// `clarify_floor`) is answered from this confidence on: a one-choice
    /// "您是不是想问…" only makes the taxpayer reply again.
    #[serde(deserialize_with = "super::valid::threshold")]
    pub single_answer_threshold: f32,
    /// A brief question (see `short_question_words`) is also answered when
    /// its best candidate reaches `single_answer_threshold` and is at least
    /// this many times as confident as the next: "住房租金扣除标准" is about
    /// the standard amounts, and the next entry is shown among the related questions.
    #[serde(deserialize_with = "super::valid::ratio")]
    pub brief_lead: f32,
    /// Any question whose best candidate is the only plausible one (no other
    /// reaches `clarify_floor`), or `brief_lead` times as confident as the
    /// next, is answered from this confidence on, however long it is: the
    /// lowest value keeping dev.jsonl's answered precision ≥ 0.955 and null
    /// rejection ≥ 0.87 (docs/quality.md, steps 20 and 24). See also
    /// `covered_sole_threshold`.
    #[serde(deserialize_with = "super::valid::threshold")]
    pub sole_answer_threshold: f32,
    /// `sole_answer_threshold` for a question that asks something and whose
    /// best candidate uses every tax word of it: what is left unmatched is
    /// everyday wording ("我想早点弄"), not a tax topic the entry does not
    /// cover (消费税 against a 车辆购置税 entry). Meant to be at most
    /// `sole_answer_threshold`; docs/quality.md, step 31.
    #[serde(deserialize_with = "super::valid::threshold")]
    pub covered_sole_threshold: f32,
    /// Most own words of a question that `single_answer_threshold` applies to;
    /// longer questions carry details the single candidate may not cover.
    pub short_question_words: usize,
    /// Minimum summed confidence of the first `max_clarify` candidates to offer
    /// "您是不是想问…" rather than a human.
    #[serde(deserialize_with = "super::valid::non_negative")]
    pub clarify_threshold: f32,
    /// Minimum confidence of the other candidates offered in a clarification.
    #[serde(deserialize_with = "super::valid::unit")]
    pub clarify_floor: f32,
    /// Most candidates offered in a clarification.
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_clarify: usize,
    /// Candidates retrieved by BM25 before reranking.
    #[serde(deserialize_with = "super::valid::positive")]
    pub retrieve_k: usize,
    /// Weight of words no entry uses, relative to the rarest known word.
    #[serde(deserialize_with = "super::valid::non_negative")]
    pub unknown_factor: f32,
    /// Ranking weights of the reranker's signals (in the order of the search module's `Signals::as_array`).
    pub rank_weights: [f32; 10],
    /// Logistic weights of the confidence: ranking score, lead over the best
    /// other candidate, then the signals.
    pub confidence_weights: [f32; 12],
    /// Logistic bias of the confidence.
    pub confidence_bias: f32,
}

impl Default for Settings {
    fn default() -> Self {
        // Fitted on tests/eval/dev.jsonl (see docs/quality.md): ranking weights by
        // pairwise logistic regression, confidence by logistic regression of
        // "this candidate is the right entry".
        Settings {
            answer_threshold: 0.9,
            margin: 0.0,
            single_answer_threshold: 0.3,
            brief_lead: 5.0,
            sole_answer_threshold: 0.8,
            covered_sole_threshold: 0.6,
            short_question_words: 7,
            clarify_threshold: 0.3,
            clarify_floor: 0.05,
            max_clarify: 3,
            retrieve_k: 20,
            unknown_factor: 0.8,
            rank_weights: [0.0, 1.2924, 0.0, 0.0, 2.6154, 2.572, 1.424, 2.9366, 1.3653, 2.5103],
            confidence_weights: [
                0.6049, 0.2467, -1.2436, -1.4692, 1.8062, 1.0883, -0.0102, 0.7877, 0.0897, 0.8234, 0.2016, -0.9229,
            ],
            confidence_bias: -7.9933,
        }
    }
}
