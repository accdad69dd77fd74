//! Measuring answer quality on a labelled file of questions (`taxbot eval`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Decision, SearchError, Searcher};

/// One labelled question: `{"query": "...", "gold": "<entry id>" | null}`,
/// optionally with a `kind` (e.g. `voice`) reported as its own line; other
/// fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalCase {
    /// The question as a taxpayer typed it.
    pub query: String,
    /// The entry that answers it, or `None` when the base must not answer.
    pub gold: Option<String>,
    /// A style or subset name, reported as its own line (`kind:<name>`).
    #[serde(default)]
    pub kind: Option<String>,
}

/// Why an evaluation file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A line is not a valid case.
    #[error("第 {line} 行不是有效的评测样例：{message}")]
    BadLine {
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// The file has no cases.
    #[error("评测文件没有任何样例")]
    Empty,
}

/// Parses JSON Lines (blank lines skipped).
pub fn parse_cases(text: &str) -> Result<Vec<EvalCase>, EvalError> {
    let cases = parse_lines::<EvalCase>(text.lines().enumerate().collect())?;
    if cases.is_empty() { Err(EvalError::Empty) } else { Ok(cases) }
}

/// Parses numbered JSON lines (0-based numbers; blank lines skipped) into `T`.
pub fn parse_lines<T: serde::de::DeserializeOwned>(lines: Vec<(usize, &str)>) -> Result<Vec<T>, EvalError> {
    let mut out = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let item =
            serde_json::from_str(line).map_err(|e| EvalError::BadLine { line: i + 1, message: e.to_string() })?;
        out.push(item);
    }
    Ok(out)
}

/// Quality figures, all fractions in [0, 1].
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Metrics {
    /// Number of questions.
    pub n: usize,
    /// Gold entry ranked first (questions with a gold entry, whatever the decision).
    pub top1: f64,
    /// Gold entry among the first three.
    pub recall3: f64,
    /// Mean reciprocal rank of the gold entry among the retrieved candidates.
    pub mrr: f64,
    /// Share of `Answer` decisions that were correct (an answer to a null question is wrong).
    pub answered_precision: f64,
    /// Share of null questions not answered.
    pub null_rejection: f64,
    /// Share of gold questions answered directly with the gold entry.
    pub resolved: f64,
    /// Share of all questions that got `Clarify`.
    pub clarify_rate: f64,
    /// Share of null questions told that they are not tax questions (`OutOfScope`).
    pub out_of_scope: f64,
}

/// Counters behind [`Metrics`].
#[derive(Debug, Clone, Default)]
struct Tally {
    n: usize,
    gold: usize,
    top1: usize,
    top3: usize,
    rr: f64,
    answered: usize,
    answered_right: usize,
    nulls: usize,
    nulls_rejected: usize,
    resolved: usize,
    clarified: usize,
    out_of_scope: usize,
}

fn ratio(a: usize, b: usize, empty: f64) -> f64 {
    if b == 0 { empty } else { a as f64 / b as f64 }
}

impl Tally {
    fn metrics(&self) -> Metrics {
        Metrics {
            n: self.n,
            top1: ratio(self.top1, self.gold, 0.0),
            recall3: ratio(self.top3, self.gold, 0.0),
            mrr: if self.gold == 0 { 0.0 } else { self.rr / self.gold as f64 },
            answered_precision: ratio(self.answered_right, self.answered, 1.0),
            null_rejection: ratio(self.nulls_rejected, self.nulls, 1.0),
            resolved: ratio(self.resolved, self.gold, 0.0),
            clarify_rate: ratio(self.clarified, self.n, 0.0),
            out_of_scope: ratio(self.out_of_scope, self.nulls, 0.0),
        }
    }
}

/// A question the matcher got wrong, for analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// The question.
    pub query: String,
    /// The expected entry, or `None` for a null question.
    pub gold: Option<String>,
    /// `answer`, `clarify` or `no_match`.
    pub decision: &'static str,
    /// The best candidates with their confidences.
    pub top: Vec<(String, f32)>,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Figures over all questions.
    #[serde(flatten)]
    pub overall: Metrics,
    /// Figures per category of the gold entry (`null` for null questions).
    pub per_category: BTreeMap<String, Metrics>,
    /// Figures per `kind` of the cases that have one.
    pub per_kind: BTreeMap<String, Metrics>,
    /// Gold ids that are not in the knowledge base.
    pub unknown_gold: Vec<String>,
    /// Wrong or unresolved questions: gold not first, a wrong answer, or an answered null question.
    #[serde(skip)]
    pub misses: Vec<Miss>,
}

/// One retrieved candidate of one case with its signals, for tuning the reranker.
#[derive(Debug, Clone, Serialize)]
pub struct SignalRow {
    /// Index of the case in the file.
    pub case: usize,
    /// The candidate entry.
    pub id: String,
    /// Whether it is the case's gold entry.
    pub gold: bool,
    /// The reranker's signals.
    pub signals: super::Signals,
    /// The calibrated confidence (for tuning the decision thresholds).
    pub confidence: f32,
    /// The decision on the case (`answer`, `clarify`, …), the same on each of its rows.
    pub decision: &'static str,
}

