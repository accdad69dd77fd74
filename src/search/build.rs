//! Building a [`Snapshot`]: analyse every entry once, then feed the same terms
//! to the tantivy index (retrieval) and to the reranker's term sets.

use std::sync::Arc;
use std::thread;

use rustc_hash::FxHashSet;
use tantivy::columnar::Column;
use tantivy::schema::TantivyDocument;
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{Index, IndexWriter, ReloadPolicy};

use crate::kb::{Entry, KnowledgeBase};
use crate::text::{Analyzer, Joined};

use super::SearchError;
use super::bayes::Background;
use super::profile::{ANSWER_COUNT_WEIGHT, Profile};
use super::schema::{ANALYSED, Fields, schema};
use super::vectors::Vocabulary;

/// Indexing memory: tantivy flushes a segment when it is used up. 512 MB keeps
/// a 100,000-entry base in one or two segments (each segment is searched
/// separately, so fewer segments answer faster); the arena grows only as needed.
const WRITER_MEMORY: usize = 512 * 1024 * 1024;

/// Weight of everyday words relative to tax vocabulary: a rare everyday word
/// ("几十块") is rare in the base by accident, while a tax term is what the
/// question is about. Tuned on the dev set.
const GENERIC_TERM_FACTOR: f32 = 0.3;

/// An immutable, searchable view of one version of the knowledge base.
pub struct Snapshot {
    pub(crate) entries: Vec<Arc<Entry>>,
    pub(crate) profiles: Vec<Profile>,
    pub(crate) terms: Vocabulary,
    pub(crate) bigrams: Vocabulary,
    /// Word counts of the whole base: the naive Bayes background.
    pub(crate) background: Background,
    pub(crate) searcher: tantivy::Searcher,
    /// Per segment: doc id → position in `entries`.
    pub(crate) ords: Vec<Column<u64>>,
    pub(crate) fields: Fields,
    pub(crate) analyzer: Arc<Analyzer>,
}

/// The analysed texts of one entry, as space-separated terms.
struct Analysed {
    /// Question, paraphrases, then the keywords joined: terms and bigrams.
    variants: Vec<Joined>,
    /// The answer's terms.
    answer: String,
    /// Whether the last variant is the keywords.
    has_keywords: bool,
}

/// Entries analysed (in parallel) before their terms are indexed and interned:
/// large enough to keep the cores busy, small enough that the analysed strings
/// of a large base never pile up in memory.
const ANALYSIS_CHUNK: usize = 1024;

impl Snapshot {
    /// Builds the analyzer from the base's word lists, then the snapshot.
    pub fn from_kb(kb: &KnowledgeBase) -> Result<Snapshot, SearchError> {
        Snapshot::build(kb.entries.clone(), Arc::new(Analyzer::new(&kb.lexicon)))
    }

    /// Builds the index and reranker data for `entries`.
    ///
    /// Entries are analysed a chunk at a time (spread over the cores), and each
    /// chunk's terms go straight to the index writer and into the vocabularies
    /// as ids, so the analysed strings of the whole base are never held at once.
    pub fn build(entries: Vec<Entry>, analyzer: Arc<Analyzer>) -> Result<Snapshot, SearchError> {
        let mut indexer = Indexer::new()?;
        let mut terms = Vocabulary::default();
        let mut bigrams = Vocabulary::default();
        let mut keyword_ids: FxHashSet<u32> = FxHashSet::default();
        let mut raw_profiles = Vec::with_capacity(entries.len());
        let mut background_counts: Vec<f32> = Vec::new();
        for (n, chunk) in entries.chunks(ANALYSIS_CHUNK).enumerate() {
            for (i, (entry, a)) in chunk.iter().zip(analyse_all(chunk, &analyzer)).enumerate() {
                let mut variants = Vec::with_capacity(a.variants.len());
                for joined in &a.variants {
                    variants.push((terms.intern_all(&joined.terms), bigrams.intern_all(&joined.bigrams)));
                }
                if a.has_keywords {
                    keyword_ids.extend(variants.last().map(|v| v.0.iter().copied()).into_iter().flatten());
                }
                let answer = terms.intern_all(&a.answer);
                count(&mut terms, variants.iter().map(|v| &v.0).chain(std::iter::once(&answer)));
                background_counts.resize(terms.len(), 0.0);
                for (ids, weight) in variants.iter().map(|v| (&v.0, 1.0)).chain([(&answer, ANSWER_COUNT_WEIGHT)]) {
                    for &id in ids {
                        background_counts[id as usize] += weight;
                    }
                }
                let unique_bigrams = count(&mut bigrams, variants.iter().map(|v| &v.1));
                let mut unique_answer = answer.clone();
                unique_answer.sort_unstable();
                unique_answer.dedup();
                indexer.add(
                    n * ANALYSIS_CHUNK + i,
                    entry,
                    &a,
                    &bigrams.joined(&unique_bigrams),
                    &terms.joined(&unique_answer),
                )?;
                raw_profiles.push((variants, answer));
            }
        }
        let (searcher, ords, fields) = indexer.finish()?;
        terms.finish(
            |id, t| {
                if analyzer.is_domain_term(t) || keyword_ids.contains(&id) { 1.0 } else { GENERIC_TERM_FACTOR }
            },
        );
        bigrams.finish(|_, _| 1.0);
        let profiles: Vec<Profile> = raw_profiles
            .into_iter()
            .map(|(variants, answer)| Profile::new(&terms, &bigrams, variants, &answer))
            .collect();
        let background = Background::new(&background_counts);
        Ok(Snapshot {
            entries: entries.into_iter().map(Arc::new).collect(),
            profiles,
            terms,
            bigrams,
            background,
            searcher,
            ords,
            fields,
            analyzer,
        })
    }

