//! What is wrong with a configuration, said in Chinese with the key it is
//! about and, for a file, the line: serde's and toml's messages ("unknown
//! field", "invalid type" …) are English and name no key, so they are
//! rewritten here, the key path coming from `serde_path_to_error` and the line
//! from toml's byte span.

use std::ops::Range;

/// The key (dotted path, e.g. `search.answer_threshold` or
/// `wechat.accounts[0].token`) and the Chinese message of a deserialisation
/// error; `None` for the key when the error is about the whole document.
pub(super) fn explain<E>(e: &serde_path_to_error::Error<E>, message: &str) -> (Option<String>, String) {
    let path = e.path().to_string();
    let key = (path != "." && !path.is_empty()).then_some(path);
    (key, chinese(message))
}

/// The 1-based line of the start of `span` in `text` (1 when there is no span).
pub(super) fn line_of(text: &str, span: Option<Range<usize>>) -> usize {
    let start = span.map_or(0, |s| s.start).min(text.len());
    text.as_bytes()[..start].iter().filter(|&&b| b == b'\n').count() + 1
}

/// serde's standard messages in Chinese; any other message is kept as it is
/// (the custom ones of this crate are Chinese already).
pub(super) fn chinese(message: &str) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (field, expected) = split_expected(rest);
        return match expected {
            Some(list) => format!("未知的键 {field}（这里可用的键：{list}）"),
            None => format!("未知的键 {field}（这里没有可设置的键）"),
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (value, expected) = split_expected(rest);
        return format!("取值 {value} 无效，可选：{}", expected.unwrap_or_default());
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return format!("类型不对：应为 {}，实际是 {}", kind(expected), kind(found));
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return format!("取值无效：{}，应为 {}", kind(found), kind(expected));
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("缺少必填的键 {field}");
    }
    message.to_owned()
}

/// `` `x`, expected one of `a`, `b` `` → (`` `x` ``, the list), also for `expected `a` or `b``.
fn split_expected(rest: &str) -> (&str, Option<&str>) {
    for sep in [", expected one of ", ", expected "] {
        if let Some((head, list)) = rest.split_once(sep) {
            return (head, Some(list));
        }
    }
    let head = rest.split_once(", there are no").map_or(rest, |(h, _)| h);
    (head, None)
}

/// serde's names of kinds of values, in Chinese where the name is a word.
fn kind(s: &str) -> String {
    const WORDS: [(&str, &str); 11] = [
        ("a string", "字符串"),
        ("string", "字符串"),
        ("integer", "整数"),
        ("floating point", "小数"),
        ("f64", "小数"),
        ("f32", "小数"),
        ("a boolean", "true 或 false"),
        ("boolean", "布尔值"),
        ("a sequence", "数组"),
        ("sequence", "数组"),
        ("map", "表"),
    ];
    let s = s.trim();
    for (en, zh) in WORDS {
        if s == en {
            return zh.to_owned();
        }
        if let Some(rest) = s.strip_prefix(en).filter(|r| r.starts_with(' ')) {
            return format!("{zh}{rest}");
        }
    }
    match s {
        "usize" | "u64" | "u32" | "u16" | "u8" => "非负整数".to_owned(),
        "i64" | "i32" => "整数".to_owned(),
        "struct Settings" | "a table" => "表".to_owned(),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_read_in_chinese_with_what_was_found() {
        let m = chinese("unknown field `answer_treshold`, expected one of `answer_threshold`, `margin`");
        assert_eq!(m, "未知的键 `answer_treshold`（这里可用的键：`answer_threshold`, `margin`）");
        assert_eq!(
            chinese("invalid type: string \"many\", expected usize"),
            "类型不对：应为 非负整数，实际是 字符串 \"many\""
        );
        assert_eq!(
            chinese("unknown variant `xml`, expected `text` or `json`"),
            "取值 `xml` 无效，可选：`text` or `json`"
        );
        assert_eq!(chinese("missing field `token`"), "缺少必填的键 `token`");
        assert_eq!(chinese("已经是中文"), "已经是中文");
    }

    #[test]
    fn spans_become_one_based_lines() {
        let text = "[a]\nx = 1\ny = 2\n";
        assert_eq!(line_of(text, Some(10..11)), 3);
        assert_eq!(line_of(text, None), 1);
        assert_eq!(line_of(text, Some(999..1000)), 4);
    }
}
