//! Candidate retrieval: BM25 over the boosted fields plus the bigram field.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::SearchError;
use super::build::Snapshot;
use super::query::QueryTerms;
use super::schema::{BOOST_ANSWER, BOOST_BIGRAM, BOOST_KEYWORDS, BOOST_QUESTION, BOOST_SIMILAR};

fn clause(field: Field, text: &str, boost: f32) -> (Occur, Box<dyn Query>) {
    let term = tantivy::Term::from_field_text(field, text);
    let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
    (Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost)))
}

/// The `k` best entries for the query by BM25: (position in the snapshot, score), best first.
pub(crate) fn retrieve(snap: &Snapshot, q: &QueryTerms, k: usize) -> Result<Vec<(usize, f32)>, SearchError> {
    let f = &snap.fields;
    let mut clauses = Vec::with_capacity(q.terms.len() * 4 + q.bigrams.len());
    for t in q.all_terms() {
        clauses.push(clause(f.question, t, BOOST_QUESTION));
        clauses.push(clause(f.similar, t, BOOST_SIMILAR));
        clauses.push(clause(f.keywords, t, BOOST_KEYWORDS));
        clauses.push(clause(f.answer, t, BOOST_ANSWER));
    }
    for b in q.all_bigrams() {
        clauses.push(clause(f.bigram, b, BOOST_BIGRAM));
    }
    if clauses.is_empty() || k == 0 {
        return Ok(Vec::new());
    }
    let hits = snap.searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(k).order_by_score())?;
    Ok(hits
        .into_iter()
        .filter_map(|(score, addr)| {
            Some((snap.ords.get(addr.segment_ord as usize)?.first(addr.doc_id)? as usize, score))
        })
        .collect())
}
