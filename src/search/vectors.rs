//! IDF-weighted term sets: the representation the reranker compares.

use rustc_hash::FxHashMap;

/// Term → id, with an inverse document frequency per id (documents = entries).
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    ids: FxHashMap<String, u32>,
    terms: Vec<String>,
    df: Vec<u32>,
    idf: Vec<f32>,
    /// `idf²`, the weight a shared term adds to a dot product.
    idf2: Vec<f32>,
    entries: usize,
}

/// A set of term ids (sorted, unique) and its Euclidean norm under IDF weights.
#[derive(Debug, Clone, Default)]
pub(crate) struct TermSet {
    pub ids: Vec<u32>,
    pub norm: f32,
}

impl Vocabulary {
    /// The id of `term`, adding it when new.
    pub fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = u32::try_from(self.df.len()).unwrap_or(u32::MAX);
        self.ids.insert(term.to_owned(), id);
        self.terms.push(term.to_owned());
        self.df.push(0);
        id
    }

    /// The ids of space-separated terms, in order, adding new ones.
    pub fn intern_all(&mut self, joined: &str) -> Vec<u32> {
        joined.split(' ').filter(|t| !t.is_empty()).map(|t| self.intern(t)).collect()
    }

    /// The terms of `ids`, each followed by a space (as the index is fed).
    pub fn joined(&self, ids: &[u32]) -> String {
        let mut out = String::with_capacity(ids.len() * 8);
        for &id in ids {
            out.push_str(&self.terms[id as usize]);
            out.push(' ');
        }
        out
    }

    /// Counts one entry whose texts contain the given (unique) ids.
    pub fn count_entry(&mut self, ids: &[u32]) {
        self.entries += 1;
        for &id in ids {
            self.df[id as usize] += 1;
        }
    }

    /// Computes weights once all entries are counted: IDF times `factor(id, term)`.
    pub fn finish(&mut self, factor: impl Fn(u32, &str) -> f32) {
        let n = self.entries.max(1) as f32;
        self.idf = (0u32..)
            .zip(self.df.iter().zip(&self.terms))
            .map(|(id, (&df, term))| (1.0 + n / df.max(1) as f32).ln() * factor(id, term))
            .collect();
        self.idf2 = self.idf.iter().map(|w| w * w).collect();
    }

    /// The squared IDF weight of a known id.
    pub fn idf2(&self, id: u32) -> f32 {
        self.idf2.get(id as usize).copied().unwrap_or_default()
    }

    /// The weight of a term seen in no entry: as rare as a term can be.
    pub fn unknown_idf(&self) -> f32 {
        (1.0 + self.entries.max(1) as f32).ln()
    }

    /// The id of a known term.
    pub fn get(&self, term: &str) -> Option<u32> {
        self.ids.get(term).copied()
    }

    /// The share of entries whose texts contain `term` (0 when none does).
    pub fn entry_share(&self, term: &str) -> f32 {
        self.get(term).map_or(0.0, |id| self.df[id as usize] as f32 / self.entries.max(1) as f32)
    }

    /// The IDF weight of a known id.
    pub fn idf(&self, id: u32) -> f32 {
        self.idf.get(id as usize).copied().unwrap_or_default()
    }

    /// Builds a set from ids, computing its norm.
    pub fn set(&self, mut ids: Vec<u32>) -> TermSet {
        ids.sort_unstable();
        ids.dedup();
        let norm = ids.iter().map(|&id| self.idf(id).powi(2)).sum::<f32>().sqrt();
        TermSet { ids, norm }
    }

    /// Number of distinct terms.
    pub fn len(&self) -> usize {
        self.df.len()
    }
}

/// The sum of squared IDF weights of the ids both sorted sets share (the
/// reference the one-pass comparison in `profile` is tested against).
#[cfg(test)]
pub(crate) fn shared_weight(vocab: &Vocabulary, a: &[u32], b: &[u32]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += vocab.idf2(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_terms_weigh_more_and_shared_weight_is_symmetric() {
        let mut v = Vocabulary::default();
        let (common, rare) = (v.intern("税"), v.intern("红冲"));
        v.count_entry(&[common, rare]);
        v.count_entry(&[common]);
        v.count_entry(&[common]);
        v.finish(|_, _| 1.0);
        assert!(v.idf(rare) > v.idf(common));
        let a = v.set(vec![rare, common]);
        let b = v.set(vec![common]);
        assert_eq!(shared_weight(&v, &a.ids, &b.ids), shared_weight(&v, &b.ids, &a.ids));
        assert!(v.unknown_idf() >= v.idf(rare));
    }
}
