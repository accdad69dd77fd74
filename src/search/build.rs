//! Building a [`Snapshot`]: analyse every entry once, then feed the same terms
//! to the tantivy index (retrieval) and to the reranker's term sets.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

use rustc_hash::{FxHashMap, FxHashSet};
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
    /// Entry id → position in `entries`, for [`Snapshot::entry`].
    positions: FxHashMap<String, u32>,
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
    /// How long [`Snapshot::build`] took (for metrics).
    pub(crate) build_time: std::time::Duration,
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

/// Entries a worker analyses at a time when several cores analyse ahead of
/// the indexing: large enough to keep them busy, small enough that the
/// analysed strings of a large base never pile up in memory.
const ANALYSIS_CHUNK: usize = 1024;

impl Snapshot {
    /// Builds the analyzer from the base's word lists, then the snapshot.
    pub fn from_kb(kb: &KnowledgeBase) -> Result<Snapshot, SearchError> {
        Snapshot::build(kb.entries.clone(), Arc::new(Analyzer::new(&kb.lexicon)))
    }

    /// Builds the index and reranker data for `entries`.
    ///
    /// Entries are analysed (ahead, on the other cores, when there are any)
    /// and their terms go straight to the index writer and into the
    /// vocabularies as ids, so the analysed strings of the whole base are
    /// never held at once.
    pub fn build(entries: Vec<Entry>, analyzer: Arc<Analyzer>) -> Result<Snapshot, SearchError> {
        let started = std::time::Instant::now();
        let mut indexer = Indexer::new()?;
        let mut terms = Vocabulary::default();
        let mut bigrams = Vocabulary::default();
        let mut keyword_ids: FxHashSet<u32> = FxHashSet::default();
        let mut profiles: Vec<Profile> = Vec::with_capacity(entries.len());
        let mut background_counts: Vec<f32> = Vec::new();
        for_each_analysed(&entries, &analyzer, |ord, entry, a| {
            let term_sets: Vec<Vec<u32>> = a.variants.iter().map(|j| terms.intern_all(&j.terms)).collect();
            let bigram_sets: Vec<Vec<u32>> = a.variants.iter().map(|j| bigrams.intern_all(&j.bigrams)).collect();
            if a.has_keywords {
                keyword_ids.extend(term_sets.last().into_iter().flatten().copied());
            }
            let mut answer = terms.intern_all(&a.answer);
            background_counts.resize(terms.len(), 0.0);
            for (ids, weight) in term_sets.iter().map(|v| (v, 1.0)).chain([(&answer, ANSWER_COUNT_WEIGHT)]) {
                for &id in ids {
                    background_counts[id as usize] += weight;
                }
            }
            let profile = Profile::new(&term_sets, &bigram_sets, &answer);
            terms.count_entry(profile.terms.ids());
            bigrams.count_entry(profile.bigrams.ids());
            answer.sort_unstable();
            answer.dedup();
            // Words the ways of asking also use are found through those fields.
            answer.retain(|&id| !profile.terms.asks_with(id));
            let similar = capped(&terms, &term_sets[1..=entry.similar.len()]);
            let texts = IndexedTexts {
                question: &a.variants[0].terms,
                similar: &similar,
                keywords: if a.has_keywords { a.variants.last().map_or("", |j| j.terms.as_str()) } else { "" },
                bigrams: &bigrams.joined(profile.bigrams.ids()),
                answer: &terms.joined(&answer),
            };
            indexer.add(ord, entry, &texts)?;
            profiles.push(profile);
            Ok::<(), SearchError>(())
        })?;
        let (searcher, ords, fields) = indexer.finish()?;
        terms.finish(
            |id, t| {
                if analyzer.is_domain_term(t) || keyword_ids.contains(&id) { 1.0 } else { GENERIC_TERM_FACTOR }
            },
        );
        bigrams.finish(|_, _| 1.0);
        for profile in &mut profiles {
            profile.finish(&terms, &bigrams);
        }
        let background = Background::new(&background_counts);
        // Built from the end, so an id given twice maps to its first entry.
        let positions = entries.iter().enumerate().rev().map(|(at, e)| (e.id.to_string(), at as u32)).collect();
        Ok(Snapshot {
            build_time: started.elapsed(),
            entries: entries.into_iter().map(Arc::new).collect(),
            positions,
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

    /// How long building this snapshot took.
    pub fn build_time(&self) -> std::time::Duration {
        self.build_time
    }

    /// Bytes the tantivy index takes (0 when tantivy cannot tell).
    pub fn index_bytes(&self) -> u64 {
        self.searcher.space_usage().map_or(0, |u| u.total().get_bytes())
    }

    /// The entries, in build order.
    pub fn entries(&self) -> &[Arc<Entry>] {
        &self.entries
    }

    /// The entry with this id, if it is in this snapshot.
    pub fn entry(&self, id: &str) -> Option<&Arc<Entry>> {
        self.position(id).map(|at| &self.entries[at])
    }

    /// Where the entry with this id is in [`Snapshot::entries`].
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.positions.get(id).map(|&at| at as usize)
    }

    /// The entries with these ids that are in this snapshot, by id (a
    /// replayed transcript shows the questions and citations it names).
    pub fn entries_named<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> HashMap<String, Arc<Entry>> {
        ids.into_iter().filter_map(|id| self.entry(id)).map(|e| (e.id.to_string(), Arc::clone(e))).collect()
    }
}

/// Most times one word of the paraphrases is indexed for an entry: BM25's
/// term frequency saturates, and a word every paraphrase repeats would
/// otherwise be indexed dozens of times. About a third fewer tokens with the
/// same dev-set results; at 2, fewer questions are answered directly, and at 1
/// answered precision and null rejection drop (docs/benchmarks.md).
const MAX_SIMILAR_REPEATS: usize = 3;

/// The paraphrases' words for the index, each at most [`MAX_SIMILAR_REPEATS`] times.
fn capped(vocab: &Vocabulary, sets: &[Vec<u32>]) -> String {
    let mut ids: Vec<u32> = sets.iter().flatten().copied().collect();
    ids.sort_unstable();
    let mut kept = Vec::with_capacity(ids.len());
    let mut repeats = 0;
    for (i, &id) in ids.iter().enumerate() {
        repeats = if i > 0 && ids[i - 1] == id { repeats + 1 } else { 0 };
        if repeats < MAX_SIMILAR_REPEATS {
            kept.push(id);
        }
    }
    vocab.joined(&kept)
}

/// Analyses `entries` and hands each to `use_entry` with its position, in
/// order. With several cores, long-lived workers analyse chunks ahead (worker
/// `w` takes chunks `w`, `w + workers`, …, each passed on through a one-slot
/// channel, so at most two chunks per worker wait in memory) while this
/// thread uses them; with one core, entries are analysed in place.
fn for_each_analysed<E>(
    entries: &[Entry],
    analyzer: &Analyzer,
    mut use_entry: impl FnMut(usize, &Entry, Analysed) -> Result<(), E>,
) -> Result<(), E> {
    let workers = thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if workers <= 1 || entries.len() <= ANALYSIS_CHUNK {
        for (ord, entry) in entries.iter().enumerate() {
            use_entry(ord, entry, analyse(entry, analyzer))?;
        }
        return Ok(());
    }
    let chunks: Vec<&[Entry]> = entries.chunks(ANALYSIS_CHUNK).collect();
    thread::scope(|s| {
        let results: Vec<mpsc::Receiver<Vec<Analysed>>> = (0..workers)
            .map(|w| {
                let (tx, rx) = mpsc::sync_channel(1);
                let chunks = &chunks;
                s.spawn(move || {
                    for chunk in chunks.iter().skip(w).step_by(workers) {
                        // The receiver is gone when the build stopped on an error.
                        if tx.send(chunk.iter().map(|e| analyse(e, analyzer)).collect()).is_err() {
                            break;
                        }
                    }
                });
                rx
            })
            .collect();
        for (n, chunk) in chunks.iter().enumerate() {
            // A closed channel means the worker panicked (a bug in jieba):
            // the scope re-raises that panic rather than lose entries.
            let Ok(analysed) = results[n % workers].recv() else { break };
            for (i, (entry, a)) in chunk.iter().zip(analysed).enumerate() {
                use_entry(n * ANALYSIS_CHUNK + i, entry, a)?;
            }
        }
        Ok(())
    })
}

fn analyse(entry: &Entry, analyzer: &Analyzer) -> Analysed {
    let keywords = entry.keywords.join(" ");
    let has_keywords = !keywords.is_empty();
    let texts = entry.questions().chain(has_keywords.then_some(keywords.as_str()));
    let variants = texts.map(|text| analyzer.analyze_joined(text, true)).collect();
    Analysed { variants, answer: analyzer.analyze_joined(&entry.answer, false).terms, has_keywords }
}

/// What the index gets of an entry: analysed terms, space-separated.
struct IndexedTexts<'a> {
    question: &'a str,
    /// The paraphrases' words (see [`capped`]).
    similar: &'a str,
    keywords: &'a str,
    /// The distinct bigrams of all the ways of asking.
    bigrams: &'a str,
    /// The distinct words of the answer that no way of asking uses.
    answer: &'a str,
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

    /// Adds entry number `ord` with its texts.
    fn add(&mut self, ord: usize, entry: &Entry, texts: &IndexedTexts) -> Result<(), SearchError> {
        let fields = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(fields.id, entry.id.as_str());
        doc.add_u64(fields.ord, ord as u64);
        doc.add_text(fields.question, texts.question);
        doc.add_text(fields.similar, texts.similar);
        doc.add_text(fields.keywords, texts.keywords);
        doc.add_text(fields.bigram, texts.bigrams);
        doc.add_text(fields.answer, texts.answer);
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
