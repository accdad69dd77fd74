//! What the reranker knows about one entry, laid out so that comparing a
//! question with it is one lookup per question word.
//!
//! For each of its words (and, separately, its bigrams) an entry keeps the
//! ways of asking that use it and its naive Bayes log count. A question word
//! is looked up once per candidate, and that one lookup feeds every signal:
//! the per-paraphrase cosines, the coverages and the likelihood.

use super::bayes::ALPHA;
use super::vectors::Vocabulary;

/// One entry's words (or bigrams), sorted by id.
#[derive(Debug, Default)]
pub(crate) struct EntryWords {
    ids: Vec<u32>,
    /// `variants[starts[i]..starts[i + 1]]` are the ways of asking that use
    /// `ids[i]`; the range is empty for a word only the answer uses.
    starts: Vec<u32>,
    variants: Vec<u16>,
    /// `ln(count + α)` per id: the entry's naive Bayes word counts.
    log_counts: Vec<f32>,
    /// `ln(total count + α · vocabulary size)`: the naive Bayes denominator.
    log_denominator: f32,
    /// Norm of each way of asking under the vocabulary's weights.
    norms: Vec<f32>,
}

/// What a question shares with an entry's words. "Own" words are the
/// question's; "borrowed" ones come from the turn before.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Overlap {
    /// Squared weight of the own words that some way of asking uses.
    pub asked_own: f32,
    /// Squared weight of the borrowed words that some way of asking uses.
    pub asked_borrowed: f32,
    /// Squared weight of the own words that the entry uses anywhere.
    pub anywhere_own: f32,
    /// Squared weight of the borrowed words that the entry uses anywhere.
    pub anywhere_borrowed: f32,
    /// Naive Bayes log-likelihood of all the question's known words.
    pub log_likelihood: f32,
}

/// Per-paraphrase accumulators, reused between candidates.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Squared weight each way of asking shares with the own words.
    pub own: Vec<f32>,
    /// Squared weight each way of asking shares with the borrowed words.
    pub borrowed: Vec<f32>,
}

/// Weight of an answer word occurrence in the naive Bayes counts, relative to
/// a word in a way of asking: answers are long and say more than what is asked.
pub(crate) const ANSWER_COUNT_WEIGHT: f32 = 0.2;

impl EntryWords {
    /// Indexes the (unsorted, possibly repeated) ids of each way of asking,
    /// plus ids that only count (the answer's, each worth `extra_weight`).
    pub fn new(vocab: &Vocabulary, asked: &[Vec<u32>], extra: &[u32], extra_weight: f32) -> Self {
        // (id, way of asking or NONE, count weight), sorted by id.
        const NONE: u16 = u16::MAX;
        let mut occurrences: Vec<(u32, u16, f32)> =
            Vec::with_capacity(asked.iter().map(Vec::len).sum::<usize>() + extra.len());
        let mut norms = Vec::with_capacity(asked.len());
        for (v, set) in asked.iter().enumerate() {
            // More than 65,534 paraphrases of one entry is not a real knowledge base.
            let v = u16::try_from(v).unwrap_or(NONE - 1).min(NONE - 1);
            occurrences.extend(set.iter().map(|&id| (id, v, 1.0)));
            norms.push(vocab.set(set.clone()).norm);
        }
        occurrences.extend(extra.iter().map(|&id| (id, NONE, extra_weight)));
        occurrences.sort_unstable_by_key(|&(id, v, _)| (id, v));
        let mut words = EntryWords { norms, ..EntryWords::default() };
        let mut counts: Vec<f32> = Vec::new();
        let mut previous = None;
        for (id, v, weight) in occurrences {
            if words.ids.last() != Some(&id) {
                words.ids.push(id);
                words.starts.push(words.variants.len() as u32);
                counts.push(0.0);
            }
            if let Some(c) = counts.last_mut() {
                *c += weight;
            }
            // A word repeated within one way of asking is listed for it once.
            if v != NONE && previous != Some((id, v)) {
                words.variants.push(v);
            }
            previous = Some((id, v));
        }
        words.starts.push(words.variants.len() as u32);
        let total: f32 = counts.iter().sum();
        words.log_counts = counts.iter().map(|n| (n + ALPHA).ln()).collect();
        words.log_denominator = (total + ALPHA * vocab.len() as f32).ln();
        words
    }

    /// Number of ways of asking.
    pub fn len(&self) -> usize {
        self.norms.len()
    }

    /// The norm of way of asking `v`.
    pub fn norm(&self, v: usize) -> f32 {
        self.norms[v]
    }

    /// Whether some way of asking uses `id`.
    pub fn asks_with(&self, id: u32) -> bool {
        self.ids.binary_search(&id).is_ok_and(|i| self.starts[i] < self.starts[i + 1])
    }

