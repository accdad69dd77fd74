//! The tantivy schema: one document per entry.

use tantivy::schema::{FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions};

/// Name of the whitespace tokenizer for fields fed already-analysed terms: each
/// text is analysed once (by [`Analyzer`](crate::text::Analyzer)) and the same
/// terms feed both tantivy and the reranker. The tantivy adapters in `text`
/// (`TaxTokenizer`, `BigramTokenizer`) produce the same terms from raw text.
pub(crate) const ANALYSED: &str = "taxbot_analysed";

/// The fields of an entry document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    /// Position of the entry in the snapshot's entry list (fast field).
    pub ord: Field,
    pub question: Field,
    pub similar: Field,
    pub keywords: Field,
    /// The distinct terms of the answer that no way of asking uses.
    pub answer: Field,
    /// The distinct character bigrams of the question, paraphrases and keywords.
    pub bigram: Field,
}

/// Field boosts for candidate retrieval: the question and paraphrases are what
/// taxpayers' wording resembles most; the answer only hints.
pub(crate) const BOOST_QUESTION: f32 = 3.0;
pub(crate) const BOOST_SIMILAR: f32 = 2.0;
pub(crate) const BOOST_KEYWORDS: f32 = 2.0;
pub(crate) const BOOST_ANSWER: f32 = 0.5;
/// How many of a question's rarest words are also looked up in the question,
/// keyword and answer fields: enough to find an entry by a detail only those
/// mention, few enough to keep long posting lists off the hot path.
pub(crate) const RARE_TERMS: usize = 2;
pub(crate) const BOOST_BIGRAM: f32 = 4.0;

/// An analysed text field. Term frequencies are enough where a word may
/// repeat (matching never uses phrase positions); fields fed each distinct
/// term once need no frequencies at all.
fn text(record: IndexRecordOption) -> TextOptions {
    TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(ANALYSED).set_index_option(record))
}

/// Builds the schema and returns its field handles.
pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING),
        ord: b.add_u64_field("ord", FAST),
        question: b.add_text_field("question", text(IndexRecordOption::WithFreqs)),
        similar: b.add_text_field("similar", text(IndexRecordOption::WithFreqs)),
        keywords: b.add_text_field("keywords", text(IndexRecordOption::WithFreqs)),
        answer: b.add_text_field("answer", text(IndexRecordOption::Basic)),
        bigram: b.add_text_field("bigram", text(IndexRecordOption::Basic)),
    };
    (b.build(), fields)
}
