//! Candidate retrieval: BM25 over the boosted fields plus the bigram field.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::SearchError;
use super::build::Snapshot;
use super::query::QueryTerms;
use super::schema::{BOOST_ANSWER, BOOST_BIGRAM, BOOST_KEYWORDS, BOOST_QUESTION, BOOST_SIMILAR, RARE_TERMS};
use super::vectors::Vocabulary;

fn clause(field: Field, text: &str, boost: f32) -> (Occur, Box<dyn Query>) {
    let term = tantivy::Term::from_field_text(field, text);
    let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
    (Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost)))
}

/// Most words and bigrams of a question sent to BM25. A long question's
/// common words cost the most (longest posting lists) and change the ranking
/// least; the reranker still sees every word.
const MAX_TERMS: usize = 6;
const MAX_BIGRAMS: usize = 8;

/// The known items with the highest weight, at most `max` of them.
fn most_informative<'a>(vocab: &Vocabulary, items: impl Iterator<Item = &'a String>, max: usize) -> Vec<&'a str> {
    let mut known: Vec<(f32, &str)> =
        items.filter_map(|t| vocab.get(t).map(|id| (vocab.idf(id), t.as_str()))).collect();
    known.sort_by(|a, b| b.0.total_cmp(&a.0));
    known.truncate(max);
    known.into_iter().map(|(_, t)| t).collect()
}

/// The `k` best entries for the query by BM25: (position in the snapshot, score), best first.
pub(crate) fn retrieve(snap: &Snapshot, q: &QueryTerms, k: usize) -> Result<Vec<(usize, f32)>, SearchError> {
    let f = &snap.fields;
    let terms = most_informative(&snap.terms, q.all_terms(), MAX_TERMS);
    let bigrams = most_informative(&snap.bigrams, q.all_bigrams(), MAX_BIGRAMS);
    let mut clauses = Vec::with_capacity(RARE_TERMS * 3 + terms.len() + bigrams.len());
    // The paraphrases carry nearly all the ranking signal; the canonical
    // question, the keywords and the answer are consulted for the rarest
    // words only, which have short posting lists.
    for t in terms.iter().take(RARE_TERMS) {
        clauses.push(clause(f.question, t, BOOST_QUESTION));
        clauses.push(clause(f.keywords, t, BOOST_KEYWORDS));
        clauses.push(clause(f.answer, t, BOOST_ANSWER));
    }
    for t in &terms {
        clauses.push(clause(f.similar, t, BOOST_SIMILAR));
    }
    for b in &bigrams {
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
