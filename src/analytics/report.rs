//! One recount: hot questions, unanswered clusters and figures.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::cluster::{Asking, Cluster, MAX_WORDINGS, cluster};
use super::figures::{self, EntryScans, Figures};
use super::{Analytics, Period};
use crate::search::{Decision, Searcher, Snapshot};
use crate::store::{AskedQuestion, StoreError};

/// Entries listed by scans at most.
const MAX_SCANNED: u32 = 100;

/// Hot questions kept per period.
pub const MAX_HOT: u32 = 50;

/// An entry among the most asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotItem {
    /// The entry id.
    pub id: String,
    /// Its question.
    pub question: String,
    /// Distinct conversations answered with it in the period.
    pub count: u64,
}

/// The cached result of one recount.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// When it was counted (`None` before the first recount).
    pub computed_at: Option<DateTime<Utc>>,
    /// Per period (in [`Period::ALL`] order), most asked first.
    hot: [Vec<HotItem>; 3],
    /// Per period, largest first.
    clusters: [Vec<Cluster>; 3],
    /// Service figures over `figure_days`.
    pub figures: Figures,
}

impl Report {
    /// The hot questions of a period.
    pub fn hot(&self, p: Period) -> &[HotItem] {
        &self.hot[p.index()]
    }

    /// The unanswered-question clusters of a period.
    pub fn clusters(&self, p: Period) -> &[Cluster] {
        &self.clusters[p.index()]
    }
}

/// Whether the current matcher answers a wording, remembered per snapshot
/// for the wordings of the last recount only (see [`AnsweredCache::keep_only`]),
/// so it never holds more than one recount's [`MAX_WORDINGS`].
#[derive(Default)]
pub(super) struct AnsweredCache {
    snapshot: Option<Arc<Snapshot>>,
    answers: HashMap<String, Option<(String, f32)>>,
}

impl AnsweredCache {
    /// The entry and confidence the matcher answers `text` with now, if it answers.
    fn answer(&mut self, searcher: &Searcher, snap: &Arc<Snapshot>, text: &str) -> Option<(String, f32)> {
        if !self.snapshot.as_ref().is_some_and(|s| Arc::ptr_eq(s, snap)) {
            self.snapshot = Some(Arc::clone(snap));
            self.answers.clear();
        }
        self.answers
            .entry(text.to_owned())
            .or_insert_with(|| match searcher.ask(text).map(|o| o.decision) {
                Ok(Decision::Answer { entry, confidence }) => Some((entry.id.to_string(), confidence.get())),
                _ => None,
            })
            .clone()
    }

    /// Forgets every wording not in `kept`: the most-asked set changes from one
    /// recount to the next, and without this the cache would grow with every
    /// wording ever asked until the next publish.
    fn keep_only(&mut self, kept: &HashSet<&str>) {
        self.answers.retain(|text, _| kept.contains(text.as_str()));
    }
}

impl Analytics {
    pub(super) async fn compute(&self) -> Result<Report, StoreError> {
        let now = Utc::now();
        let snap = self.searcher.snapshot();
        let mut hot: [Vec<HotItem>; 3] = Default::default();
        for p in Period::ALL {
            let counts = self.store.hot_counts(now - Duration::days(p.days()), MAX_HOT).await?;
            hot[p.index()] = counts
                .into_iter()
                .filter_map(|(id, count)| {
                    let e = snap.entry(&id)?;
                    Some(HotItem { id, question: e.question.clone(), count })
                })
                .collect();
        }
        let s = &self.settings;
        let days = i64::from(s.figure_days.max(1)).max(Period::Month.days());
        let mut questions = self.store.questions_since(now - Duration::days(days), s.max_questions).await?;
        let handoffs = self.store.handoffs_since(now - Duration::days(i64::from(s.figure_days))).await?;
        let ratings = self.store.ratings_since(now - Duration::days(i64::from(s.figure_days))).await?;
        let open = self.store.open_tickets().await?;
        let dismissed: HashSet<String> = self.store.dismissed_questions().await?.into_iter().collect();
        let figure_since = now - Duration::days(i64::from(s.figure_days));
        // Newest first, so the figures' period is a prefix (no copy of it).
        questions.sort_by_key(|q| std::cmp::Reverse(q.asked_at));
        let recent = &questions[..questions.partition_point(|q| q.asked_at >= figure_since)];
        let title = |id: &str| snap.entry(id).map(|e| e.question.clone());
        let scans = self
            .store
            .scan_counts(figure_since, MAX_SCANNED)
            .await?
            .into_iter()
            .map(|(entry_id, scans)| EntryScans { question: title(&entry_id).unwrap_or_default(), entry_id, scans })
            .collect();
        let figures = Figures {
            days: figures::days(recent, &handoffs),
            entries: figures::entries(recent, title),
            agents: figures::agents(&ratings),
            tickets: figures::tickets(&open, now, s.ticket_overdue_hours),
            scans,
        };
        let clusters = self.cluster_unanswered(questions, dismissed, snap, now).await;
        Ok(Report { computed_at: Some(now), hot, clusters, figures })
    }

