//! Service figures per day and channel, 👎 per entry, CSAT per agent and
//! tickets, computed from the stored records (definitions in `docs/analytics.md`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::{AskedQuestion, HandoffRecord, RatingRecord, Ticket};

/// Days are counted in China Standard Time (UTC+8, no daylight saving).
const CHINA_OFFSET_SECS: i64 = 8 * 3600;

/// The channel of the rows that add up every channel.
pub const ALL_CHANNELS: &str = "all";

/// Figures of one day on one channel (or `all`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DayFigures {
    /// `YYYY-MM-DD`, China time.
    pub day: String,
    /// `web`, `http`, `wechat` or `all`.
    pub channel: String,
    /// Questions the bot replied to (answer, clarify or no_match).
    pub questions: u64,
    /// Of those, answered.
    pub answered: u64,
    /// Answered, without 👎 and without a later request for a human.
    pub resolved: u64,
    /// `resolved / questions`.
    pub resolution_rate: Option<f64>,
    /// Answers that got 👎.
    pub downvoted: u64,
    /// Requests for a human.
    pub handoff_requests: u64,
    /// Of those, taken by an agent.
    pub handoffs_connected: u64,
    /// `handoffs_connected / handoff_requests` (人工接通率).
    pub connect_rate: Option<f64>,
    /// Median seconds from request to agent, over connected requests.
    pub wait_p50_secs: Option<f64>,
    /// 90th percentile of the same.
    pub wait_p90_secs: Option<f64>,
}

/// 👎 on one entry's answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryVotes {
    /// The entry.
    pub entry_id: String,
    /// Its question (empty when the entry is gone).
    pub question: String,
    /// Answers given with it.
    pub answers: u64,
    /// Of those, with 👎.
    pub downvotes: u64,
    /// `downvotes / answers`.
    pub downvote_rate: f64,
    /// Comments given with the 👎, newest first.
    pub reasons: Vec<String>,
}

/// Ratings of one agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentCsat {
    /// The agent (empty when unknown).
    pub agent_id: String,
    /// Ratings received.
    pub ratings: u64,
    /// Average stars.
    pub average_stars: f64,
    /// Share of 4 and 5 star ratings.
    pub csat: f64,
}

/// 留言 tickets now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TicketFigures {
    /// Open tickets.
    pub open: u64,
    /// Open for longer than the configured hours.
    pub overdue: u64,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Per day and channel, newest day first; each day's `all` row first.
    pub days: Vec<DayFigures>,
    /// Entries with 👎, most first.
    pub entries: Vec<EntryVotes>,
    /// Agents, most rated first.
    pub agents: Vec<AgentCsat>,
    /// Tickets now.
    pub tickets: TicketFigures,
    /// Entries opened by scanning their printed QR code, most first.
    pub scans: Vec<EntryScans>,
}

/// Scans of one entry's printed QR code (二维码一次性告知).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryScans {
    /// The entry.
    pub entry_id: String,
    /// Its question (empty when the entry is gone).
    pub question: String,
    /// Scans in the period.
    pub scans: u64,
}

