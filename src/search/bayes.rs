//! A multinomial naive Bayes view of each entry: how likely its wording is to
//! produce the question's words. It learns from all of an entry's paraphrases
//! at once, where the cosine looks at one paraphrase at a time. An entry's own
//! counts live in its [`EntryWords`](super::profile::EntryWords); this module
//! holds the smoothing, the whole base's counts and the posterior.

/// Additive smoothing for unseen words.
pub(crate) const ALPHA: f32 = 0.1;

/// Word counts of the whole base: the background an entry is compared with.
#[derive(Debug, Default)]
pub(crate) struct Background {
    /// `ln(count + α)` per word id.
    log_counts: Vec<f32>,
    /// `ln(total count + α · vocabulary size)`.
    log_denominator: f32,
}

impl Background {
    /// The background from the summed (weighted) count of every word id.
    pub fn new(counts: &[f32]) -> Self {
        let total: f32 = counts.iter().sum();
        Background {
            log_counts: counts.iter().map(|n| (n + ALPHA).ln()).collect(),
            log_denominator: (total + ALPHA * counts.len() as f32).ln(),
        }
    }

    /// Log-likelihood of the (known) query ids under the whole base.
    pub fn log_likelihood(&self, query: &[u32]) -> f32 {
        let unseen = ALPHA.ln();
        query.iter().map(|&id| self.log_counts.get(id as usize).copied().unwrap_or(unseen) - self.log_denominator).sum()
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
    fn common_words_are_likelier_and_posteriors_sum_to_one() {
        let background = Background::new(&[3.0, 1.0]);
        assert!(background.log_likelihood(&[0]) > background.log_likelihood(&[1]));
        let p = posteriors(&[-1.0, -3.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5 && p[0] > p[1]);
        assert!(posteriors(&[]).is_empty());
    }
}