    /// Clusters the questions left unanswered that the current matcher still
    /// does not answer well, per period (matching runs on the blocking pool).
    async fn cluster_unanswered(
        &self,
        questions: Vec<AskedQuestion>,
        dismissed: HashSet<String>,
        snap: Arc<Snapshot>,
        now: DateTime<Utc>,
    ) -> [Vec<Cluster>; 3] {
        let low = self.settings.low_confidence;
        let threshold = self.settings.cluster_similarity;
        let searcher = Arc::clone(&self.searcher);
        let cache = {
            let mut guard = self.answered.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut *guard)
        };
        let work = tokio::task::spawn_blocking(move || {
            let mut cache = cache;
            // Editors see clusters, examples and the CSV: personal numbers and
            // e-mail addresses are masked before anything is grouped or shown
            // (dismissals are made on what was shown, so they match too).
            let questions: Vec<AskedQuestion> = questions
                .into_iter()
                .map(|mut q| {
                    q.text = crate::text::mask_numbers(&q.text);
                    q
                })
                .collect();
            let candidates: Vec<&AskedQuestion> = questions
                .iter()
                .filter(|q| !dismissed.contains(q.text.trim()))
                .filter(|q| was_unanswered(q, low))
                .collect();
            let kept = most_asked(&candidates, MAX_WORDINGS);
            let unanswered: Vec<&AskedQuestion> = candidates
                .into_iter()
                .filter(|q| kept.contains(q.text.trim()))
                .filter(|q| match cache.answer(&searcher, &snap, q.text.trim()) {
                    Some((entry, confidence)) => {
                        confidence < low || (q.downvoted && q.entry_id.as_deref() == Some(entry.as_str()))
                    }
                    None => true,
                })
                .collect();
            cache.keep_only(&kept);
            let mut out: [Vec<Cluster>; 3] = Default::default();
            for p in Period::ALL {
                let since = now - Duration::days(p.days());
                let askings: Vec<Asking<'_>> = unanswered
                    .iter()
                    .filter(|q| q.asked_at >= since)
                    .map(|q| Asking { text: &q.text, visitor: &q.visitor })
                    .collect();
                out[p.index()] = cluster(&snap.analyzer, &askings, threshold);
            }
            (out, cache)
        });
        match work.await {
            Ok((out, cache)) => {
                *self.answered.lock().unwrap_or_else(|p| p.into_inner()) = cache;
                out
            }
            Err(e) => {
                tracing::warn!(error = %e, "未解决问题聚类失败");
                Default::default()
            }
        }
    }
}

/// The `n` wordings asked by the most distinct askers (ties by text): only
/// these are matched again and clustered, which bounds a recount's work.
fn most_asked<'a>(questions: &[&'a AskedQuestion], n: usize) -> HashSet<&'a str> {
    let mut askers: HashMap<&str, HashSet<&str>> = HashMap::new();
    for q in questions {
        askers.entry(q.text.trim()).or_default().insert(q.visitor.as_str());
    }
    let mut ranked: Vec<(&str, usize)> = askers.into_iter().map(|(t, a)| (t, a.len())).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ranked.into_iter().take(n).map(|(t, _)| t).collect()
}

/// No answer, a clarification, a low-confidence answer or an answer with 👎.
fn was_unanswered(q: &AskedQuestion, low_confidence: f32) -> bool {
    match q.decision.as_str() {
        "answer" => q.downvoted || q.confidence.is_some_and(|c| c < low_confidence),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answered_cache_keeps_only_the_last_recounts_wordings() {
        let mut cache = AnsweredCache::default();
        for i in 0..10 {
            cache.answers.insert(format!("问题{i}"), None);
        }
        let kept: HashSet<&str> = ["问题3", "问题7", "从未问过"].into_iter().collect();
        cache.keep_only(&kept);
        let mut left: Vec<&str> = cache.answers.keys().map(String::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["问题3", "问题7"]);
    }
}
