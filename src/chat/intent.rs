//! Intents answered without retrieval: greetings, thanks, goodbyes and
//! requests for a human agent (转人工).

use crate::text::normalize;

/// What a short message wants, when it is not a tax question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// 你好, 在吗…
    Greeting,
    /// 谢谢…
    Thanks,
    /// 再见…
    Goodbye,
    /// 转人工, 人工客服…
    Human,
    /// 换个问题, 问点别的…: start afresh, without the previous topic.
    Reset,
}

/// Messages longer than this are questions even if they start with 你好:
/// "你好，个体户怎么交税" must reach the matcher.
const MAX_SMALL_TALK_CHARS: usize = 8;

const HUMAN: [&str; 8] = ["转人工", "人工客服", "人工服务", "找人工", "真人客服", "人工坐席", "要人工", "人工"];
const GREETING: [&str; 8] = ["你好", "您好", "在吗", "在不在", "hello", "hi", "哈喽", "早上好"];
const THANKS: [&str; 6] = ["谢谢", "多谢", "感谢", "thanks", "thank you", "谢啦"];
const GOODBYE: [&str; 5] = ["再见", "拜拜", "bye", "没有了", "没问题了"];
/// Without a final 的, which `detect` trims ("问点别的" → "问点别").
const RESET: [&str; 8] = ["换个问题", "换个话题", "问点别", "问别", "问其他", "重新开始", "新问题", "另一个问题"];

/// Detects the intent of `text`, or `None` for a question to match.
pub fn detect(text: &str) -> Option<Intent> {
    let n = normalize(text).text;
    let core: String = n.chars().filter(|c| c.is_alphanumeric() || *c == ' ').collect::<String>().trim().to_owned();
    let core = core.trim_start_matches("请").trim_end_matches(['啊', '呀', '吧', '的', '了', '哈']).trim();
    if core.chars().count() > MAX_SMALL_TALK_CHARS || core.is_empty() {
        return None;
    }
    let hit = |words: &[&str]| words.iter().any(|w| core.contains(w));
    if hit(&HUMAN) {
        Some(Intent::Human)
    } else if hit(&RESET) {
        Some(Intent::Reset)
    } else if hit(&THANKS) {
        Some(Intent::Thanks)
    } else if hit(&GOODBYE) {
        Some(Intent::Goodbye)
    } else if hit(&GREETING) {
        Some(Intent::Greeting)
    } else {
        None
    }
}

/// The bot's reply to a small-talk intent.
pub fn small_talk_reply(intent: Intent) -> &'static str {
    match intent {
        Intent::Greeting => "您好！请直接输入您的涉税问题，例如“小规模纳税人免征增值税的标准是多少”。",
        Intent::Thanks => "不客气！还有其他问题可以继续问我。",
        Intent::Goodbye => "感谢您的咨询，再见！",
        Intent::Human => "正在为您转接人工客服。",
        Intent::Reset => "好的，我们换个问题。请直接输入您想咨询的新问题。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_social_messages_are_intents_and_questions_are_not() {
        assert_eq!(detect("你好"), Some(Intent::Greeting));
        assert_eq!(detect("谢谢！"), Some(Intent::Thanks));
        assert_eq!(detect("转人工"), Some(Intent::Human));
        assert_eq!(detect("请转人工客服"), Some(Intent::Human));
        assert_eq!(detect("再见"), Some(Intent::Goodbye));
        assert_eq!(detect("换个问题"), Some(Intent::Reset));
        assert_eq!(detect("我想问点别的"), Some(Intent::Reset));
        assert_eq!(detect("你好，个体户怎么交增值税"), None);
        assert_eq!(detect("小规模纳税人免税标准"), None);
        assert_eq!(detect(""), None);
    }
}