    /// Compares the question's own and borrowed ids (each sorted and unique,
    /// the two disjoint) with the entry, filling `scratch` with each way of
    /// asking's shared weight.
    pub fn compare(&self, vocab: &Vocabulary, own: &[u32], borrowed: &[u32], scratch: &mut Scratch) -> Overlap {
        let n = self.len();
        scratch.own.clear();
        scratch.own.resize(n, 0.0);
        scratch.borrowed.clear();
        scratch.borrowed.resize(n, 0.0);
        let unseen = ALPHA.ln();
        let mut o = Overlap::default();
        for (ids, is_own) in [(own, true), (borrowed, false)] {
            let shared = if is_own { &mut scratch.own } else { &mut scratch.borrowed };
            let (mut asked, mut anywhere) = (0.0f32, 0.0f32);
            for &id in ids {
                let Ok(i) = self.ids.binary_search(&id) else {
                    o.log_likelihood += unseen - self.log_denominator;
                    continue;
                };
                o.log_likelihood += self.log_counts[i] - self.log_denominator;
                let w = vocab.idf2(id);
                anywhere += w;
                let ways = &self.variants[self.starts[i] as usize..self.starts[i + 1] as usize];
                if !ways.is_empty() {
                    asked += w;
                }
                for &v in ways {
                    shared[v as usize] += w;
                }
            }
            if is_own {
                (o.asked_own, o.anywhere_own) = (asked, anywhere);
            } else {
                (o.asked_borrowed, o.anywhere_borrowed) = (asked, anywhere);
            }
        }
        o
    }
}

/// What the reranker knows about an entry.
#[derive(Debug)]
pub(crate) struct Profile {
    /// Words of the ways of asking (question, paraphrases, keywords) and of the answer.
    pub terms: EntryWords,
    /// Bigrams of the ways of asking.
    pub bigrams: EntryWords,
}

impl Profile {
    /// The profile of an entry from its (word ids, bigram ids) per way of
    /// asking and its answer's word ids.
    pub fn new(terms: &Vocabulary, bigrams: &Vocabulary, asked: Vec<(Vec<u32>, Vec<u32>)>, answer: &[u32]) -> Self {
        let (term_sets, bigram_sets): (Vec<Vec<u32>>, Vec<Vec<u32>>) = asked.into_iter().unzip();
        Profile {
            terms: EntryWords::new(terms, &term_sets, answer, ANSWER_COUNT_WEIGHT),
            bigrams: EntryWords::new(bigrams, &bigram_sets, &[], 0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::vectors::shared_weight;
    use super::*;

    #[test]
    fn one_lookup_gives_the_same_weights_as_merging_each_way_of_asking() {
        let mut vocab = Vocabulary::default();
        let ids: Vec<u32> = ["红冲", "专票", "流程", "怎么", "退税"].iter().map(|t| vocab.intern(t)).collect();
        vocab.count_entry(&ids[..2]);
        vocab.count_entry(&ids);
        vocab.finish(|_, _| 1.0);
        let asked = vec![vec![ids[0], ids[1], ids[1]], vec![ids[2]], vec![ids[3], ids[0]]];
        let answer = [ids[4], ids[4], ids[0]];
        let words = EntryWords::new(&vocab, &asked, &answer, 0.5);
        let own = vocab.set(vec![ids[0], ids[2]]).ids;
        let borrowed = vocab.set(vec![ids[4]]).ids;
        let mut scratch = Scratch::default();
        let o = words.compare(&vocab, &own, &borrowed, &mut scratch);
        for (v, set) in asked.iter().enumerate() {
            let set = vocab.set(set.clone());
            assert!((scratch.own[v] - shared_weight(&vocab, &own, &set.ids)).abs() < 1e-6, "way {v}");
            assert!((words.norm(v) - set.norm).abs() < 1e-6);
            assert_eq!(scratch.borrowed[v], 0.0, "the answer word is in no way of asking");
        }
        assert!((o.asked_own - vocab.idf2(ids[0]) - vocab.idf2(ids[2])).abs() < 1e-6);
        assert_eq!(o.asked_borrowed, 0.0);
        assert!((o.anywhere_borrowed - vocab.idf2(ids[4])).abs() < 1e-6);
        assert!(words.asks_with(ids[3]) && !words.asks_with(ids[4]));
        // Counts: 红冲 2 + 0.5, 流程 1, 退税 2 × 0.5; total 6 + 1.5.
        let denominator = (7.5 + ALPHA * 5.0).ln();
        let expected = (2.5 + ALPHA).ln() + (1.0 + ALPHA).ln() + (1.0 + ALPHA).ln() - 3.0 * denominator;
        assert!((o.log_likelihood - expected).abs() < 1e-5, "{} vs {expected}", o.log_likelihood);
    }
}
