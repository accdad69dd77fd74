//! What the store forgets after the retention period (`[privacy] retention_days`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Result;

/// The text left in place of a forgotten message or ticket (rows stay, so
/// counts and figures of the period remain right).
pub const FORGOTTEN: &str = "（已超过保存期限，内容已删除）";

/// How many rows a purge anonymised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeCounts {
    /// Messages whose text was removed.
    pub messages: u64,
    /// Tickets whose text, contact and answer were removed.
    pub tickets: u64,
    /// Feedback and ratings whose comments were removed.
    pub comments: u64,
    /// Audit rows whose detail and address were removed.
    pub audit: u64,
}

/// Forgetting old personal data.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Anonymises what was written before `cutoff`: message texts of
    /// conversations not active since, closed tickets (text, contact, answer),
    /// feedback and rating comments, dismissed question texts, and the detail
    /// and address of audit rows (and the names tried in failed sign-ins).
    async fn purge_before(&self, cutoff: DateTime<Utc>) -> Result<PurgeCounts>;
}
