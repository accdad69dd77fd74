//! The report's tables as CSV, one function per table, with fixed columns.

use super::csv::render;
use super::{Period, Report};

/// `热搜榜` of a period.
pub fn hot(report: &Report, period: Period) -> String {
    render(&["id", "question", "count"], report.hot(period))
}

/// Unanswered-question clusters of a period.
pub fn clusters(report: &Report, period: Period) -> String {
    render(&["id", "label", "askers", "count", "questions"], report.clusters(period))
}

/// Figures per day and channel.
pub fn days(report: &Report) -> String {
    let header = [
        "day",
        "channel",
        "questions",
        "answered",
        "resolved",
        "resolution_rate",
        "downvoted",
        "handoff_requests",
        "handoffs_connected",
        "connect_rate",
        "wait_p50_secs",
        "wait_p90_secs",
    ];
    render(&header, &report.figures.days)
}

/// 👎 per entry.
pub fn entries(report: &Report) -> String {
    render(&["entry_id", "question", "answers", "downvotes", "downvote_rate", "reasons"], &report.figures.entries)
}

/// CSAT per agent.
pub fn agents(report: &Report) -> String {
    render(&["agent_id", "ratings", "average_stars", "csat"], &report.figures.agents)
}
