//! Chinese text analysis: normalise → segment (jieba + tax dictionary) →
//! canonicalise synonyms → drop stopwords, plus character bigrams that guard
//! against segmentation mismatch and typos.

mod homophones;
mod lexicon;
mod mask;
mod normalize;
mod segment;
mod spoken;
mod synonyms;
mod tokenizer;

use rustc_hash::{FxHashMap, FxHashSet};

pub use homophones::Homophones;
pub use lexicon::{DictWord, Lexicon, LineProblem, parse_dict, parse_stopwords, parse_synonyms};
pub use mask::{mask_id, mask_numbers, pseudonym};
pub use normalize::{Normalized, normalize, normalize_text};
pub use segment::{Piece, Segmenter};
pub use spoken::without_spoken_opening;
pub use synonyms::Synonyms;
pub use tokenizer::{BigramTokenizer, TaxTokenizer};

/// A term of analysed text with its byte range in the original input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The canonical term (normalised, synonym-mapped).
    pub text: String,
    /// Byte offset in the original input.
    pub start: usize,
    /// Byte offset one past the end in the original input.
    pub end: usize,
}

/// Analysed text as space-separated terms and bigrams (see [`Analyzer::analyze_joined`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Joined {
    /// Canonical search-mode terms, each followed by a space.
    pub terms: String,
    /// Character bigrams (empty unless asked for), each followed by a space.
    pub bigrams: String,
}

/// The result of analysing one text.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Search-mode words, canonicalised, without stopwords.
    pub terms: Vec<Term>,
    /// Character bigrams of the non-stopword runs of the text.
    pub bigrams: Vec<Term>,
    /// Number of precise-mode words that are not stopwords: how much the text says.
    pub content_words: usize,
    /// Every content word is tax vocabulary or asks nothing ([`ASKS_NOTHING`]):
    /// "社保费", "进项抵扣", "信用等级的问题" name a topic and ask nothing about it
    /// (text with an asking mark, such as 咋 in "发票咋弄啊", never does).
    pub names_only_a_topic: bool,
    /// The text only says who is asking ("我是小规模", "我们公司去年卖了快600万",
    /// "我辞职了 现在自己干"): it opens with a self-reference and neither asks,
    /// nor wants, nor reports a problem. The question comes next.
    pub tells_context: bool,
}

/// What makes a text a question, whatever its words: "医保断交了怎么办",
/// "pp能抵扣吗" ask something about their tax words, "企业所得税税率" and
/// "住房租金扣除标准" name what they want to know.
const ASKING: [&str; 26] = [
    "吗",
    "么",
    "怎",
    "咋",
    "啥",
    "什么",
    "哪",
    "几",
    "多少",
    "能",
    "可以",
    "是否",
    "如何",
    "为何",
    "呢",
    "不",
    "税率",
    "标准",
    "起征点",
    "期限",
    "条件",
    "材料",
    "流程",
    "比例",
    "上限",
    "时间",
];

/// How a taxpayer starts saying who they are.
const SELF_REFERENCES: [&str; 4] = ["我", "俺", "咱", "本人"];

/// What turns a text about oneself into a request or a problem report:
/// "我想了解…", "我的发票丢了", "我被罚款了", "我们公司要注销".
const NOT_JUST_CONTEXT: [&str; 33] = [
    "还是",
    "有没有",
    "想",
    "请",
    "问",
    "了解",
    "咨询",
    "知道",
    "帮",
    "要",
    "需",
    "准备",
    "打算",
    "丢",
    "错",
    "失败",
    "没到",
    "没收到",
    "没通过",
    "没成功",
    "被",
    "卡",
    "锁",
    "漏",
    "忘",
    "过期",
    "逾期",
    "异常",
    "退回",
    "驳回",
    "罚",
    "提示",
    "显示",
];

/// Words that ask nothing about the topic they come with ("想问问减免税",
/// "问个电子税务局的问题", "发票的事", "个税上的事", "社保这块").
pub const ASKS_NOTHING: [&str; 19] = [
    "问题",
    "事",
    "事情",
    "事儿",
    "咨询",
    "问问",
    "问下",
    "问一下",
    "问",
    "个",
    "想",
    "了解",
    "弄",
    "相关",
    "方面",
    "情况",
    "一下",
    "上",
    "这块",
];

/// What the analysis does with a word that is not kept as it is.
enum Rewrite {
    /// A stopword, or a variant whose canonical word is one.
    Drop,
    /// A variant, replaced by its canonical word.
    Canonical(String),
}

