//! [`AnalyticsStore`] on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{PgExecutor, Row};

use super::analytics::{AnalyticsStore, AskedQuestion, HandoffRecord, RatingRecord, outcome};
use super::postgres::text;
use super::rows::StoredRow;
use super::{PostgresStore, Result};
use crate::ids::SessionId;

/// Each bot reply to a question (`decision` set) paired with the visitor
/// message just before it in the same conversation (as on SQLite).
const QUESTIONS: &str = "\
SELECT v.id, v.conversation_id, v.text, v.created_at, c.visitor, c.channel, \
       b.decision, b.entry_id, b.confidence, \
       EXISTS (SELECT 1 FROM feedback f WHERE f.message_id = b.id AND NOT f.helpful) AS downvoted, \
       (SELECT f.comment FROM feedback f WHERE f.message_id = b.id AND NOT f.helpful \
          AND f.comment IS NOT NULL AND f.comment != '' ORDER BY f.id DESC LIMIT 1) AS comment, \
       EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = b.conversation_id \
          AND h.requested_at >= v.created_at) AS handed_off \
FROM messages b \
JOIN messages v ON v.id = (SELECT MAX(p.id) FROM messages p \
     WHERE p.conversation_id = b.conversation_id AND p.id < b.id AND p.sender = 'visitor') \
JOIN conversations c ON c.id = b.conversation_id \
WHERE b.decision IS NOT NULL AND b.sender = 'bot' AND b.created_at >= $1 \
ORDER BY b.id DESC LIMIT $2";

/// An update of the latest handoff of a conversation ($1), while it is still
/// queued ($2), as a literal so that queries stay static strings.
macro_rules! update_latest_queued {
    ($set:literal) => {
        concat!(
            "UPDATE handoffs SET ",
            $set,
            " WHERE id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = $1) AND outcome = $2"
        )
    };
}

#[async_trait]
impl AnalyticsStore for PostgresStore {
    async fn hot_counts(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<(String, u64)>> {
        let rows = sqlx::query(
            "SELECT m.entry_id, COUNT(DISTINCT c.visitor) AS n FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.decision = 'answer' AND m.created_at >= $1 AND m.entry_id IS NOT NULL \
             GROUP BY m.entry_id ORDER BY n DESC, m.entry_id COLLATE \"C\" LIMIT $2",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get("entry_id")?, r.try_get::<i64, _>("n")?.max(0) as u64))).collect()
    }

    async fn questions_since(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<AskedQuestion>> {
        // Row by row, as on SQLite: a recount reads up to `analytics.max_questions`.
        let mut rows = sqlx::query(QUESTIONS).bind(since).bind(i64::from(limit)).fetch(self.pool());
        let mut out = Vec::new();
        while let Some(r) = rows.try_next().await? {
            out.push(asked(&r)?);
        }
        Ok(out)
    }

    async fn handoff_requested(&self, conversation: &SessionId, at: DateTime<Utc>, outcome: &str) -> Result<()> {
        handoff_requested(self.pool(), conversation, at, outcome).await
    }

    async fn handoff_connected(&self, conversation: &SessionId, agent: &str, at: DateTime<Utc>) -> Result<()> {
        handoff_connected(self.pool(), conversation, agent, at).await
    }

    async fn handoff_cancelled(&self, conversation: &SessionId) -> Result<()> {
        handoff_cancelled(self.pool(), conversation).await
    }

    async fn handoffs_since(&self, since: DateTime<Utc>) -> Result<Vec<HandoffRecord>> {
        let rows = sqlx::query("SELECT * FROM handoffs WHERE requested_at >= $1 ORDER BY requested_at, id")
            .bind(since)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(HandoffRecord {
                    conversation_id: r.text("conversation_id")?,
                    channel: r.text("channel")?,
                    requested_at: r.at("requested_at")?,
                    accepted_at: r.opt_at("accepted_at")?,
                    agent_id: r.opt_text("agent_id")?,
                    outcome: r.text("outcome")?,
                })
            })
            .collect()
    }

    async fn ratings_since(&self, since: DateTime<Utc>) -> Result<Vec<RatingRecord>> {
        let rows = sqlx::query("SELECT agent_id, stars, created_at FROM ratings WHERE created_at >= $1 ORDER BY id")
            .bind(since)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(RatingRecord {
                    agent_id: r.opt_text("agent_id")?,
                    stars: r.int("stars")?.clamp(1, 5) as u8,
                    at: r.at("created_at")?,
                })
            })
            .collect()
    }

    async fn dismiss_questions(&self, texts: &[String], by: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO dismissed_questions (text, dismissed_by, dismissed_at) \
             SELECT t, $2, $3 FROM UNNEST($1::text[]) AS t ON CONFLICT (text) DO NOTHING",
        )
        .bind(texts.iter().map(|t| text(t).into_owned()).collect::<Vec<String>>())
        .bind(by)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn dismissed_questions(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT text FROM dismissed_questions").fetch_all(self.pool()).await?)
    }

    async fn record_scan(&self, entry_id: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("INSERT INTO scans (entry_id, scanned_at) VALUES ($1, $2)")
            .bind(text(entry_id).into_owned())
            .bind(at)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn scan_counts(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<(String, u64)>> {
        let rows = sqlx::query(
            "SELECT entry_id, COUNT(*) AS n FROM scans WHERE scanned_at >= $1 \
             GROUP BY entry_id ORDER BY n DESC, entry_id COLLATE \"C\" LIMIT $2",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get("entry_id")?, r.try_get::<i64, _>("n")?.max(0) as u64))).collect()
    }
}

/// One row of [`QUESTIONS`].
fn asked(r: &PgRow) -> Result<AskedQuestion> {
    Ok(AskedQuestion {
        message_id: r.int("id")?,
        conversation_id: r.text("conversation_id")?,
        visitor: r.text("visitor")?,
        channel: r.text("channel")?,
        text: r.text("text")?,
        asked_at: r.at("created_at")?,
        decision: r.text("decision")?,
        entry_id: r.opt_text("entry_id")?,
        confidence: r.opt_float("confidence")?.map(|c| c as f32),
        downvoted: r.flag("downvoted")?,
        comment: r.opt_text("comment")?,
        handed_off: r.flag("handed_off")?,
    })
}

/// Records a request for a human (also inside a handoff transaction).
pub(super) async fn handoff_requested<'e>(
    db: impl PgExecutor<'e>,
    conversation: &SessionId,
    at: DateTime<Utc>,
    outcome: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO handoffs (conversation_id, channel, requested_at, outcome) \
         SELECT id, channel, $1, $2 FROM conversations WHERE id = $3",
    )
    .bind(at)
    .bind(outcome)
    .bind(conversation.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// Records that an agent took the waiting request.
pub(super) async fn handoff_connected<'e>(
    db: impl PgExecutor<'e>,
    conversation: &SessionId,
    agent: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(update_latest_queued!("accepted_at = $3, agent_id = $4, outcome = $5"))
        .bind(conversation.as_str())
        .bind(outcome::QUEUED)
        .bind(at)
        .bind(agent)
        .bind(outcome::CONNECTED)
        .execute(db)
        .await?;
    Ok(())
}

/// Records that the taxpayer left the queue.
pub(super) async fn handoff_cancelled<'e>(db: impl PgExecutor<'e>, conversation: &SessionId) -> Result<()> {
    sqlx::query(update_latest_queued!("outcome = $3"))
        .bind(conversation.as_str())
        .bind(outcome::QUEUED)
        .bind(outcome::CANCELLED)
        .execute(db)
        .await?;
    Ok(())
}
