//! Grouping unanswered questions by wording: each question becomes a
//! weighted set of its analyzer terms (tax vocabulary weighs most) and
//! character bigrams. Greedy centroid clustering: a wording joins the cluster
//! whose centroid (the sum of its members' features) is most similar
//! (cosine) to it when that similarity reaches `threshold`; otherwise it
//! starts a new cluster. Deterministic: the most-asked wording goes first, ties by
//! text. At most [`MAX_WORDINGS`] distinct wordings (the most asked) are
//! clustered, which bounds the work.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::text::Analyzer;

/// Weight of a tax-vocabulary term (dictionary or synonym lists): what a
/// question is about.
const DOMAIN_TERM_WEIGHT: f32 = 3.0;

/// Weight of another analyzer term; a character bigram weighs 1.
const TERM_WEIGHT: f32 = 1.5;

/// Distinct wordings clustered at most.
pub const MAX_WORDINGS: usize = 3000;

/// Example questions kept per cluster.
const EXAMPLES: usize = 5;

/// One asking of a question: the wording and who asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Asking<'a> {
    /// The question as asked.
    pub text: &'a str,
    /// Who asked (visitor key).
    pub visitor: &'a str,
}

/// Similar questions, for editors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    /// Stable id (a hash of the label), for dismissing.
    pub id: String,
    /// The most representative wording.
    pub label: String,
    /// Distinct askers.
    pub askers: usize,
    /// Askings in all.
    pub count: usize,
    /// Up to five wordings, most asked first.
    pub examples: Vec<String>,
    /// Every distinct wording, most asked first.
    pub questions: Vec<String>,
}

type Features = HashMap<String, f32>;

fn features(analyzer: &Analyzer, text: &str) -> Features {
    let a = analyzer.analyze(text);
    let mut f = Features::new();
    for t in a.terms {
        let w = if analyzer.is_domain_term(&t.text) { DOMAIN_TERM_WEIGHT } else { TERM_WEIGHT };
        f.insert(format!("t:{}", t.text), w);
    }
    for b in a.bigrams {
        f.insert(format!("b:{}", b.text), 1.0);
    }
    f
}

fn norm(f: &Features) -> f32 {
    f.values().map(|v| v * v).sum::<f32>().sqrt()
}

/// Cosine similarity of two weighted feature sets (0 when either is empty).
fn cosine(a: &Features, b: &Features) -> f32 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let dot: f32 = small.iter().filter_map(|(k, v)| large.get(k).map(|w| v * w)).sum();
    let n = norm(a) * norm(b);
    if n == 0.0 { 0.0 } else { dot / n }
}

struct Wording<'a> {
    text: &'a str,
    askers: BTreeSet<&'a str>,
    count: usize,
    features: Features,
}

struct Group {
    members: Vec<usize>,
    centroid: Features,
}

/// Clusters `askings` at `threshold` (0–1), largest (by askers) first.
pub fn cluster(analyzer: &Analyzer, askings: &[Asking<'_>], threshold: f32) -> Vec<Cluster> {
    let mut by_text: BTreeMap<&str, (BTreeSet<&str>, usize)> = BTreeMap::new();
    for a in askings {
        let e = by_text.entry(a.text.trim()).or_default();
        e.0.insert(a.visitor);
        e.1 += 1;
    }
    let mut wordings: Vec<Wording<'_>> = by_text
        .into_iter()
        .filter(|(t, _)| !t.is_empty())
        .map(|(text, (askers, count))| Wording { text, askers, count, features: features(analyzer, text) })
        .collect();
    wordings.sort_by(|a, b| b.askers.len().cmp(&a.askers.len()).then(b.count.cmp(&a.count)).then(a.text.cmp(b.text)));
    wordings.truncate(MAX_WORDINGS);
    let mut groups: Vec<Group> = Vec::new();
    for (i, w) in wordings.iter().enumerate() {
        let best = groups
            .iter()
            .enumerate()
            .map(|(g, group)| (g, cosine(&w.features, &group.centroid)))
            .filter(|&(_, s)| s >= threshold)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((g, _)) => {
                let group = &mut groups[g];
                group.members.push(i);
                for (k, v) in &w.features {
                    *group.centroid.entry(k.clone()).or_default() += v;
                }
            }
            None => groups.push(Group { members: vec![i], centroid: w.features.clone() }),
        }
    }
    let mut out: Vec<Cluster> = groups.iter().map(|g| finish(g, &wordings)).collect();
    out.sort_by(|a, b| b.askers.cmp(&a.askers).then(b.count.cmp(&a.count)).then(a.label.cmp(&b.label)));
    out
}

