//! `[privacy]` settings: how long personal data is kept (see `docs/privacy.md`).

use serde::{Deserialize, Serialize};

/// Retention of conversations, tickets and audit details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Days after which message texts, closed tickets, comments and audit
    /// details are anonymised; 0 keeps everything.
    pub retention_days: u32,
    /// Hours between two background purges.
    #[serde(deserialize_with = "super::valid::positive")]
    pub purge_every_hours: u64,
}

impl Default for Settings {
    fn default() -> Self {
        // Half a year covers a tax year's follow-up questions and the service
        // figures (30 days), and is far from "for ever".
        Settings { retention_days: 180, purge_every_hours: 6 }
    }
}
