//! Replies as WeChat text: Markdown flattened (WeChat shows no Markdown),
//! numbered choices, and the 2,048-byte limit of a passive text reply.

use crate::chat::{Answer, Suggestion};
use crate::handoff::{HandoffStatus, OfflineReason};

/// WeChat refuses passive text replies over 2,048 bytes; keep a margin.
const MAX_REPLY_BYTES: usize = 2_000;

/// Appended when a reply had to be cut.
const CUT_NOTE: &str = "…（内容较长，完整内容请咨询人工客服）";

/// The prompt under numbered choices.
pub(crate) const CHOOSE: &str = "回复数字选择";

/// The reply to messages the bot cannot read (images, locations…).
pub(crate) const PLEASE_TYPE: &str = "暂时只能识别文字消息，请直接输入您的问题，例如“小规模纳税人增值税怎么交”。";

/// Flattens Markdown to plain text: no emphasis markers, headings as lines,
/// bullets as "·", links as "text（url）", table rows with "｜".
pub fn flatten_markdown(md: &str) -> String {
    let mut out = Vec::new();
    for line in md.lines() {
        let t = line.trim_end();
        let trimmed = t.trim_start();
        if is_table_rule(trimmed) {
            continue;
        }
        let body = trimmed.trim_start_matches('#').trim_start_matches('>');
        let body = if body.len() != trimmed.len() { body.trim_start() } else { t };
        let body = match body.trim_start().strip_prefix("- ").or_else(|| body.trim_start().strip_prefix("* ")) {
            Some(rest) => format!("· {rest}"),
            None => body.to_owned(),
        };
        let body = if body.trim_start().starts_with('|') {
            body.trim().trim_matches('|').split('|').map(str::trim).collect::<Vec<_>>().join("｜")
        } else {
            body
        };
        out.push(inline(&body));
    }
    let text = out.join("\n");
    let mut collapsed = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.split('\n') {
        blank = if line.trim().is_empty() { blank + 1 } else { 0 };
        if blank <= 1 {
            collapsed.push_str(line);
            collapsed.push('\n');
        }
    }
    collapsed.trim().to_owned()
}

fn is_table_rule(line: &str) -> bool {
    line.starts_with('|') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Drops emphasis and code markers; `[text](url)` becomes `text（url）`.
fn inline(s: &str) -> String {
    let s = s.replace("**", "").replace("__", "").replace('`', "");
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|mid| {
            let url_part = &after[mid + 2..];
            url_part.find(')').map(|end| (&after[..mid], &url_part[..end], &url_part[end + 1..]))
        });
        match link {
            Some((text, url, tail)) => {
                out.push_str(&rest[..open]);
                out.push_str(text);
                if !url.is_empty() {
                    out.push_str(&format!("（{url}）"));
                }
                rest = tail;
            }
            None => {
                out.push_str(&rest[..open + 1]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Cuts a reply to the passive-reply limit at a character boundary.
pub(crate) fn fit(text: &str) -> String {
    if text.len() <= MAX_REPLY_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_REPLY_BYTES - CUT_NOTE.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{CUT_NOTE}", text[..end].trim_end())
}

/// An answer: the flattened answer, then its sources on one short line.
pub(crate) fn answer(a: &Answer) -> String {
    let mut text = flatten_markdown(&a.entry.answer);
    let sources: Vec<&str> = a.entry.sources.iter().map(|s| s.wenhao.as_str()).filter(|w| !w.is_empty()).collect();
    if !sources.is_empty() {
        text.push_str(&format!("\n\n依据：{}", sources.join("；")));
    }
    fit(&text)
}

/// Numbered choices with the prompt to reply a number.
pub(crate) fn choices(intro: &str, items: &[Suggestion]) -> String {
    let mut text = intro.to_owned();
    for (i, s) in items.iter().enumerate() {
        text.push_str(&format!("\n{}. {}", i + 1, s.question));
    }
    if !items.is_empty() {
        text.push_str(&format!("\n{CHOOSE}"));
    }
    fit(&text)
}

/// No reliable answer: offer a human.
pub(crate) fn no_match(text: &str) -> String {
    format!("{text}\n回复“转人工”联系人工客服。")
}

/// Where a request for a human stands.
pub(crate) fn handoff(s: &HandoffStatus) -> String {
    match s {
        HandoffStatus::Queued(q) => format!(
            "已为您转接人工客服，前面还有 {} 位，预计等待约 {} 分钟。客服的回复会以消息形式发给您。",
            q.position.saturating_sub(1),
            q.estimated_wait_secs.div_ceil(60).max(1)
        ),
        HandoffStatus::Connected { agent_name } => {
            format!("客服 {agent_name} 正在为您服务，请直接输入。")
        }
        HandoffStatus::Offline { reason, hours } => {
            let why = match reason {
                OfflineReason::OutsideHours => "现在不在人工服务时间",
                OfflineReason::NoAgent => "暂时没有在线的人工客服",
            };
            format!("{why}（服务时间：{hours}）。您可以继续向我提问，或回复“留言 + 您的问题”，客服上班后会答复您。")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_emphasis_lists_links_and_tables() {
        let md = "## 标题\n**购置日期**分两段：\n- 例1：缴**1万元**；\n\n\n\n见[公告](https://x.cn/a)。\n| 项目 | 税率 |\n|---|---|\n| 货物 | 13% |";
        let flat = flatten_markdown(md);
        assert_eq!(
            flat,
            "标题\n购置日期分两段：\n· 例1：缴1万元；\n\n见公告（https://x.cn/a）。\n项目｜税率\n货物｜13%"
        );
    }

    #[test]
    fn fits_long_replies_at_a_character_boundary() {
        let long = "税".repeat(1_000);
        let cut = fit(&long);
        assert!(cut.len() <= MAX_REPLY_BYTES, "{}", cut.len());
        assert!(cut.ends_with(CUT_NOTE));
    }

    proptest::proptest! {
        #[test]
        fn flattening_never_panics_and_fits(md in "\\PC{0,600}") {
            let _ = flatten_markdown(&md);
            proptest::prop_assert!(fit(&md).len() <= MAX_REPLY_BYTES.max(md.len().min(MAX_REPLY_BYTES)));
        }
    }
}
