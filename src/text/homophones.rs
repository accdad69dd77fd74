//! Homophones of the tax vocabulary. Voice input and pinyin typing write
//! 发票 as 发漂, 汇算 as 汇酸, 增值税 as 增值说. Every dictionary and synonym
//! word of two to six Chinese characters is indexed by its toneless pinyin,
//! with the pairs speakers and recognisers confuse folded together (zh/z,
//! ch/c, sh/s, l/n, f/h, -ng/-n, uo/ui); a run of characters that is not a word
//! jieba knows, but sounds like exactly one tax word, is rewritten to it
//! before segmentation.

use pinyin::ToPinyin;
use rustc_hash::FxHashMap;

/// Shortest and longest words indexed, in characters: one character has too
/// many homophones to guess from, and longer tax words are rare.
const MIN_CHARS: usize = 2;
const MAX_CHARS: usize = 6;

/// Tax words by how they sound; `None` when two words sound alike (no guess).
pub struct Homophones {
    by_sound: FxHashMap<String, Option<String>>,
}

impl Homophones {
    /// Indexes `words` (normalised dictionary and synonym words).
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut by_sound: FxHashMap<String, Option<String>> = FxHashMap::default();
        for w in words {
            let n = w.chars().count();
            if !(MIN_CHARS..=MAX_CHARS).contains(&n) {
                continue;
            }
            let Some(sound) = sound(w) else { continue };
            by_sound
                .entry(sound)
                .and_modify(|known| {
                    if known.as_deref() != Some(w) {
                        *known = None;
                    }
                })
                .or_insert_with(|| Some(w.to_owned()));
        }
        Homophones { by_sound }
    }

    /// `text` with each sound-alike of a tax word replaced by it, longest
    /// first; runs that are words themselves (`is_word`) are left alone. The
    /// result has the same characters count and byte length (Chinese characters
    /// replace Chinese characters), so offsets into `text` stay valid. Each
    /// character's sound is looked up once; a window costs a string and a hash
    /// lookup, and `is_word` is asked only about windows that sound like a tax word.
    /// `words` gives, per character of `text`, the span (character indices)
    /// of the word of two or more characters it belongs to, if any (missing
    /// entries count as none). A rewrite may change a character of such a word
    /// only if the window holds the whole word: 年中奖 → 年终奖 (年中 inside),
    /// 所得说 → 所得税 (所得 unchanged), never 所得税 → 税得税 or 一家公司 →
    /// 一甲供司 (windows cutting through 所得税, 一家 and 公司).
    pub fn correct(
        &self,
        text: &str,
        is_word: impl Fn(&str) -> bool,
        words: &[Option<(usize, usize)>],
    ) -> Option<String> {
        let chars: Vec<char> = text.chars().collect();
        let sounds: Vec<Option<String>> = chars.iter().map(|&c| char_sound(c)).collect();
        let mut out: Option<Vec<char>> = None;
        let mut key = String::new();
        let mut i = 0;
        while i < chars.len() {
            let longest = MAX_CHARS.min(chars.len() - i);
            let hit = (MIN_CHARS..=longest).rev().find_map(|len| {
                key.clear();
                for s in &sounds[i..i + len] {
                    key.push_str(s.as_deref()?);
                    key.push(' ');
                }
                let target = self.by_sound.get(key.as_str())?.as_ref()?;
                let word: String = chars[i..i + len].iter().collect();
                let fits = *target != word && target.chars().count() == len && target.len() == word.len();
                let keeps_words = target.chars().zip(i..).all(|(t, k)| match words.get(k).copied().flatten() {
                    Some((start, end)) if t != chars[k] => start >= i && end <= i + len,
                    _ => true,
                });
                let fits = fits && keeps_words;
                (fits && !is_word(&word)).then(|| (len, target.clone()))
            });
            match hit {
                Some((len, target)) => {
                    let buf = out.get_or_insert_with(|| chars.clone());
                    for (k, c) in target.chars().enumerate() {
                        buf[i + k] = c;
                    }
                    i += len;
                }
                None => i += 1,
            }
        }
        out.map(|c| c.into_iter().collect())
    }
}

/// The folded toneless pinyin of a Chinese character, or `None`.
fn char_sound(c: char) -> Option<String> {
    if !is_han(c) {
        return None;
    }
    c.to_pinyin().map(|p| fold(p.plain()))
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The folded toneless pinyin of `word` (syllables each followed by a space),
/// or `None` if a character has none.
fn sound(word: &str) -> Option<String> {
    let mut out = String::with_capacity(word.len() * 2);
    for c in word.chars() {
        out.push_str(&char_sound(c)?);
        out.push(' ');
    }
    Some(out)
}

/// Folds the sounds voice recognisers and speakers mix up into one spelling.
fn fold(syllable: &str) -> String {
    let mut s = syllable.to_owned();
    for (from, to) in [("zh", "z"), ("ch", "c"), ("sh", "s")] {
        if let Some(rest) = s.strip_prefix(from) {
            s = format!("{to}{rest}");
        }
    }
    if let Some(rest) = s.strip_prefix('l') {
        s = format!("n{rest}");
    }
    if let Some(rest) = s.strip_prefix('f') {
        s = format!("h{rest}");
    }
    if let Some(stem) = s.strip_suffix("ng") {
        s = format!("{stem}n");
    }
    if let Some(stem) = s.strip_suffix("uo") {
        s = format!("{stem}ui");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Homophones {
        Homophones::new(["发票", "汇算", "增值税", "个体户", "抵扣", "滞纳金"])
    }

    #[test]
    fn sound_alikes_of_tax_words_are_rewritten() {
        let h = words();
        let never = |_: &str| false;
        assert_eq!(h.correct("个体户怎么开发漂", never, &[]).as_deref(), Some("个体户怎么开发票"));
        assert_eq!(h.correct("汇酸什么时候办", never, &[]).as_deref(), Some("汇算什么时候办"));
        assert_eq!(h.correct("增值说税率", never, &[]).as_deref(), Some("增值税税率"));
        assert_eq!(h.correct("智纳金", never, &[]).as_deref(), Some("滞纳金"));
    }

    #[test]
    fn known_words_and_plain_text_are_left_alone() {
        let h = words();
        assert_eq!(h.correct("发票丢了", |_| false, &[]), None);
        assert_eq!(h.correct("底扣", |w| w == "底扣", &[]), None);
        assert_eq!(h.correct("abc 123", |_| false, &[]), None);
        // A rewrite never cuts through a word: it may only change a word it holds whole.
        let word = Some((0, 2));
        assert_eq!(h.correct("发漂", |_| false, &[word, word]).as_deref(), Some("发票"));
        let cut = [None, Some((1, 3)), Some((1, 3))];
        assert_eq!(h.correct("汇酸奶", |_| false, &cut), None);
        let h = Homophones::new(["所得税", "税得"]);
        let suode = Some((0, 2));
        assert_eq!(h.correct("所得说", |_| false, &[suode, suode, None]).as_deref(), Some("所得税"));
        let whole = Some((0, 3));
        assert_eq!(h.correct("所得", |_| false, &[Some((0, 3)), Some((0, 3))]), None);
        assert_eq!(h.correct("所得来", |_| false, &[whole, whole, whole]), None);
    }
}
