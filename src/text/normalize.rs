//! Text normalisation: width folding, traditional→simplified, lowercase Latin,
//! punctuation/emoji noise to spaces, collapsed whitespace.
//!
//! The result keeps a byte map back to the original text so that tokens found in
//! the normalised text can report offsets into what the user actually typed.

use std::borrow::Cow;
use std::sync::LazyLock;

/// Normalised text plus, for every byte of it, the byte offset in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// `origin[i]` is the byte range, in the original, of the character that
    /// produced normalised byte `i`.
    origin: Vec<(usize, usize)>,
}

impl Normalized {
    /// Maps a byte range of the normalised text to the matching range of the original.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        match (self.origin.get(start), end.checked_sub(1).and_then(|e| self.origin.get(e))) {
            (Some(&(from, _)), Some(&(_, to))) if end > start => (from, to),
            (Some(&(from, _)), _) => (from, from),
            _ => (self.original_len(), self.original_len()),
        }
    }

    fn original_len(&self) -> usize {
        self.origin.last().map_or(0, |&(_, end)| end)
    }
}

/// Normalises `input` (see the module doc); idempotent.
pub fn normalize(input: &str) -> Normalized {
    let mut text = String::with_capacity(input.len());
    let mut origin = Vec::with_capacity(input.len() + 1);
    fold_all(input, |(offset, len), c| {
        if c == ' ' {
            origin.push((offset, offset));
        } else {
            origin.extend(std::iter::repeat_n((offset, offset + len), c.len_utf8()));
        }
        text.push(c);
    });
    Normalized { text, origin }
}

/// The text of [`normalize`] without the map back to the original, for
/// callers that need no offsets (indexing a whole knowledge base).
pub fn normalize_text(input: &str) -> String {
    let mut text = String::with_capacity(input.len());
    fold_all(input, |_, c| text.push(c));
    text
}

/// Folds `input` character by character, calling `push` with the byte offset
/// and length of the original character and the folded character, or a space
/// standing for the noise collapsed before it (never at the start).
fn fold_all(input: &str, mut push: impl FnMut((usize, usize), char)) {
    let simplified = simplify(input);
    let mut pending_space = false;
    let mut any = false;
    let mut prev = None;
    let mut next_chars = simplified.chars().skip(1);
    for ((offset, original), c) in input.char_indices().zip(simplified.chars()) {
        let next = next_chars.next();
        let span = (offset, original.len_utf8());
        match fold(c, prev, next) {
            Some(folded) => {
                if pending_space && any {
                    push(span, ' ');
                }
                pending_space = false;
                any = true;
                push(span, folded);
            }
            None => pending_space = true,
        }
        prev = Some(c);
    }
}

/// Traditional→simplified, as `fast2s::convert`, without its three table
/// lookups per character for text in which no character can change (most
/// text taxpayers and editors write).
fn simplify(input: &str) -> Cow<'_, str> {
    if input.chars().any(is_traditional) { Cow::Owned(fast2s::convert(input)) } else { Cow::Borrowed(input) }
}

/// Characters `fast2s::convert` may change: the 3-byte UTF-8 ones (the only
/// ones it looks at) that it changes on their own, plus those it changes only
/// next to certain others (its special cases: 看著, 藉口, 憑藉, 苧麻).
static TRADITIONAL: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut bits = vec![0u64; 0x10000 / 64];
    let mut set = |c: char| bits[c as usize / 64] |= 1 << (c as usize % 64);
    let mut buf = [0u8; 4];
    for c in ('\u{800}'..='\u{FFFF}').filter(|c| c.len_utf8() == 3) {
        let alone: &str = c.encode_utf8(&mut buf);
        if fast2s::convert(alone) != alone {
            set(c);
        }
    }
    for c in ['著', '藉', '苧'] {
        set(c);
    }
    bits
});

fn is_traditional(c: char) -> bool {
    let i = c as usize;
    i < 0x10000 && TRADITIONAL[i / 64] & (1 << (i % 64)) != 0
}

/// Folds one character; `None` means "noise", which becomes a (collapsed) space.
fn fold(c: char, prev: Option<char>, next: Option<char>) -> Option<char> {
    // Common CJK ideographs are kept as they are (the fast path for Chinese text).
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return Some(c);
    }
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    let c = c.to_ascii_lowercase();
    let is_digit = |o: Option<char>| o.is_some_and(|d| d.is_ascii_digit() || ('０'..='９').contains(&d));
    match c {
        _ if c.is_alphanumeric() => Some(c),
        '%' => Some(c),
        // A decimal point or a thousands separator only inside a number ("1.5%").
        '.' if is_digit(prev) && is_digit(next) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_width_case_script_and_noise() {
        let n = normalize("請問，ＶＡＴ專票   怎麼開？？😀 1.5%");
        assert_eq!(n.text, "请问 vat专票 怎么开 1.5%");
    }

    #[test]
    fn maps_normalised_ranges_back_to_the_original() {
        let input = "Ａ專票！";
        let n = normalize(input);
        assert_eq!(n.text, "a专票");
        let (from, to) = n.original_range(1, n.text.len());
        assert_eq!(&input[from..to], "專票");
        let (from, to) = n.original_range(0, 1);
        assert_eq!(&input[from..to], "Ａ");
    }

    #[test]
    fn noise_only_input_becomes_empty() {
        assert_eq!(normalize("  😀🎉？！\u{0007}\n").text, "");
        assert_eq!(normalize("").text, "");
    }

    #[test]
    fn simplifies_as_fast2s_does_in_context() {
        for text in ["看著", "著作", "藉口", "憑藉", "苧麻", "計畫", "乾隆", "乾燥", "增值稅專用發票", "个税汇算"]
        {
            assert_eq!(simplify(text), fast2s::convert(text), "{text}");
        }
        assert!(matches!(simplify("小规模纳税人"), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn simplifies_as_fast2s_does(s in "[\\u{4E00}-\\u{9FFF}著藉苧看憑口麻a1 ]{0,20}") {
            prop_assert_eq!(simplify(&s), fast2s::convert(&s));
        }

        #[test]
        fn text_only_normalisation_is_the_same_text(s in "\\PC{0,40}") {
            prop_assert_eq!(normalize_text(&s), normalize(&s).text);
        }

        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,40}") {
            let once = normalize(&s).text;
            prop_assert_eq!(normalize(&once).text, once.clone());
        }

        #[test]
        fn original_ranges_are_char_boundaries(s in "\\PC{0,40}") {
            let n = normalize(&s);
            for (i, _) in n.text.char_indices() {
                let (from, to) = n.original_range(i, n.text.len());
                prop_assert!(s.is_char_boundary(from) && s.is_char_boundary(to));
            }
        }
    }
}
