//! The word lists that steer analysis: the tax dictionary, synonym groups and
//! stopwords, parsed from the plain-text formats of `knowledge-base/dict/`.

use super::normalize::normalize;

/// A problem in one line of a dictionary file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, in words an editor can act on.
    pub message: String,
}

/// One user-dictionary word for jieba.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictWord {
    /// The word, normalised.
    pub word: String,
    /// Frequency; higher keeps the word whole against competing splits.
    pub freq: Option<usize>,
    /// Part-of-speech tag (unused by matching, kept for jieba).
    pub tag: Option<String>,
}

/// Everything the analyzer needs besides jieba's own dictionary.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Words jieba must keep whole.
    pub words: Vec<DictWord>,
    /// Synonym groups, canonical word first, all normalised.
    pub synonym_groups: Vec<Vec<String>>,
    /// Question particles and filler, normalised.
    pub stopwords: Vec<String>,
}

/// Lines that carry data: not blank, not `#` comments; with 1-based numbers.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Parses a jieba user dictionary: `word [freq] [tag]` per line.
pub fn parse_dict(text: &str) -> (Vec<DictWord>, Vec<LineProblem>) {
    let mut words = Vec::new();
    let mut problems = Vec::new();
    for (line, content) in data_lines(text) {
        let mut parts = content.split_whitespace();
        let word = normalize(parts.next().unwrap_or_default()).text;
        let freq = parts.next().map(str::parse::<usize>);
        let tag = parts.next().map(str::to_owned);
        match (word.is_empty() || word.contains(' '), freq) {
            (true, _) => problems
                .push(LineProblem { line, message: format!("词条「{content}」规范化后为空或含空格") }),
            (_, Some(Err(_))) => {
                problems.push(LineProblem { line, message: format!("词频必须是非负整数：「{content}」") })
            }
            (false, freq) => words.push(DictWord { word, freq: freq.and_then(Result::ok), tag }),
        }
    }
    (words, problems)
}

/// Parses synonym groups: one group per line, canonical word first, space separated.
pub fn parse_synonyms(text: &str) -> (Vec<Vec<String>>, Vec<LineProblem>) {
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (line, content) in data_lines(text) {
        let group: Vec<String> =
            content.split_whitespace().map(|w| normalize(w).text.replace(' ', "")).filter(|w| !w.is_empty()).collect();
        if group.len() < 2 {
            problems
                .push(LineProblem { line, message: format!("同义词组至少需要两个词：「{content}」") });
            continue;
        }
        for word in &group {
            if let Some(first) = seen.insert(word.clone(), line) {
                problems.push(LineProblem {
                    line, message: format!("「{word}」已出现在第 {first} 行的同义词组中")
                });
            }
        }
        groups.push(group);
    }
    (groups, problems)
}

/// Parses stopwords: one per line.
pub fn parse_stopwords(text: &str) -> Vec<String> {
    data_lines(text).map(|(_, w)| normalize(w).text).filter(|w| !w.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dict_lines_with_optional_fields() {
        let (words, problems) = parse_dict("# c\n小规模纳税人 20000 nz\n汇算\n\n专票 x nz\n");
        assert_eq!(words.len(), 2);
        assert_eq!(words[0].freq, Some(20000));
        assert_eq!(words[1].freq, None);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 5);
    }

    #[test]
    fn reports_a_word_in_two_synonym_groups() {
        let (groups, problems) = parse_synonyms("个人所得税 个税\n增值税专用发票 专票\n个税 个人税\n");
        assert_eq!(groups.len(), 3);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("个税"));
        assert_eq!(problems[0].line, 3);
    }

    #[test]
    fn normalises_synonyms_to_lowercase_half_width() {
        let (groups, _) = parse_synonyms("个人所得税APP 个税ＡＰＰ\n");
        assert_eq!(groups[0], vec!["个人所得税app", "个税app"]);
    }
}
