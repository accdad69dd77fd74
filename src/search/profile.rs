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
    /// `ln(count + α)` per id: the entry's naive Bayes word counts (the
    /// counts themselves until [`finish`](Self::finish)).
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
    /// The weights need the whole base: call [`finish`](Self::finish) once
    /// the vocabulary is complete.
    pub fn new(asked: &[Vec<u32>], extra: &[u32], extra_weight: f32) -> Self {
        // `id << 16 | way of asking` (NONE for the extra ids), sorted: by id,
        // then by way of asking, with the extra ids last.
        const NONE: u64 = u16::MAX as u64;
        let mut occurrences: Vec<u64> = Vec::with_capacity(asked.iter().map(Vec::len).sum::<usize>() + extra.len());
        for (v, set) in asked.iter().enumerate() {
            // More than 65,534 paraphrases of one entry is not a real knowledge base.
            let v = (v as u64).min(NONE - 1);
            occurrences.extend(set.iter().map(|&id| u64::from(id) << 16 | v));
        }
        occurrences.extend(extra.iter().map(|&id| u64::from(id) << 16 | NONE));
        occurrences.sort_unstable();
        // Exact sizes first: profiles of a large base are most of its memory.
        let changes = |same: fn(u64, u64) -> bool| {
            occurrences.windows(2).filter(|w| !same(w[0], w[1])).count() + usize::from(!occurrences.is_empty())
        };
        let distinct_ids = changes(|a, b| a >> 16 == b >> 16);
        let distinct_pairs = changes(|a, b| a == b);
        let mut words = EntryWords {
            ids: Vec::with_capacity(distinct_ids),
            starts: Vec::with_capacity(distinct_ids + 1),
            variants: Vec::with_capacity(distinct_pairs),
            log_counts: Vec::with_capacity(distinct_ids),
            log_denominator: 0.0,
            norms: vec![0.0; asked.len()],
        };
        let mut previous = None;
        for key in occurrences {
            let (id, v) = ((key >> 16) as u32, key & NONE);
            if words.ids.last() != Some(&id) {
                words.ids.push(id);
                words.starts.push(words.variants.len() as u32);
                words.log_counts.push(0.0);
            }
            if let Some(c) = words.log_counts.last_mut() {
                *c += if v == NONE { extra_weight } else { 1.0 };
            }
            // A word repeated within one way of asking is listed for it once.
            if v != NONE && previous != Some(key) {
                words.variants.push(v as u16);
            }
            previous = Some(key);
        }
        words.starts.push(words.variants.len() as u32);
        words
    }

    /// Turns the counts into naive Bayes log counts and computes the norm of
    /// each way of asking, under the finished vocabulary's weights.
    pub fn finish(&mut self, vocab: &Vocabulary) {
        let total: f32 = self.log_counts.iter().sum();
        for c in &mut self.log_counts {
            *c = (*c + ALPHA).ln();
        }
        self.log_denominator = (total + ALPHA * vocab.len() as f32).ln();
        for (i, &id) in self.ids.iter().enumerate() {
            let w = vocab.idf2(id);
            for &v in &self.variants[self.starts[i] as usize..self.starts[i + 1] as usize] {
                self.norms[v as usize] += w;
            }
        }
        for n in &mut self.norms {
            *n = n.sqrt();
        }
    }

    /// The distinct ids, sorted.
    pub fn ids(&self) -> &[u32] {
        &self.ids
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
    /// The profile of an entry from the word ids and the bigram ids of each
    /// way of asking and its answer's word ids; [`finish`](Self::finish) it
    /// once the vocabularies are complete.
    pub fn new(term_sets: &[Vec<u32>], bigram_sets: &[Vec<u32>], answer: &[u32]) -> Self {
        Profile {
            terms: EntryWords::new(term_sets, answer, ANSWER_COUNT_WEIGHT),
            bigrams: EntryWords::new(bigram_sets, &[], 0.0),
        }
    }

    /// Computes the weights under the finished vocabularies.
    pub fn finish(&mut self, terms: &Vocabulary, bigrams: &Vocabulary) {
        self.terms.finish(terms);
        self.bigrams.finish(bigrams);
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
        let mut words = EntryWords::new(&asked, &answer, 0.5);
        words.finish(&vocab);
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
