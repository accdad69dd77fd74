//! Analytics off the chat path: a background task recounts every
//! `refresh_secs` into a cached [`Report`] (hot questions, clusters of
//! unanswered questions, service figures), swapped in atomically; the chat
//! reads only the cached hot list and never waits for counting.

pub mod cluster;
pub mod csv;
pub mod export;
pub mod figures;
mod period;
pub mod report;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

pub use cluster::Cluster;
pub use figures::Figures;
pub use period::{Period, PeriodError};
pub use report::{HotItem, Report};

use crate::chat::Engine;
use crate::search::Searcher;
use crate::store::{Store, StoreError};

/// `[analytics]` configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Seconds between recounts.
    pub refresh_secs: u64,
    /// Answers below this confidence count as unanswered (low confidence).
    pub low_confidence: f32,
    /// Cosine similarity (0–1) a question needs to join a cluster.
    pub cluster_similarity: f32,
    /// Most recent questions examined per recount (bounds the work).
    pub max_questions: u32,
    /// Days of service figures.
    pub figure_days: u32,
    /// An open 留言 ticket older than this many hours is overdue.
    pub ticket_overdue_hours: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            refresh_secs: 60,
            low_confidence: 0.93,
            cluster_similarity: 0.3,
            max_questions: 100_000,
            figure_days: 30,
            ticket_overdue_hours: 24,
        }
    }
}

/// The analytics service: the latest report and what recounts it.
pub struct Analytics {
    store: Arc<dyn Store>,
    searcher: Arc<Searcher>,
    engine: Arc<Engine>,
    settings: Settings,
    report: ArcSwap<Report>,
    /// Whether the current matcher answers a question, per snapshot.
    answered: std::sync::Mutex<report::AnsweredCache>,
}

impl Analytics {
    /// A service with an empty report (call [`Analytics::refresh`] or [`Analytics::spawn`]).
    pub fn new(store: Arc<dyn Store>, searcher: Arc<Searcher>, engine: Arc<Engine>, settings: Settings) -> Self {
        Analytics {
            store,
            searcher,
            engine,
            settings,
            report: ArcSwap::from_pointee(Report::default()),
            answered: std::sync::Mutex::new(report::AnsweredCache::default()),
        }
    }

    /// The latest report.
    pub fn report(&self) -> Arc<Report> {
        self.report.load_full()
    }

    /// Recounts now, swaps the new report in and hands the week's hot
    /// questions to the chat engine.
    pub async fn refresh(&self) -> Result<Arc<Report>, StoreError> {
        let report = Arc::new(self.compute().await?);
        self.engine.set_hot(report.hot(Period::Week).iter().map(|h| h.id.clone()).collect());
        self.report.store(Arc::clone(&report));
        Ok(report)
    }

    /// Hides a cluster's questions from the unanswered list and recounts.
    /// `Ok(false)` when no cluster of the current report has this id.
    pub async fn dismiss(&self, cluster_id: &str, by: &str) -> Result<bool, StoreError> {
        let report = self.report();
        let Some(c) = Period::ALL.iter().flat_map(|&p| report.clusters(p)).find(|c| c.id == cluster_id) else {
            return Ok(false);
        };
        self.store.dismiss_questions(&c.questions, by, chrono::Utc::now()).await?;
        self.refresh().await?;
        Ok(true)
    }

    /// Recounts every `refresh_secs` (first at once) until `shutdown`.
    pub fn spawn(self: &Arc<Self>, shutdown: CancellationToken) {
        let this = Arc::clone(self);
        let every = Duration::from_secs(self.settings.refresh_secs.max(1));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = tick.tick() => {}
                }
                if let Err(e) = this.refresh().await {
                    tracing::warn!(error = %e, "统计刷新失败，沿用上次结果");
                }
            }
        });
    }
}
