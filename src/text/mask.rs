//! Masking of personal numbers before text reaches a log: resident ID card
//! numbers, mobile numbers and bank card numbers.
//!
//! Any run of 7 or more digits (spaces and hyphens between digit groups
//! allowed, a trailing `X` for ID cards) keeps its first 3 and last 2 digits
//! and has the rest replaced by `*`. This is deliberately broader than the
//! exact formats: a log line loses a few order numbers, never a phone number.

/// Shortest digit run that is masked; landline numbers (7-8 digits) included.
const MIN_DIGITS: usize = 7;

/// Returns `text` with long digit runs masked.
pub fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let end = run_end(&chars, i);
        let run = &chars[i..end];
        let digits = run.iter().filter(|c| c.is_ascii_digit() || **c == 'X' || **c == 'x').count();
        if digits < MIN_DIGITS {
            out.extend(run);
        } else {
            let mut seen = 0;
            for &c in run {
                if c.is_ascii_digit() || c == 'X' || c == 'x' {
                    seen += 1;
                    out.push(if seen <= 3 || seen > digits - 2 { c } else { '*' });
                } else {
                    out.push(c);
                }
            }
        }
        i = end;
    }
    out
}

/// The end of a digit run starting at `start`: digits, single separators
/// (space or hyphen) between digits, and an `X` ending an ID card number.
fn run_end(chars: &[char], start: usize) -> usize {
    let mut end = start;
    while end < chars.len() {
        let c = chars[end];
        let separator = (c == ' ' || c == '-') && chars.get(end + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || separator {
            end += 1;
        } else if (c == 'X' || c == 'x') && end > start {
            end += 1;
            break;
        } else {
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks_id_phone_and_bank_numbers() {
        assert_eq!(mask_numbers("手机13812345678"), "手机138******78");
        assert_eq!(mask_numbers("身份证11010519491231002X，谢谢"), "身份证110*************2X，谢谢");
        assert_eq!(mask_numbers("卡号 6222 0202 0001 2345 678"), "卡号 622* **** **** **** *78");
        assert_eq!(mask_numbers("2024年收入30万"), "2024年收入30万");
    }

    fn no_digit_edges() -> impl Strategy<Value = String> {
        "[^0-9Xx \\-]{0,10}"
    }

    proptest! {
        #[test]
        fn never_lets_an_id_or_mobile_number_through(
            prefix in no_digit_edges(),
            suffix in no_digit_edges(),
            mobile in "1[3-9][0-9]{9}",
            id in "[1-9][0-9]{16}[0-9X]",
            bank in "62[0-9]{14,17}",
        ) {
            for number in [&mobile, &id, &bank] {
                let masked = mask_numbers(&format!("{prefix}{number}{suffix}"));
                prop_assert!(!masked.contains(number.as_str()), "{masked}");
            }
        }

        #[test]
        fn never_panics_and_keeps_length(text in "\\PC{0,80}") {
            prop_assert_eq!(mask_numbers(&text).chars().count(), text.chars().count());
        }
    }
}
