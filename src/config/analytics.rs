//! `[analytics]` settings.

use serde::{Deserialize, Serialize};

/// `[analytics]` configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Seconds between recounts.
    #[serde(deserialize_with = "super::valid::positive")]
    pub refresh_secs: u64,
    /// Answers below this confidence count as unanswered (low confidence).
    #[serde(deserialize_with = "super::valid::unit")]
    pub low_confidence: f32,
    /// Cosine similarity (0–1) a question needs to join a cluster.
    #[serde(deserialize_with = "super::valid::unit")]
    pub cluster_similarity: f32,
    /// Most recent questions examined per recount (bounds the work).
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_questions: u32,
    /// Days of service figures.
    #[serde(deserialize_with = "super::valid::positive")]
    pub figure_days: u32,
    /// An open 留言 ticket older than this many hours is overdue.
    pub ticket_overdue_hours: u64,
    /// A question is offered to taxpayers as hot only once this many
    /// different visitors got its answer in the last week (one visitor's
    /// clicks do not make everyone's hot list).
    pub hot_min_askers: u64,
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
            hot_min_askers: 3,
        }
    }
}
