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
use tokio_util::sync::CancellationToken;

pub use crate::config::analytics::Settings;
pub use cluster::Cluster;
pub use figures::Figures;
pub use period::{Period, PeriodError};
pub use report::{HotItem, Report};

use crate::search::Searcher;
use crate::store::{Store, StoreError};

/// Receives the ids of the week's hot questions after each recount (the server hands
/// them to the chat engine's welcome).
pub type HotSink = Box<dyn Fn(Vec<String>) + Send + Sync>;

/// The analytics service: the latest report and what recounts it.
pub struct Analytics {
    store: Arc<dyn Store>,
    searcher: Arc<Searcher>,
    hot_sink: HotSink,
    settings: Settings,
    report: ArcSwap<Report>,
    /// Whether the current matcher answers a question, per snapshot.
    answered: std::sync::Mutex<report::AnsweredCache>,
    /// One recount at a time: a slow, older recount must not replace a newer report.
    recounting: tokio::sync::Mutex<()>,
}

impl Analytics {
    /// A service with an empty report (call [`Analytics::refresh`] or [`Analytics::spawn`]).
    pub fn new(store: Arc<dyn Store>, searcher: Arc<Searcher>, hot_sink: HotSink, settings: Settings) -> Self {
        Analytics {
            store,
            searcher,
            hot_sink,
            settings,
            report: ArcSwap::from_pointee(Report::default()),
            answered: std::sync::Mutex::new(report::AnsweredCache::default()),
            recounting: tokio::sync::Mutex::new(()),
        }
    }

    /// The latest report.
    pub fn report(&self) -> Arc<Report> {
        self.report.load_full()
    }

    /// Recounts now, swaps the new report in and hands the week's hot
    /// questions to the hot sink.
    pub async fn refresh(&self) -> Result<Arc<Report>, StoreError> {
        let _one_at_a_time = self.recounting.lock().await;
        let report = Arc::new(self.compute().await?);
        let min = self.settings.hot_min_askers;
        (self.hot_sink)(report.hot(Period::Week).iter().filter(|h| h.count >= min).map(|h| h.id.clone()).collect());
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
