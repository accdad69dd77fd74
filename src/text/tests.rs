use std::sync::{Arc, OnceLock};

use tantivy::tokenizer::{TokenStream, Tokenizer};

use super::*;

/// A small lexicon in the shipped format, so these tests do not depend on the
/// size of the shipped dictionary.
fn analyzer() -> Arc<Analyzer> {
    static ANALYZER: OnceLock<Arc<Analyzer>> = OnceLock::new();
    ANALYZER
        .get_or_init(|| {
            let (words, _) =
                parse_dict("小规模纳税人 20000 nz\n汇算 8000 v\n红冲 8000 v\n专票 8000 nz\n汇算清缴 9000 nz\n");
            let (synonym_groups, _) =
                parse_synonyms("个人所得税 个税\n增值税专用发票 专票 专用发票\n汇算清缴 汇算 汇缴\n");
            let stopwords = parse_stopwords("请问\n怎么\n吗\n呢\n的\n我\n");
            Arc::new(Analyzer::new(&Lexicon { words, synonym_groups, stopwords }))
        })
        .clone()
}

fn precise_words(text: &str) -> Vec<String> {
    let a = analyzer();
    a.segmenter.precise_pieces(text).iter().map(|p| p.word.to_owned()).collect()
}

#[test]
fn keeps_tax_terms_whole() {
    assert!(precise_words("小规模纳税人免征额是多少").contains(&"小规模纳税人".to_owned()));
    let words = precise_words("个税汇算怎么办");
    assert!(words.contains(&"个税".to_owned()) && words.contains(&"汇算".to_owned()), "{words:?}");
    let words = precise_words("专票红冲流程");
    assert!(words.contains(&"专票".to_owned()) && words.contains(&"红冲".to_owned()), "{words:?}");
}

#[test]
fn maps_abbreviations_to_canonical_terms_and_drops_particles() {
    let terms = analyzer().terms("请问个税汇算怎么弄呢？");
    assert!(terms.contains(&"个人所得税".to_owned()), "{terms:?}");
    assert!(terms.contains(&"汇算清缴".to_owned()), "{terms:?}");
    assert!(!terms.iter().any(|t| t == "请问" || t == "怎么" || t == "呢"), "{terms:?}");
}

#[test]
fn a_word_is_dropped_when_it_or_its_canonical_word_is_a_stopword() {
    let (synonym_groups, _) = parse_synonyms("请问 想问\n个人所得税 个税 的税\n");
    let stopwords = parse_stopwords("请问\n的税\n");
    let a = Analyzer::new(&Lexicon { words: Vec::new(), synonym_groups, stopwords });
    // 想问 maps to the stopword 请问; 的税 is a stopword though its canonical word is not.
    assert_eq!(a.terms("想问 个税 的税"), vec!["个人所得税".to_owned()]);
    assert_eq!(a.analyze_joined("想问 个税 的税", false).terms, "个人所得税 ");
}

#[test]
fn search_mode_adds_inner_words() {
    let terms = analyzer().terms("小规模纳税人");
    assert!(terms.contains(&"小规模纳税人".to_owned()) && terms.contains(&"纳税人".to_owned()), "{terms:?}");
}

#[test]
fn traditional_and_full_width_input_reaches_the_same_terms() {
    let a = analyzer();
    assert_eq!(a.terms("個稅匯算"), a.terms("个税汇算"));
    assert_eq!(a.terms("ＡＰＰ"), a.terms("app"));
}

#[test]
fn term_offsets_point_into_the_original_input() {
    let input = "請問，專票紅沖？";
    for term in analyzer().analyze(input).terms.iter().chain(&analyzer().analyze(input).bigrams) {
        assert!(input.is_char_boundary(term.start) && input.is_char_boundary(term.end));
        assert!(term.start < term.end, "{term:?}");
    }
    let terms = analyzer().analyze(input).terms;
    let zhuanpiao = terms.iter().find(|t| t.text == "增值税专用发票").expect("专票 found");
    assert_eq!(&input[zhuanpiao.start..zhuanpiao.end], "專票");
}

#[test]
fn bigrams_skip_stopwords_and_cover_typos() {
    let bigrams: Vec<String> = analyzer().analyze("请问个锐汇算").bigrams.into_iter().map(|t| t.text).collect();
    assert!(bigrams.contains(&"汇算".to_owned()), "{bigrams:?}");
    assert!(!bigrams.iter().any(|b| b.contains('请')), "{bigrams:?}");
}

#[test]
fn hostile_input_yields_no_terms_without_panicking() {
    let a = analyzer();
    for input in ["", "   ", "😀😀🎉", "\u{0000}\u{0007}\u{202e}", "？？？！！"] {
        let analysis = a.analyze(input);
        assert!(analysis.terms.is_empty() && analysis.bigrams.is_empty(), "{input:?}");
    }
    let long = "个税".repeat(5_000);
    assert!(!a.analyze(&long).terms.is_empty());
    assert!(!a.analyze("VAT税率13%吗abc").terms.is_empty());
}