fn finish(group: &Group, wordings: &[Wording<'_>]) -> Cluster {
    let members: Vec<&Wording<'_>> = group.members.iter().map(|&i| &wordings[i]).collect();
    // Members are in "most asked first" order, so the first of equally close wins.
    let label = members
        .iter()
        .map(|w| (w, cosine(&w.features, &group.centroid)))
        .fold(None::<(&&Wording<'_>, f32)>, |best, (w, s)| match best {
            Some((_, bs)) if bs >= s => best,
            _ => Some((w, s)),
        })
        .map_or("", |(w, _)| w.text)
        .to_owned();
    let askers: BTreeSet<&str> = members.iter().flat_map(|w| w.askers.iter().copied()).collect();
    let questions: Vec<String> = members.iter().map(|w| w.text.to_owned()).collect();
    Cluster {
        id: cluster_id(&label),
        askers: askers.len(),
        count: members.iter().map(|w| w.count).sum(),
        examples: questions.iter().take(EXAMPLES).cloned().collect(),
        questions,
        label,
    }
}

/// A stable id of a label (FNV-1a, hex): the same across refreshes and restarts.
fn cluster_id(label: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, OnceLock};

    use super::*;

    /// The shipped knowledge base's analyzer (dictionary, synonyms, stopwords).
    fn analyzer() -> Arc<Analyzer> {
        static A: OnceLock<Arc<Analyzer>> = OnceLock::new();
        A.get_or_init(|| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
            let kb = crate::kb::load(&dir).expect("the shipped knowledge base loads");
            Arc::new(Analyzer::new(&kb.lexicon))
        })
        .clone()
    }

    fn ask<'a>(text: &'a str, visitor: &'a str) -> Asking<'a> {
        Asking { text, visitor }
    }

    #[test]
    fn colloquial_variants_cluster_and_unrelated_question_does_not() {
        let askings = [
            ask("个税汇算清缴最晚哪天截止", "v1"),
            ask("个人所得税汇算几号截止啊", "v2"),
            ask("汇算清缴截止日期是哪天", "v3"),
            ask("汇算清缴截止日期是哪天", "v3"),
            ask("公司注销要准备哪些材料", "v4"),
        ];
        let clusters = cluster(&analyzer(), &askings, 0.3);
        assert_eq!(clusters.len(), 2, "{clusters:#?}");
        let big = &clusters[0];
        assert_eq!(big.askers, 3);
        assert_eq!(big.count, 4);
        assert_eq!(big.questions.len(), 3);
        assert!(!big.questions.iter().any(|q| q.contains("注销")));
        assert_eq!(clusters[1].questions, vec!["公司注销要准备哪些材料".to_owned()]);
        assert_eq!(clusters[1].askers, 1);
    }

    #[test]
    fn is_deterministic_and_ids_are_stable() {
        let askings = [ask("发票丢了怎么办", "a"), ask("发票丢失了怎么处理", "b"), ask("社保怎么交", "c")];
        let mut reversed = askings.clone();
        reversed.reverse();
        let a = cluster(&analyzer(), &askings, 0.3);
        let b = cluster(&analyzer(), &reversed, 0.3);
        assert_eq!(a, b);
        assert_eq!(a[0].id, cluster_id(&a[0].label));
        assert_eq!(a[0].id.len(), 16);
    }

    #[test]
    fn blank_and_symbol_only_questions_do_not_panic() {
        let askings = [ask("   ", "a"), ask("？？？", "b"), ask("<script>alert(1)</script>", "c")];
        let clusters = cluster(&analyzer(), &askings, 0.3);
        assert_eq!(clusters.iter().map(|c| c.count).sum::<usize>(), 2);
    }
}
