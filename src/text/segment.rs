//! Jieba segmentation with the tax dictionary.

use jieba_rs::Jieba;

use super::lexicon::Lexicon;

/// Frequency given to synonym words that the dictionary does not list, so that
/// jieba keeps them whole and they can be mapped to their canonical word.
const SYNONYM_FREQ: usize = 5_000;

/// A word found by the segmenter, with byte offsets into the text it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece<'a> {
    /// The word.
    pub word: &'a str,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset one past its last byte.
    pub end: usize,
}

/// Jieba loaded with its default dictionary plus the tax words and synonyms.
pub struct Segmenter {
    jieba: Jieba,
}

impl Segmenter {
    /// Whether jieba's dictionaries (general and tax) have `word`.
    pub fn knows(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// Builds the segmenter (about 150 ms: do it once and share it).
    pub fn new(lexicon: &Lexicon) -> Self {
        let mut jieba = Jieba::new();
        // A tax word must win against any split of it that jieba's general
        // dictionary prefers ("个税" over "个" + "税"): raise its frequency to at
        // least what jieba says keeps it whole.
        for w in &lexicon.words {
            let freq = w.freq.unwrap_or(0).max(jieba.suggest_freq(&w.word));
            jieba.add_word(&w.word, Some(freq), w.tag.as_deref());
        }
        for word in lexicon.synonym_groups.iter().flatten() {
            let freq = SYNONYM_FREQ.max(jieba.suggest_freq(word));
            if !lexicon.words.iter().any(|w| &w.word == word) {
                jieba.add_word(word, Some(freq), Some("nz"));
            }
        }
        Segmenter { jieba }
    }

    /// Search-mode segmentation: whole words plus the dictionary words inside
    /// them, so "小规模纳税人" also yields "纳税人". Whitespace pieces are dropped.
    ///
    /// HMM discovery of unknown words is off: on typo'd input it glues wrong
    /// characters into words that then match nothing.
    pub fn search_pieces<'a>(&self, text: &'a str) -> Vec<Piece<'a>> {
        pieces(self.jieba.cut_for_search(text, false))
    }

    /// Precise-mode segmentation (each character in exactly one piece).
    pub fn precise_pieces<'a>(&self, text: &'a str) -> Vec<Piece<'a>> {
        pieces(self.jieba.cut(text, false))
    }

    /// Both segmentations from one jieba pass: search mode, and the precise
    /// words among them (search mode emits a word's inner words just before
    /// the word itself, so the precise words are those no later piece contains).
    pub fn search_and_precise<'a>(&self, text: &'a str) -> (Vec<Piece<'a>>, Vec<Piece<'a>>) {
        let search = self.search_pieces(text);
        let mut precise: Vec<Piece<'a>> = Vec::with_capacity(search.len());
        for piece in &search {
            while precise.last().is_some_and(|p| piece.start <= p.start && p.end <= piece.end) {
                precise.pop();
            }
            precise.push(piece.clone());
        }
        (search, precise)
    }
}

/// Jieba's tokens as pieces, without the whitespace ones.
fn pieces(tokens: Vec<jieba_rs::Token<'_>>) -> Vec<Piece<'_>> {
    tokens
        .into_iter()
        .filter(|t| !t.word.chars().all(char::is_whitespace))
        .map(|t| Piece { word: t.word, start: t.byte_start, end: t.byte_end })
        .collect()
}
