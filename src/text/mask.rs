//! Masking of personal data before text reaches a log, an editor's report or
//! an export: resident ID card numbers, mobile and landline numbers, bank
//! card numbers and e-mail addresses, in every form a taxpayer types them.
//!
//! Any run of 7 or more digits keeps its first 3 and last 2 digits and has the
//! rest replaced by `*`. A digit is an ASCII or full-width digit or a Chinese
//! numeral (〇零一二三四五六七八九, 壹贰叁肆伍陆柒捌玖); up to 3 separators
//! (spaces, dots, slashes, dashes, underscores, half or full width) may stand
//! between two digits, and an `X` may end an ID card number. An e-mail keeps
//! the first character of its local part. This is deliberately broader than
//! the exact formats: a report loses a few order numbers and dates, never a
//! phone number. The length in characters never changes.

/// Shortest digit run that is masked; landline numbers (7-8 digits) included.
const MIN_DIGITS: usize = 7;
/// Most separators in a row inside one number (`138 - 1234`).
const MAX_SEPARATORS: usize = 3;

/// Returns `text` with personal numbers and e-mail addresses masked.
pub fn mask_numbers(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    mask_digit_runs(&mut chars);
    mask_emails(&mut chars);
    chars.into_iter().collect()
}

/// A user id safe to store and show: unchanged when it holds no personal
/// number, else its masked form followed by `#` and 12 hex digits of its
/// SHA-256 (so different ids stay different), within `max_chars`.
pub fn pseudonym(id: &str, max_chars: usize) -> String {
    let masked = mask_numbers(id);
    if masked == id {
        return masked;
    }
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(id.as_bytes());
    let tag: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let keep = max_chars.saturating_sub(tag.len() + 1);
    format!("{}#{tag}", masked.chars().take(keep).collect::<String>())
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c) || "〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖".contains(c)
}

fn is_check_letter(c: char) -> bool {
    matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ')
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{3000}' | '\u{a0}' | '-' | '－' | '—' | '–' | '.' | '．' | '。' | '/' | '／' | '_' | '·')
}

fn mask_digit_runs(chars: &mut [char]) {
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            i += 1;
            continue;
        }
        let end = run_end(chars, i);
        let digits = chars[i..end].iter().filter(|c| is_digit(**c) || is_check_letter(**c)).count();
        if digits >= MIN_DIGITS && !date_like(&chars[i..end]) {
            let mut seen = 0;
            for c in &mut chars[i..end] {
                if is_digit(*c) || is_check_letter(*c) {
                    seen += 1;
                    if seen > 3 && seen <= digits - 2 {
                        *c = '*';
                    }
                }
            }
        }
        i = end;
    }
}

/// The value of a digit of any form.
fn digit_value(c: char) -> Option<u32> {
    if let Some(d) = c.to_digit(10) {
        return Some(d);
    }
    if ('０'..='９').contains(&c) {
        return Some(c as u32 - '０' as u32);
    }
    "〇一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .or_else(|| "零壹贰叁肆伍陆柒捌玖".chars().position(|d| d == c))
        .map(|p| p as u32)
}

/// A year range (`2024—2027`) or a date (`2024.01.31`, `2024/1/1`): tax
/// questions are full of them, and no phone, ID or card number is written so.
fn date_like(run: &[char]) -> bool {
    let groups: Vec<(usize, u32)> = run
        .split(|c| is_separator(*c))
        .filter(|g| !g.is_empty())
        .map(|g| (g.len(), g.iter().try_fold(0u32, |n, c| Some(n * 10 + digit_value(*c)?)).unwrap_or(u32::MAX)))
        .collect();
    let year = |&(len, v): &(usize, u32)| len == 4 && (1900..=2099).contains(&v);
    match groups.as_slice() {
        [a, b] => year(a) && year(b),
        [y, (ml, m), (dl, d)] => year(y) && *ml <= 2 && *dl <= 2 && (1..=12).contains(m) && (1..=31).contains(d),
        _ => false,
    }
}

/// The end of a digit run starting at `start`: digits, up to
/// [`MAX_SEPARATORS`] separators between two digits, and a check letter
/// ending an ID card number.
fn run_end(chars: &[char], start: usize) -> usize {
    let mut end = start;
    while end < chars.len() {
        let c = chars[end];
        if is_digit(c) {
            end += 1;
            continue;
        }
        if is_check_letter(c) && end > start {
            return end + 1;
        }
        let gap = chars[end..].iter().take(MAX_SEPARATORS + 1).take_while(|c| is_separator(**c)).count();
        if gap > 0 && gap <= MAX_SEPARATORS && chars.get(end + gap).is_some_and(|c| is_digit(*c)) {
            end += gap;
        } else {
            break;
        }
    }
    end
}

fn is_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// Masks the local part of every `local@domain.tld` but its first character.
fn mask_emails(chars: &mut [char]) {
    for at in 0..chars.len() {
        if !matches!(chars[at], '@' | '＠') {
            continue;
        }
        let start = chars[..at].iter().rposition(|c| !is_local(*c)).map_or(0, |p| p + 1);
        let domain: String = chars[at + 1..].iter().take_while(|c| is_domain(**c)).collect();
        if start < at && domain.trim_matches('.').contains('.') {
            for c in &mut chars[start + 1..at] {
                *c = '*';
            }
        }
    }
}