#[test]
fn tantivy_adapter_reports_byte_offsets_of_the_input() {
    let mut tokenizer = TaxTokenizer(analyzer());
    let input = "個稅ＡＰＰ汇算";
    let mut stream = tokenizer.token_stream(input);
    let mut seen = Vec::new();
    while stream.advance() {
        let t = stream.token();
        seen.push((t.text.clone(), input[t.offset_from..t.offset_to].to_owned(), t.position));
    }
    assert!(seen.contains(&("个人所得税".to_owned(), "個稅".to_owned(), 0)), "{seen:?}");
    assert!(seen.iter().any(|(text, original, _)| text == "汇算清缴" && original == "汇算"), "{seen:?}");
    let mut bigrams = BigramTokenizer(analyzer());
    let mut stream = bigrams.token_stream("专票");
    assert!(stream.advance());
    assert_eq!(stream.token().text, "专票");
    assert!(!stream.advance());
}

#[test]
fn one_search_pass_yields_the_same_precise_words_as_jieba() {
    let a = analyzer();
    for text in [
        "小规模纳税人月销售额10万以下免征增值税吗",
        "个税汇算怎么办",
        "专票红冲流程 vat-13% 1.5",
        "请问我们公司注销税务登记要带什么材料",
        "",
    ] {
        let (_, precise) = a.segmenter.search_and_precise(text);
        assert_eq!(precise, a.segmenter.precise_pieces(text), "{text}");
    }
}

#[test]
fn terms_alone_are_the_terms_of_the_full_analysis() {
    let a = analyzer();
    for input in ["请问个税汇算怎么弄呢？", "小规模纳税人增值税免征额是多少", "  ", "😀😀", "ＡＢＣ个体户 2024年"]
    {
        assert_eq!(a.analyze_terms(input), a.analyze(input).terms, "{input}");
    }
}

#[test]
fn joined_analysis_has_the_same_terms_and_bigrams() {
    let a = analyzer();
    for text in ["请问小规模纳税人免征额是多少？", "專票紅沖怎么弄", "个税 汇算 2024年", "我", "", "😀😀", "a1 b2，c3"]
    {
        let analysis = a.analyze(text);
        let joined = a.analyze_joined(text, true);
        let spaced = |terms: &[Term]| terms.iter().map(|t| format!("{} ", t.text)).collect::<String>();
        assert_eq!(joined.terms, spaced(&analysis.terms), "{text}");
        assert_eq!(joined.bigrams, spaced(&analysis.bigrams), "{text}");
        assert_eq!(a.analyze_joined(text, false), Joined { terms: joined.terms, bigrams: String::new() });
    }
}

proptest::proptest! {
    #[test]
    fn joined_analysis_matches_on_any_text(text in "[请问小规模纳税人个税專票红冲的吗 a-zA-Z0-9，。！😀]{0,40}") {
        let a = analyzer();
        let analysis = a.analyze(&text);
        let joined = a.analyze_joined(&text, true);
        let spaced = |terms: &[Term]| terms.iter().map(|t| format!("{} ", t.text)).collect::<String>();
        proptest::prop_assert_eq!(joined.terms, spaced(&analysis.terms));
        proptest::prop_assert_eq!(joined.bigrams, spaced(&analysis.bigrams));
    }
}

#[test]
fn a_text_that_only_says_who_is_asking_is_told_from_a_question() {
    let a = analyzer();
    for context in ["我是小规模", "我们公司去年卖了快600万", "我是个人 没有公司", "我辞职了 现在自己干"]
    {
        assert!(a.analyze(context).tells_context, "{context}");
    }
    for question in [
        "我想了解小规模的优惠",
        "我的发票丢了",
        "我们公司要注销",
        "我开了个修车铺 税上有照顾没",
        "我是小规模 要交增值税吗",
        "我有没有资格退税",
        "我跟孩子他爸离婚了，孩子判给我，子女教育是我一个人按100%扣还是我们各扣一半？",
        "我们公司是小规模？",
        "小规模纳税人",
        "",
    ] {
        assert!(!a.analyze(question).tells_context, "{question}");
    }
}

#[test]
fn a_text_that_only_names_a_topic_is_told_from_a_question() {
    let a = analyzer();
    for topic in ["专票", "汇算的问题", "想问问个税", "问个小规模纳税人的事"] {
        assert!(a.analyze(topic).names_only_a_topic, "{topic}");
    }
    for question in ["专票怎么开", "汇算能退多少", "个税标准", "专票税率", "专票咋弄", "你好", ""]
    {
        assert!(!a.analyze(question).names_only_a_topic, "{question}");
    }
}

#[test]
fn spoken_openings_are_dropped_and_words_kept() {
    use super::without_spoken_opening as strip;
    assert_eq!(strip("嗯 那个 就是 那老二呢"), "那老二呢");
    assert_eq!(strip("那个，退税多久到账"), "退税多久到账");
    assert_eq!(strip("那个我想问一下它能扣多少"), "它能扣多少");
    // 那个体户 is 那 + 个体户, 额度 a word: no pause, no filler.
    assert_eq!(strip("那个体户呢"), "那个体户呢");
    assert_eq!(strip("额度不够用了"), "额度不够用了");
    assert_eq!(strip("嗯嗯"), "");
}
