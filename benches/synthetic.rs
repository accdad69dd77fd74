//! Synthetic knowledge bases for benchmarks, recombined from real entries so
//! that vocabulary, lengths and term statistics stay realistic.

use taxbot::kb::{Entry, EntryId};

/// `n` entries: each takes a real entry's question, paraphrases and answer and
/// mixes in another entry's keywords, paraphrases and first answer sentence.
pub fn entries(real: &[Entry], n: usize) -> Vec<Entry> {
    let m = real.len();
    (0..n)
        .map(|i| {
            let a = &real[i % m];
            let b = &real[(i * 7 + i / m + 3) % m];
            let c = &real[(i * 13 + 5) % m];
            let prefix = c.keywords.get(i % c.keywords.len().max(1)).cloned().unwrap_or_default();
            let mut e = a.clone();
            e.id = EntryId::try_from(format!("SYN-{i:06}")).expect("valid id");
            e.question = format!("{prefix}{}", a.question);
            let half = a.similar.len() / 2;
            e.similar =
                a.similar[..half].iter().chain(b.similar.iter().skip(half)).map(|s| format!("{s}{}", i / m)).collect();
            e.keywords = a.keywords.iter().chain(b.keywords.iter().take(2)).cloned().collect();
            let first = b.answer.split('。').next().unwrap_or_default();
            e.answer = format!("{}\n\n{first}。", a.answer);
            e
        })
        .collect()
}
