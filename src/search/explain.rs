//! Why a candidate matched: the question's terms found in each field.

use crate::kb::Entry;

use super::build::Snapshot;
use super::query::QueryTerms;

/// The question's terms found in one field of an entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldMatch {
    /// `question`, `similar`, `keywords` or `answer`.
    pub field: &'static str,
    /// The matched canonical terms.
    pub terms: Vec<String>,
}

/// Lists, per field, which of the question's terms `entry` contains. Analyses
/// the entry again: meant for people (CLI, console), not the hot path.
pub fn explain(snap: &Snapshot, question: &str, entry: &Entry) -> Vec<FieldMatch> {
    let q = QueryTerms::from_analysis(snap.analyzer.analyze(question));
    let fields: [(&'static str, String); 4] = [
        ("question", entry.question.clone()),
        ("similar", entry.similar.join("\n")),
        ("keywords", entry.keywords.join(" ")),
        ("answer", entry.answer.clone()),
    ];
    fields
        .into_iter()
        .map(|(field, text)| {
            let have = snap.analyzer.terms(&text);
            let terms = q.terms.iter().filter(|t| have.contains(t)).cloned().collect();
            FieldMatch { field, terms }
        })
        .filter(|m| !m.terms.is_empty())
        .collect()
}