/// The China-time day of `t`.
pub fn day_of(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::seconds(CHINA_OFFSET_SECS)).format("%Y-%m-%d").to_string()
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The nearest-rank percentile `p` (0–1) of `sorted` values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// Per day and channel.
pub fn days(questions: &[AskedQuestion], handoffs: &[HandoffRecord]) -> Vec<DayFigures> {
    let mut rows: BTreeMap<(String, String), (DayFigures, Vec<f64>)> = BTreeMap::new();
    let mut row = |day: String, channel: &str| -> [(String, String); 2] {
        let keys = [(day.clone(), channel.to_owned()), (day, ALL_CHANNELS.to_owned())];
        for k in &keys {
            rows.entry(k.clone()).or_insert_with(|| {
                (DayFigures { day: k.0.clone(), channel: k.1.clone(), ..DayFigures::default() }, Vec::new())
            });
        }
        keys
    };
    let mut touched = Vec::new();
    for q in questions {
        touched.push((row(day_of(q.asked_at), &q.channel), Touch::Question(q)));
    }
    for h in handoffs {
        touched.push((row(day_of(h.requested_at), &h.channel), Touch::Handoff(h)));
    }
    for (keys, touch) in touched {
        for k in keys {
            let Some((f, waits)) = rows.get_mut(&k) else { continue };
            match touch {
                Touch::Question(q) => {
                    f.questions += 1;
                    let answered = q.decision == "answer";
                    f.answered += u64::from(answered);
                    f.downvoted += u64::from(answered && q.downvoted);
                    f.resolved += u64::from(answered && !q.downvoted && !q.handed_off);
                }
                Touch::Handoff(h) => {
                    f.handoff_requests += 1;
                    if let Some(at) = h.accepted_at {
                        f.handoffs_connected += 1;
                        waits.push((at - h.requested_at).num_milliseconds().max(0) as f64 / 1000.0);
                    }
                }
            }
        }
    }
    let mut out: Vec<DayFigures> = rows
        .into_values()
        .map(|(mut f, mut waits)| {
            waits.sort_by(f64::total_cmp);
            f.resolution_rate = ratio(f.resolved, f.questions);
            f.connect_rate = ratio(f.handoffs_connected, f.handoff_requests);
            f.wait_p50_secs = percentile(&waits, 0.5);
            f.wait_p90_secs = percentile(&waits, 0.9);
            f
        })
        .collect();
    out.sort_by(|a, b| {
        b.day
            .cmp(&a.day)
            .then((a.channel != ALL_CHANNELS).cmp(&(b.channel != ALL_CHANNELS)))
            .then(a.channel.cmp(&b.channel))
    });
    out
}

enum Touch<'a> {
    Question(&'a AskedQuestion),
    Handoff(&'a HandoffRecord),
}

/// 👎 per entry; `title` names an entry.
pub fn entries(questions: &[AskedQuestion], title: impl Fn(&str) -> Option<String>) -> Vec<EntryVotes> {
    let mut by_entry: HashMap<&str, EntryVotes> = HashMap::new();
    // `questions` is newest first, so reasons are too.
    for q in questions.iter().filter(|q| q.decision == "answer") {
        let Some(id) = q.entry_id.as_deref() else { continue };
        let e = by_entry.entry(id).or_insert_with(|| EntryVotes {
            entry_id: id.to_owned(),
            question: title(id).unwrap_or_default(),
            answers: 0,
            downvotes: 0,
            downvote_rate: 0.0,
            reasons: Vec::new(),
        });
        e.answers += 1;
        if q.downvoted {
            e.downvotes += 1;
            e.reasons.extend(q.comment.clone());
        }
    }
    let mut out: Vec<EntryVotes> = by_entry
        .into_values()
        .filter(|e| e.downvotes > 0)
        .map(|mut e| {
            e.downvote_rate = e.downvotes as f64 / e.answers as f64;
            e
        })
        .collect();
    out.sort_by(|a, b| b.downvotes.cmp(&a.downvotes).then(a.entry_id.cmp(&b.entry_id)));
    out
}

/// CSAT per agent.
pub fn agents(ratings: &[RatingRecord]) -> Vec<AgentCsat> {
    let mut by_agent: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for r in ratings {
        let e = by_agent.entry(r.agent_id.clone().unwrap_or_default()).or_default();
        e.0 += 1;
        e.1 += u64::from(r.stars);
        e.2 += u64::from(r.stars >= 4);
    }
    let mut out: Vec<AgentCsat> = by_agent
        .into_iter()
        .map(|(agent_id, (n, stars, happy))| AgentCsat {
            agent_id,
            ratings: n,
            average_stars: stars as f64 / n as f64,
            csat: happy as f64 / n as f64,
        })
        .collect();
    out.sort_by(|a, b| b.ratings.cmp(&a.ratings).then(a.agent_id.cmp(&b.agent_id)));
    out
}

/// Open and overdue tickets at `now`.
pub fn tickets(open: &[Ticket], now: DateTime<Utc>, overdue_hours: u64) -> TicketFigures {
    let limit = chrono::Duration::hours(i64::try_from(overdue_hours).unwrap_or(i64::MAX / 3_600_000));
    TicketFigures {
        open: open.len() as u64,
        overdue: open.iter().filter(|t| now - t.created_at > limit).count() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), Some(5.0));
        assert_eq!(percentile(&v, 0.9), Some(9.0));
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn days_are_china_days() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T17:30:00Z").expect("valid").with_timezone(&Utc);
        assert_eq!(day_of(t), "2026-03-02");
    }
}