/// The shared text pipeline. Expensive to build (jieba's dictionary): build once
/// and share it behind an `Arc`.
pub struct Analyzer {
    segmenter: Segmenter,
    stopwords: FxHashSet<String>,
    /// What becomes of each stopword and each synonym variant, so a search
    /// piece costs one lookup (the build looks up some 60 million).
    rewrites: FxHashMap<String, Rewrite>,
    /// Canonical forms of the tax dictionary's and the synonym lists' words.
    domain: FxHashSet<String>,
    /// Sound-alikes of those words (voice input: 发漂 → 发票), fixed in questions.
    homophones: Homophones,
}

impl Analyzer {
    /// Builds the analyzer from the knowledge base's word lists.
    pub fn new(lexicon: &Lexicon) -> Self {
        let synonyms = Synonyms::new(&lexicon.synonym_groups);
        let words = lexicon.words.iter().map(|w| &w.word).chain(lexicon.synonym_groups.iter().flatten());
        let domain = words.map(|w| synonyms.canonical(w).to_owned()).collect();
        let stopwords: FxHashSet<String> = lexicon.stopwords.iter().cloned().collect();
        let mut rewrites: FxHashMap<String, Rewrite> = FxHashMap::default();
        for variant in lexicon.synonym_groups.iter().flat_map(|group| group.iter().skip(1)) {
            let canonical = synonyms.canonical(variant);
            let rewrite =
                if stopwords.contains(canonical) { Rewrite::Drop } else { Rewrite::Canonical(canonical.to_owned()) };
            rewrites.insert(variant.clone(), rewrite);
        }
        for word in &stopwords {
            rewrites.insert(word.clone(), Rewrite::Drop);
        }
        let spoken = lexicon.words.iter().map(|w| w.word.as_str());
        let spoken = spoken.chain(lexicon.synonym_groups.iter().flatten().map(String::as_str));
        let homophones = Homophones::new(spoken.map(|w| (w, synonyms.canonical(w))));
        Analyzer { segmenter: Segmenter::new(lexicon), stopwords, rewrites, domain, homophones }
    }

    /// Whether a canonical term is tax vocabulary (in the dictionary or the
    /// synonym lists) rather than everyday language.
    pub fn is_domain_term(&self, term: &str) -> bool {
        self.domain.contains(term)
    }

    /// Whether `word` (normalised) is a stopword.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    /// `input` normalised, with the sound-alikes of tax words that are not
    /// words themselves rewritten (发漂 → 发票, 汇酸 → 汇算); `None` when there
    /// are none. A second reading of a voice-typed question, not a replacement.
    /// A rewrite never cuts through a word jieba found: with 所 sounding like
    /// 税 (suo/shui folded), 所得税 must not become 税得税, while 开发漂 still
    /// becomes 开发票 (only 漂 changes) and 年中奖 年终奖 (年中 is inside).
    pub fn respell(&self, input: &str) -> Option<String> {
        let text = normalize_text(input);
        let is_word = |w: &str| self.segmenter.knows(w);
        // Most questions have no sound-alike at all: segment only when one has.
        self.homophones.correct(&text, is_word, &[])?;
        self.homophones.correct(&text, is_word, &self.word_spans(&text))
    }

    /// Per character of `text`: the span (character indices) of the word of
    /// two or more characters of jieba's precise segmentation it is part of.
    fn word_spans(&self, text: &str) -> Vec<Option<(usize, usize)>> {
        let mut spans = vec![None; text.chars().count()];
        let (mut byte, mut char_index) = (0, 0);
        for piece in self.segmenter.precise_pieces(text) {
            char_index += text[byte..piece.start].chars().count();
            let len = piece.word.chars().count();
            if len >= 2 {
                let span = Some((char_index, char_index + len));
                spans[char_index..char_index + len].iter_mut().for_each(|s| *s = span);
            }
            char_index += len;
            byte = piece.end;
        }
        spans
    }

    /// Analyses `input` (any user text; never panics).
    pub fn analyze(&self, input: &str) -> Analysis {
        let normalized = normalize(input);
        let (search, precise) = self.segmenter.search_and_precise(&normalized.text);
        let terms = self.canonical_terms(&normalized, &search);
        let kept: Vec<Piece> = precise.into_iter().filter(|p| !self.is_stopword(p.word)).collect();
        let bigrams = bigrams_of_runs(&normalized, &kept);
        let asks = ASKING.iter().any(|a| normalized.text.contains(a));
        let names_only_a_topic = !asks
            && kept.iter().any(|p| self.is_domain_word(p.word))
            && kept.iter().all(|p| self.is_domain_word(p.word) || ASKS_NOTHING.contains(&p.word));
        let text = normalized.text.trim();
        // "…有照顾没" asks (A没 is a yes-no question); "…没有公司" does not.
        let asks_with_mei = text.trim_end_matches(|c: char| !c.is_alphanumeric()).ends_with('没');
        let tells_context = SELF_REFERENCES.iter().any(|s| text.starts_with(s))
            && !asks_with_mei
            && !input.contains(['?', '？'])
            && !asks
            && !NOT_JUST_CONTEXT.iter().any(|a| text.contains(a));
        Analysis { terms, bigrams, content_words: kept.len(), names_only_a_topic, tells_context }
    }

