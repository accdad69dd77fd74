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

/// First and last Chinese character with a sound (the CJK Unified Ideographs block).
const FIRST_HAN: char = '\u{4e00}';
const LAST_HAN: char = '\u{9fff}';

/// Bits of one syllable id in a [`SoundKey`]: about 400 toneless syllables,
/// fewer once folded, so six of them fit in a `u64`.
const SYLLABLE_BITS: u32 = 10;

/// The folded sounds of up to [`MAX_CHARS`] characters packed into one
/// number: syllable ids are never 0, so keys of different lengths differ.
type SoundKey = u64;

/// Tax words by how they sound; `None` when two words sound alike (no guess).
pub struct Homophones {
    by_sound: FxHashMap<SoundKey, Option<String>>,
    /// Folded syllable id of each character from [`FIRST_HAN`] on (0: none),
    /// looked up once here so a question's scan allocates nothing per character.
    syllables: Vec<u16>,
}

impl Homophones {
    /// Indexes `words` (normalised dictionary and synonym words), each with
    /// its canonical form: words that sound alike but mean the same (增值税
    /// and its listed typo 增殖税) leave the sound a guess, kept as the first.
    pub fn new<'a>(words: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let syllables = syllable_table();
        let mut by_sound: FxHashMap<SoundKey, Option<(String, String)>> = FxHashMap::default();
        for (w, canonical) in words {
            let n = w.chars().count();
            if !(MIN_CHARS..=MAX_CHARS).contains(&n) {
                continue;
            }
            let Some(sound) = sound_key(&syllables, w.chars()) else { continue };
            by_sound
                .entry(sound)
                .and_modify(|known| {
                    if known.as_ref().is_some_and(|(_, c)| c != canonical) {
                        *known = None;
                    }
                })
                .or_insert_with(|| Some((w.to_owned(), canonical.to_owned())));
        }
        let by_sound = by_sound.into_iter().map(|(k, v)| (k, v.map(|(word, _)| word))).collect();
        Homophones { by_sound, syllables }
    }

    /// The folded syllable id of `c` (0 when it is not a Chinese character with a reading).
    fn syllable(&self, c: char) -> u16 {
        syllable_of(&self.syllables, c)
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
        let sounds: Vec<u16> = chars.iter().map(|&c| self.syllable(c)).collect();
        let mut out: Option<Vec<char>> = None;
        let mut i = 0;
        while i < chars.len() {
            let longest = MAX_CHARS.min(chars.len() - i);
            let hit = (MIN_CHARS..=longest).rev().find_map(|len| {
                let key = pack(sounds[i..i + len].iter().copied())?;
                let target = self.by_sound.get(&key)?.as_ref()?;
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

/// The folded syllable id of every character from [`FIRST_HAN`] to
/// [`LAST_HAN`] (0: no reading), ids numbered in order of first appearance.
fn syllable_table() -> Vec<u16> {
    let mut ids: FxHashMap<String, u16> = FxHashMap::default();
    (FIRST_HAN..=LAST_HAN)
        .map(|c| match c.to_pinyin() {
            Some(p) => {
                let next = u16::try_from(ids.len() + 1).unwrap_or(u16::MAX);
                *ids.entry(fold(p.plain())).or_insert(next)
            }
            None => 0,
        })
        .collect()
}

fn syllable_of(table: &[u16], c: char) -> u16 {
    (c as usize).checked_sub(FIRST_HAN as usize).and_then(|i| table.get(i)).copied().unwrap_or(0)
}

/// The key of a run of syllable ids, or `None` if one is 0 (no reading) or
/// does not fit in [`SYLLABLE_BITS`].
fn pack(ids: impl Iterator<Item = u16>) -> Option<SoundKey> {
    ids.map(|id| (id != 0 && u32::from(id) < 1 << SYLLABLE_BITS).then_some(SoundKey::from(id)))
        .try_fold(0, |key: SoundKey, id| Some((key << SYLLABLE_BITS) | id?))
}

/// The key of `word`'s sound, or `None` if a character has no reading.
fn sound_key(table: &[u16], word: impl Iterator<Item = char>) -> Option<SoundKey> {
    pack(word.map(|c| syllable_of(table, c)))
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
        Homophones::new(["发票", "汇算", "增值税", "个体户", "抵扣", "滞纳金"].map(|w| (w, w)))
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
    fn sound_alikes_meaning_the_same_are_still_a_guess() {
        let never = |_: &str| false;
        let same = Homophones::new([("增值税", "增值税"), ("增殖税", "增值税")]);
        assert_eq!(same.correct("增值说税率", never, &[]).as_deref(), Some("增值税税率"));
        let different = Homophones::new([("增值税", "增值税"), ("增殖税", "增殖税")]);
        assert_eq!(different.correct("增值说税率", never, &[]), None);
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
        let h = Homophones::new([("所得税", "所得税"), ("税得", "税得")]);
        let suode = Some((0, 2));
        assert_eq!(h.correct("所得说", |_| false, &[suode, suode, None]).as_deref(), Some("所得税"));
        let whole = Some((0, 3));
        assert_eq!(h.correct("所得", |_| false, &[Some((0, 3)), Some((0, 3))]), None);
        assert_eq!(h.correct("所得来", |_| false, &[whole, whole, whole]), None);
    }

    #[test]
    fn every_folded_syllable_fits_a_key() {
        let table = syllable_table();
        let most = table.iter().copied().max().unwrap_or(0);
        assert!(most > 200 && u32::from(most) < 1 << SYLLABLE_BITS, "{most} syllables");
        assert_eq!(syllable_of(&table, '漂'), syllable_of(&table, '票'));
        assert_ne!(syllable_of(&table, '发'), syllable_of(&table, '票'));
        assert_eq!(syllable_of(&table, 'a'), 0);
        // Keys of different lengths never collide: ids are never 0.
        let (one, two) = (sound_key(&table, "票".chars()), sound_key(&table, "发票".chars()));
        assert!(one.is_some() && two.is_some() && one != two);
        assert_eq!(sound_key(&table, "发a".chars()), None);
    }
}
