//! Synthetic knowledge bases for benchmarks, recombined from real entries so
//! that vocabulary, lengths and term statistics stay realistic while every
//! synthetic entry differs from the others.

use taxbot::kb::{Entry, EntryId};

/// `n` entries. Entry `i` pairs real entry `a` with a different real entry `b`
/// (the pair is unique for the first m·(m−1) entries): it asks `a`'s question
/// with `b`'s leading keyword, takes half its paraphrases from each, both
/// keyword lists, and `a`'s answer followed by `b`'s first sentence.
pub fn entries(real: &[Entry], n: usize) -> Vec<Entry> {
    let m = real.len();
    (0..n)
        .map(|i| {
            let a = &real[i % m];
            let b = &real[(i % m + 1 + (i / m) % (m - 1)) % m];
            let salt = i / (m * (m - 1));
            let prefix = b.keywords.first().cloned().unwrap_or_default();
            let mut e = a.clone();
            e.id = EntryId::try_from(format!("SYN-{i:06}")).expect("valid id");
            e.question = format!("{prefix}{}{}", a.question, if salt > 0 { salt.to_string() } else { String::new() });
            let (ha, hb) = (a.similar.len() / 2, b.similar.len() / 2);
            e.similar = a.similar[..ha].iter().chain(&b.similar[hb..]).map(|s| format!("{prefix}{s}")).collect();
            e.keywords = a.keywords.iter().chain(&b.keywords).cloned().collect();
            let first = b.answer.split('。').next().unwrap_or_default();
            e.answer = format!("{}\n\n{first}。", a.answer);
            e
        })
        .collect()
}