    /// The entries, in build order.
    pub fn entries(&self) -> &[Arc<Entry>] {
        &self.entries
    }
}

/// Counts each entry's distinct ids once for document frequency, and returns them (sorted).
fn count<'a>(vocab: &mut Vocabulary, sets: impl Iterator<Item = &'a Vec<u32>>) -> Vec<u32> {
    let mut ids: Vec<u32> = sets.flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    vocab.count_entry(&ids);
    ids
}

/// Analyses all entries, spread over the machine's cores (jieba is the cost).
fn analyse_all(entries: &[Entry], analyzer: &Analyzer) -> Vec<Analysed> {
    let workers = thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = entries.len().div_ceil(workers).max(1);
    thread::scope(|s| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|e| analyse(e, analyzer)).collect::<Vec<_>>()))
            .collect();
        // A panic inside jieba would be a bug in it; re-raise rather than lose entries.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    })
}

fn analyse(entry: &Entry, analyzer: &Analyzer) -> Analysed {
    let keywords = entry.keywords.join(" ");
    let has_keywords = !keywords.is_empty();
    let texts = entry.questions().chain(has_keywords.then_some(keywords.as_str()));
    let variants = texts.map(|text| analyzer.analyze_joined(text, true)).collect();
    Analysed { variants, answer: analyzer.analyze_joined(&entry.answer, false).terms, has_keywords }
}

type Built = (tantivy::Searcher, Vec<Column<u64>>, Fields);

/// The tantivy side of a build: documents are added as entries are analysed.
struct Indexer {
    index: Index,
    writer: IndexWriter<TantivyDocument>,
    fields: Fields,
}

impl Indexer {
    fn new() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(ANALYSED, TextAnalyzer::from(WhitespaceTokenizer::default()));
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        Ok(Indexer { index, writer, fields })
    }

    /// Adds entry number `ord` with its analysed texts, the distinct bigrams of
    /// its ways of asking and its answer's terms (all space-separated).
    fn add(&mut self, ord: usize, entry: &Entry, a: &Analysed, bigrams: &str, answer: &str) -> Result<(), SearchError> {
        let fields = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(fields.id, entry.id.as_str());
        doc.add_u64(fields.ord, ord as u64);
        let n_questions = 1 + entry.similar.len();
        for (i, joined) in a.variants.iter().enumerate() {
            let field = match i {
                0 => fields.question,
                i if i < n_questions => fields.similar,
                _ => fields.keywords,
            };
            doc.add_text(field, &joined.terms);
        }
        doc.add_text(fields.bigram, bigrams);
        doc.add_text(fields.answer, answer);
        self.writer.add_document(doc)?;
        Ok(())
    }

    fn finish(mut self) -> Result<Built, SearchError> {
        self.writer.commit()?;
        let reader = self.index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let searcher: tantivy::Searcher = reader.searcher();
        let ords =
            searcher.segment_readers().iter().map(|s| s.fast_fields().u64("ord")).collect::<Result<Vec<_>, _>>()?;
        Ok((searcher, ords, self.fields))
    }
}