    /// Whether `word` as typed (a variant or a canonical form) is tax vocabulary.
    fn is_domain_word(&self, word: &str) -> bool {
        match self.rewrites.get(word) {
            Some(Rewrite::Canonical(canonical)) => self.domain.contains(canonical),
            Some(Rewrite::Drop) => false,
            None => self.domain.contains(word),
        }
    }

    /// The [`Analysis::terms`] of `input` alone, without the bigrams (for long
    /// texts such as answers, whose bigrams nothing uses).
    pub fn analyze_terms(&self, input: &str) -> Vec<Term> {
        let normalized = normalize(input);
        let search = self.segmenter.search_pieces(&normalized.text);
        self.canonical_terms(&normalized, &search)
    }

    /// The canonical, non-stopword search-mode pieces with original offsets.
    fn canonical_terms(&self, normalized: &Normalized, search: &[Piece]) -> Vec<Term> {
        let mut terms = Vec::with_capacity(search.len());
        for (canonical, piece) in self.canonical_pieces(search) {
            let (start, end) = normalized.original_range(piece.start, piece.end);
            terms.push(Term { text: canonical.to_owned(), start, end });
        }
        terms
    }

    /// The search-mode pieces that are not stopwords, with their canonical form.
    fn canonical_pieces<'a>(&'a self, search: &'a [Piece<'a>]) -> impl Iterator<Item = (&'a str, &'a Piece<'a>)> {
        search.iter().filter_map(|piece| match self.rewrites.get(piece.word) {
            None => Some((piece.word, piece)),
            Some(Rewrite::Drop) => None,
            Some(Rewrite::Canonical(canonical)) => Some((canonical.as_str(), piece)),
        })
    }

    /// The same terms (and, with `bigrams`, the same bigrams) as
    /// [`analyze`](Self::analyze), each followed by a space, without offsets:
    /// what an index of many texts needs, with one allocation per text rather
    /// than one per term.
    pub fn analyze_joined(&self, input: &str, bigrams: bool) -> Joined {
        let normalized = normalize_text(input);
        let text = normalized.as_str();
        let mut joined = Joined::default();
        let search = if bigrams {
            let (search, precise) = self.segmenter.search_and_precise(text);
            let kept: Vec<Piece> = precise.into_iter().filter(|p| !self.is_stopword(p.word)).collect();
            joined.bigrams.reserve(kept.iter().map(|p| p.end - p.start).sum::<usize>() * 2);
            for_each_bigram(text, &kept, |from, to| {
                joined.bigrams.push_str(&text[from..to]);
                joined.bigrams.push(' ');
            });
            search
        } else {
            self.segmenter.search_pieces(text)
        };
        joined.terms.reserve(text.len() + search.len());
        for (canonical, _) in self.canonical_pieces(&search) {
            joined.terms.push_str(canonical);
            joined.terms.push(' ');
        }
        joined
    }

    /// The canonical terms of `input`, in order, without offsets.
    pub fn terms(&self, input: &str) -> Vec<String> {
        self.analyze_terms(input).into_iter().map(|t| t.text).collect()
    }
}

/// Character bigrams over runs of adjacent kept pieces; a one-character run
/// yields that character.
fn bigrams_of_runs(normalized: &Normalized, kept: &[Piece]) -> Vec<Term> {
    let text = normalized.text.as_str();
    let mut out = Vec::new();
    for_each_bigram(text, kept, |from, to| {
        let (start, end) = normalized.original_range(from, to);
        out.push(Term { text: text[from..to].to_owned(), start, end });
    });
    out
}

/// Calls `emit` with the byte range in `text` of each bigram of the runs of
/// adjacent `kept` pieces, in order; a one-character run yields that character.
fn for_each_bigram(text: &str, kept: &[Piece], mut emit: impl FnMut(usize, usize)) {
    let mut run_start = 0;
    for (i, piece) in kept.iter().enumerate() {
        let run_continues = kept.get(i + 1).is_some_and(|next| next.start == piece.end);
        if run_continues {
            continue;
        }
        let (start, end) = (kept[run_start].start, piece.end);
        let mut chars = text[start..end].char_indices().map(|(i, c)| (start + i, start + i + c.len_utf8()));
        if let Some(mut previous) = chars.next() {
            match chars.next() {
                None => emit(previous.0, previous.1),
                Some(second) => {
                    emit(previous.0, second.1);
                    previous = second;
                    for c in chars {
                        emit(previous.0, c.1);
                        previous = c;
                    }
                }
            }
        }
        run_start = i + 1;
    }
}

#[cfg(test)]
mod tests;
