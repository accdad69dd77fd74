//! The background purge of personal data older than `privacy.retention_days`
//! (the same purge as `taxbot purge`), every `privacy.purge_every_hours`.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::privacy::Settings;
use crate::store::Store;

/// Starts the purge loop on `tracker` unless retention is unlimited (0 days);
/// it stops when `shutdown` is cancelled.
pub(super) fn spawn(store: Arc<dyn Store>, settings: Settings, shutdown: CancellationToken, tracker: &TaskTracker) {
    if settings.retention_days == 0 {
        return;
    }
    let every = Duration::from_secs(settings.purge_every_hours.max(1) * 3600);
    tracker.spawn(async move {
        loop {
            let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(settings.retention_days));
            match store.purge_before(cutoff).await {
                Ok(c) => tracing::info!(
                    messages = c.messages,
                    tickets = c.tickets,
                    comments = c.comments,
                    audit = c.audit,
                    "已清除超过保存期限的个人信息"
                ),
                Err(e) => tracing::warn!(error = %e, "清除过期个人信息失败，稍后重试"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    });
}
