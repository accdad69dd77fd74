//! Spoken openings: the filler a voice or chatty message starts with before
//! its first real word ("嗯", "那个，", "我想问一下").

/// Spoken openings that say nothing: a voice message or a chatty one starts
/// with them before its first real word ("嗯 那老二呢", "我想问一下 它能扣多少").
const SPOKEN_OPENINGS: [&str; 27] = [
    "嗯",
    "呃",
    "啊",
    "哦",
    "噢",
    "唉",
    "哎",
    "诶",
    "喂",
    "就是说",
    "就是",
    "然后",
    "你好",
    "您好",
    "请问一下",
    "请问下",
    "请问",
    "麻烦问一下",
    "麻烦问下",
    "我想问一下",
    "我想问下",
    "我想问问",
    "想问一下",
    "想问下",
    "我问一下",
    "我问下",
    "问一下",
];

/// Openings that are filler only before a pause or another filler: "那个，
/// 退税多久到账" (but "那个体户呢" is 那 and 个体户), "额 我想问" (but "额度不够").
const PAUSED_OPENINGS: [&str; 2] = ["那个", "额"];

/// `question` without its spoken openings: what is matched, and where the
/// words that shape a follow-up (那…呢, 这个…) are looked for.
pub fn without_spoken_opening(question: &str) -> &str {
    let pause = |c: char| c.is_whitespace() || "，,。.、！!？?…~～".contains(c);
    let mut q = question.trim_start_matches(pause);
    loop {
        if let Some(rest) = SPOKEN_OPENINGS.iter().find_map(|w| q.strip_prefix(w)) {
            q = rest.trim_start_matches(pause);
            continue;
        }
        let paused = PAUSED_OPENINGS.iter().find_map(|w| q.strip_prefix(w)).filter(|rest| {
            let after = rest.trim_start_matches(pause);
            after.len() < rest.len() || after.starts_with('我') || SPOKEN_OPENINGS.iter().any(|w| after.starts_with(w))
        });
        match paused {
            Some(rest) => q = rest.trim_start_matches(pause),
            None => return q,
        }
    }
}
