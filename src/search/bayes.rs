//! A multinomial naive Bayes view of each entry: how likely its wording is to
//! produce the question's words. It learns from all of an entry's paraphrases
//! at once, where the cosine looks at one paraphrase at a time.

/// Additive smoothing for unseen words.
const ALPHA: f32 = 0.1;

/// Word counts of one entry (sorted ids with their counts).
#[derive(Debug, Default)]
pub(crate) struct Counts {
    ids: Vec<u32>,
    counts: Vec<f32>,
    /// `ln(count + ALPHA)` per id, computed once at build rather than per question.
    log_counts: Vec<f32>,
    total: f32,
}

impl Counts {
    /// Aggregates weighted occurrences of ids.
    pub fn new(occurrences: impl Iterator<Item = (u32, f32)>) -> Self {
        let mut pairs: Vec<(u32, f32)> = occurrences.collect();
        pairs.sort_unstable_by_key(|p| p.0);
        let mut c = Counts::default();
        for (id, n) in pairs {
            c.total += n;
            match c.ids.last() {
                Some(&last) if last == id => {
                    if let Some(x) = c.counts.last_mut() {
                        *x += n;
                    }
                }
                _ => {
                    c.ids.push(id);
                    c.counts.push(n);
                }
            }
        }
        c.log_counts = c.counts.iter().map(|n| (n + ALPHA).ln()).collect();
        c
    }

    /// The sum of several count tables.
    pub fn merged<'a>(tables: impl Iterator<Item = &'a Counts>) -> Self {
        Counts::new(tables.flat_map(|t| t.ids.iter().copied().zip(t.counts.iter().copied())))
    }

    /// Log-likelihood of the query ids under this entry's word distribution
    /// over a vocabulary of `vocabulary` words.
    pub fn log_likelihood(&self, query: &[u32], vocabulary: usize) -> f32 {
        let denominator = (self.total + ALPHA * vocabulary as f32).ln();
        let unseen = ALPHA.ln();
        query.iter().map(|id| self.ids.binary_search(id).map_or(unseen, |i| self.log_counts[i]) - denominator).sum()
    }
}

/// Turns log-likelihoods into posteriors over the given entries (softmax).
pub(crate) fn posteriors(log_likelihoods: &[f32]) -> Vec<f32> {
    let max = log_likelihoods.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = log_likelihoods.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|e| if sum > 0.0 { e / sum } else { 0.0 }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_the_entry_that_uses_the_words_and_posteriors_sum_to_one() {
        let a = Counts::new([(1, 1.0), (2, 1.0), (1, 1.0)].into_iter());
        let b = Counts::new([(3, 1.0), (4, 1.0)].into_iter());
        let q = [1, 2];
        let (la, lb) = (a.log_likelihood(&q, 4), b.log_likelihood(&q, 4));
        assert!(la > lb);
        let p = posteriors(&[la, lb]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5 && p[0] > p[1]);
        assert!(posteriors(&[]).is_empty());
    }
}