/// A whole user id (纳税人识别号, login id) as staff may see it: its first
/// and last 4 characters around a fixed `********` (so the length is not
/// told either), fewer kept for short ids: `9144********1234`.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let keep = match chars.len() {
        12.. => 4,
        8..=11 => 2,
        4..=7 => 1,
        _ => 0,
    };
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}********{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_id_keeps_at_most_a_third_of_an_id() {
        assert_eq!(mask_id("91440300MA5FXXX234"), "9144********X234");
        assert_eq!(mask_id("91440101123456781234"), "9144********1234");
        assert_eq!(mask_id("zhangsan"), "zh********an");
        assert_eq!(mask_id("abcd"), "a********d");
        assert_eq!(mask_id("abc"), "********");
        assert_eq!(mask_id(""), "********");
    }
    use proptest::prelude::*;

    #[test]
    fn masks_id_phone_and_bank_numbers() {
        assert_eq!(mask_numbers("手机13812345678"), "手机138******78");
        assert_eq!(mask_numbers("身份证11010519491231002X，谢谢"), "身份证110*************2X，谢谢");
        assert_eq!(mask_numbers("卡号 6222 0202 0001 2345 678"), "卡号 622* **** **** **** *78");
        assert_eq!(mask_numbers("2024年收入30万"), "2024年收入30万");
    }

    #[test]
    fn masks_every_form_of_the_digits() {
        assert_eq!(mask_numbers("１３８１２３４５６７８"), "１３８******７８");
        assert_eq!(mask_numbers("138.1234.5678"), "138.****.**78");
        assert_eq!(mask_numbers("138/1234/5678"), "138/****/**78");
        assert_eq!(mask_numbers("138 - 1234 - 5678"), "138 - **** - **78");
        assert_eq!(mask_numbers("一三八一二三四五六七八"), "一三八******七八");
        assert_eq!(mask_numbers("110105１９４９１２３１００２ｘ"), "110*************２ｘ");
        assert_eq!(mask_numbers("发到 zhang.san@example.com 吧"), "发到 z********@example.com 吧");
        assert_eq!(mask_numbers("a@b 和 @example.com"), "a@b 和 @example.com");
        for kept in ["2024—2027年的政策", "2024-01-31 之前", "2024.1.1起", "二〇二四—二〇二七年"] {
            assert_eq!(mask_numbers(kept), kept, "years and dates are not personal numbers");
        }
        assert_eq!(mask_numbers("2010-1234"), "201*-**34", "a landline is not a year range");
    }

    #[test]
    fn pseudonyms_keep_plain_ids_and_hide_personal_ones() {
        assert_eq!(pseudonym("wx-oA1b2c3", 128), "wx-oA1b2c3");
        let p = pseudonym("11010519491231002X", 128);
        assert!(p.starts_with("110*************2X#") && !p.contains("10519491231"), "{p}");
        assert_ne!(p, pseudonym("11010519491231003X", 128));
        assert!(pseudonym(&"1".repeat(200), 128).chars().count() <= 128);
    }

    fn no_digit_edges() -> impl Strategy<Value = String> {
        "[^0-9０-９〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖XxＸｘ \\-.．/／_·　—–。]{0,10}"
    }

    /// `number` written in another form: full-width or Chinese digits, with separators.
    fn disguise(number: &str, style: u8, separator: char) -> String {
        const CN: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
        let mut out = String::new();
        for (i, c) in number.chars().enumerate() {
            if i > 0 && i % 4 == 0 && separator != '\0' {
                out.push(separator);
            }
            let d = c.to_digit(10);
            out.push(match (style, d) {
                (1, Some(d)) => char::from_u32('０' as u32 + d).unwrap_or(c),
                (2, Some(d)) => CN[d as usize],
                _ => c,
            });
        }
        out
    }

    proptest! {
        #[test]
        fn never_lets_an_id_or_mobile_number_through(
            prefix in no_digit_edges(),
            suffix in no_digit_edges(),
            mobile in "1[3-9][0-9]{9}",
            id in "[1-9][0-9]{16}[0-9X]",
            bank in "62[0-9]{14,17}",
            style in 0u8..3,
            separator in prop::sample::select(vec!['\0', ' ', '-', '.', '/', '　', '－', '／', '．']),
        ) {
            for number in [&mobile, &id, &bank] {
                let written = disguise(number, style, separator);
                let masked = mask_numbers(&format!("{prefix}{written}{suffix}"));
                prop_assert!(!masked.contains(written.as_str()), "{masked}");
                let kept = masked.chars().filter(|c| is_digit(*c)).count();
                prop_assert!(kept <= 5 + prefix.chars().chain(suffix.chars()).filter(|c| is_digit(*c)).count(), "{masked}");
            }
        }

        #[test]
        fn never_lets_an_email_through(local in "[a-z][a-z0-9._]{2,12}", domain in "[a-z]{2,10}\\.(com|cn|gov\\.cn)") {
            let email = format!("{local}@{domain}");
            let masked = mask_numbers(&format!("邮箱：{email}。"));
            prop_assert!(!masked.contains(&local), "{masked}");
        }

        #[test]
        fn never_panics_and_keeps_length(text in "\\PC{0,80}") {
            prop_assert_eq!(mask_numbers(&text).chars().count(), text.chars().count());
        }
    }
}
