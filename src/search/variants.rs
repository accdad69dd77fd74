//! Which of an entry's ways of asking use which words, stored as compressed
//! rows, so the reranker scores all of an entry's paraphrases in one pass over
//! the question's words instead of one merge per paraphrase.

use super::vectors::Vocabulary;

/// An entry's words (sorted, unique) with, for each, the paraphrases using it.
#[derive(Debug, Default)]
pub(crate) struct VariantIndex {
    ids: Vec<u32>,
    /// `variants[starts[i]..starts[i + 1]]` are the paraphrases using `ids[i]`.
    starts: Vec<u32>,
    variants: Vec<u16>,
    /// Norm of each paraphrase under the vocabulary's weights.
    norms: Vec<f32>,
}

impl VariantIndex {
    /// Indexes the (unsorted, possibly repeated) ids of each paraphrase.
    pub fn new(vocab: &Vocabulary, sets: &[Vec<u32>]) -> Self {
        let mut pairs: Vec<(u32, u16)> = Vec::new();
        let mut norms = Vec::with_capacity(sets.len());
        for (v, set) in sets.iter().enumerate() {
            let unique = vocab.set(set.clone());
            norms.push(unique.norm);
            // More than 65,535 paraphrases of one entry is not a real knowledge base.
            let v = u16::try_from(v).unwrap_or(u16::MAX);
            pairs.extend(unique.ids.into_iter().map(|id| (id, v)));
        }
        pairs.sort_unstable();
        let mut index = VariantIndex { norms, ..VariantIndex::default() };
        for (id, v) in pairs {
            if index.ids.last() != Some(&id) {
                index.ids.push(id);
                index.starts.push(index.variants.len() as u32);
            }
            index.variants.push(v);
        }
        index.starts.push(index.variants.len() as u32);
        index
    }

    /// All the entry's words, sorted.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// Number of paraphrases.
    pub fn len(&self) -> usize {
        self.norms.len()
    }

    /// The norm of paraphrase `v`.
    pub fn norm(&self, v: usize) -> f32 {
        self.norms[v]
    }

    /// Adds each (sorted) query id's squared weight to every paraphrase using it.
    pub fn accumulate(&self, vocab: &Vocabulary, query: &[u32], shared: &mut [f32]) {
        for &id in query {
            let Ok(i) = self.ids.binary_search(&id) else { continue };
            let w = vocab.idf2(id);
            for &v in &self.variants[self.starts[i] as usize..self.starts[i + 1] as usize] {
                shared[v as usize] += w;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulates_the_same_shared_weight_as_pairwise_merging() {
        let mut vocab = Vocabulary::default();
        let ids: Vec<u32> = ["红冲", "专票", "流程", "怎么"].iter().map(|t| vocab.intern(t)).collect();
        vocab.count_entry(&ids[..2]);
        vocab.count_entry(&ids);
        vocab.finish(|_, _| 1.0);
        let sets = vec![vec![ids[0], ids[1], ids[1]], vec![ids[2]], vec![ids[3], ids[0]]];
        let index = VariantIndex::new(&vocab, &sets);
        let mut query = vec![ids[0], ids[2]];
        query.sort_unstable();
        let mut shared = vec![0.0; index.len()];
        index.accumulate(&vocab, &query, &mut shared);
        for (v, set) in sets.iter().enumerate() {
            let set = vocab.set(set.clone());
            let expected = super::super::vectors::shared_weight(&vocab, &query, &set.ids);
            assert!((shared[v] - expected).abs() < 1e-6, "variant {v}");
            assert!((index.norm(v) - set.norm).abs() < 1e-6);
        }
        assert_eq!(index.ids().len(), 4);
    }
}