/// Every retrieved candidate of every case with its signals.
pub fn signal_rows(searcher: &Searcher, cases: &[EvalCase]) -> Result<Vec<SignalRow>, SearchError> {
    let mut rows = Vec::new();
    for (case, c) in cases.iter().enumerate() {
        let outcome = searcher.ask(&c.query)?;
        let decision = outcome.decision.kind();
        for cand in outcome.ranked {
            let gold = c.gold.as_deref() == Some(cand.entry.id.as_str());
            let (id, signals, confidence) = (cand.entry.id.to_string(), cand.signals, cand.confidence.get());
            rows.push(SignalRow { case, id, gold, signals, confidence, decision });
        }
    }
    Ok(rows)
}

/// Runs every case through the searcher (stand-alone questions, no context).
pub fn evaluate(searcher: &Searcher, cases: &[EvalCase]) -> Result<EvalReport, SearchError> {
    let snap = searcher.snapshot();
    let category_of: BTreeMap<&str, &str> =
        snap.entries().iter().map(|e| (e.id.as_str(), e.category.as_str())).collect();
    let mut overall = Tally::default();
    let mut per_category: BTreeMap<String, Tally> = BTreeMap::new();
    let mut per_kind: BTreeMap<String, Tally> = BTreeMap::new();
    let mut unknown_gold = Vec::new();
    let mut misses = Vec::new();
    for case in cases {
        let outcome = searcher.ask(&case.query)?;
        let category = match &case.gold {
            None => "null",
            Some(g) => category_of.get(g.as_str()).copied().unwrap_or_else(|| {
                unknown_gold.push(g.clone());
                "unknown"
            }),
        };
        let rank = case.gold.as_ref().and_then(|g| outcome.ranked.iter().position(|c| c.entry.id.as_str() == g));
        let answered = outcome.decision.answered().map(|e| e.id.as_str());
        let mut tallies = vec![&mut overall, per_category.entry(category.to_owned()).or_default()];
        if let Some(kind) = &case.kind {
            tallies.push(per_kind.entry(kind.clone()).or_default());
        }
        for tally in tallies {
            tally.n += 1;
            tally.clarified += usize::from(matches!(outcome.decision, Decision::Clarify { .. }));
            if answered.is_some() {
                tally.answered += 1;
                tally.answered_right += usize::from(answered == case.gold.as_deref());
            }
            match &case.gold {
                None => {
                    tally.nulls_rejected += usize::from(answered.is_none());
                    tally.out_of_scope += usize::from(outcome.decision.kind() == "out_of_scope");
                }
                Some(_) => {
                    tally.gold += 1;
                    tally.top1 += usize::from(rank == Some(0));
                    tally.top3 += usize::from(rank.is_some_and(|r| r < 3));
                    tally.rr += rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0));
                    tally.resolved += usize::from(answered.is_some() && answered == case.gold.as_deref());
                }
            }
            if case.gold.is_none() {
                tally.nulls += 1;
            }
        }
        let wrong = match &case.gold {
            None => answered.is_some(),
            Some(g) => rank != Some(0) || answered.is_some_and(|a| a != g),
        };
        if wrong {
            let top = outcome.ranked.iter().take(3).map(|c| (c.entry.id.to_string(), c.confidence.get())).collect();
            misses.push(Miss {
                query: case.query.clone(),
                gold: case.gold.clone(),
                decision: outcome.decision.kind(),
                top,
            });
        }
    }
    Ok(EvalReport {
        overall: overall.metrics(),
        per_category: per_category.into_iter().map(|(k, t)| (k, t.metrics())).collect(),
        per_kind: per_kind.into_iter().map(|(k, t)| (k, t.metrics())).collect(),
        unknown_gold,
        misses,
    })
}

impl EvalReport {
    /// A plain-text table: overall, then one row per category.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let header = format!(
            "{:<14} {:>5} {:>6} {:>8} {:>6} {:>9} {:>8} {:>8} {:>8} {:>8}\n",
            "category", "n", "top1", "recall@3", "mrr", "ans.prec", "null.rej", "resolved", "clarify", "oos"
        );
        out.push_str(&header);
        let mut row = |name: &str, m: &Metrics| {
            let _ = writeln!(
                out,
                "{:<14} {:>5} {:>6.3} {:>8.3} {:>6.3} {:>9.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
                name,
                m.n,
                m.top1,
                m.recall3,
                m.mrr,
                m.answered_precision,
                m.null_rejection,
                m.resolved,
                m.clarify_rate,
                m.out_of_scope
            );
        };
        row("overall", &self.overall);
        for (name, m) in &self.per_category {
            row(name, m);
        }
        for (name, m) in &self.per_kind {
            row(&format!("kind:{name}"), m);
        }
        if !self.unknown_gold.is_empty() {
            let _ = writeln!(out, "unknown gold ids: {}", self.unknown_gold.join(", "));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gold_and_null_cases_and_names_bad_lines() {
        let cases =
            parse_cases("{\"query\": \"个税\", \"gold\": \"IIT-001\"}\n\n{\"query\": \"天气\", \"gold\": null}\n")
                .expect("valid");
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[1].gold, None);
        match parse_cases("{\"query\": 1}\n") {
            Err(EvalError::BadLine { line: 1, .. }) => {}
            other => panic!("expected a bad line, got {other:?}"),
        }
        assert!(matches!(parse_cases("\n"), Err(EvalError::Empty)));
    }
}
