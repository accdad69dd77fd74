//! Related questions shown under a direct answer ("您可能还想问"): the entries
//! its answer links to, the close runners-up of the question, then the entries
//! nearest to the answered one. Answers say "见相关问题", so a direct answer
//! always comes with some.

use std::sync::Arc;

use super::{Candidate, Searcher};
use crate::kb::Entry;

/// A runner-up of the question is related when at least this confident:
/// below it, runners-up are noise rather than neighbours.
const RUNNER_UP_FLOOR: f32 = 0.05;

impl Searcher {
    /// Up to `n` entries related to `entry`, answered for a question whose
    /// ranking was `ranked` (empty when the taxpayer picked the entry).
    pub fn related(&self, entry: &Entry, ranked: &[Candidate], n: usize) -> Vec<Arc<Entry>> {
        let snap = self.snapshot();
        let mut out: Vec<Arc<Entry>> = Vec::with_capacity(n);
        let push = |e: &Arc<Entry>, out: &mut Vec<Arc<Entry>>| {
            if out.len() < n && e.id != entry.id && !out.iter().any(|o| o.id == e.id) {
                out.push(Arc::clone(e));
            }
        };
        for id in linked_ids(&entry.answer) {
            if let Some(e) = snap.entry(id) {
                push(e, &mut out);
            }
        }
        for c in ranked.iter().filter(|c| c.confidence.get() >= RUNNER_UP_FLOOR) {
            push(&c.entry, &mut out);
        }
        if out.len() < n
            && let Ok(nearest) = self.ask(&entry.question)
        {
            for c in &nearest.ranked {
                push(&c.entry, &mut out);
            }
        }
        out
    }
}

/// Entry ids written in an answer ("见IIT-010"): 2-4 capital letters, a dash, 3 digits.
fn linked_ids(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut ids = Vec::new();
    for (dash, _) in text.match_indices('-') {
        let letters = bytes[..dash].iter().rev().take_while(|b| b.is_ascii_uppercase()).count();
        let digits = bytes[dash + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if (2..=4).contains(&letters) && digits == 3 {
            ids.push(&text[dash - letters..dash + 4]);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_entry_ids_written_in_an_answer() {
        assert_eq!(linked_ids("错过期限见IIT-010，抵扣见VAT-011。"), vec!["IIT-010", "VAT-011"]);
        assert!(linked_ids("税率3%-5%，A-1").is_empty());
    }
}
