//! [`AnalyticsStore`] on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteExecutor};

use super::analytics::{AnalyticsStore, AskedQuestion, HandoffRecord, RatingRecord, outcome};
use super::rows::{millis, time};
use super::{Result, SqliteStore};
use crate::ids::SessionId;

/// Each bot reply to a question (`decision` set) paired with the visitor
/// message just before it in the same conversation.
const QUESTIONS: &str = "\
SELECT v.id, v.conversation_id, v.text, v.created_at, c.visitor, c.channel, \
       b.decision, b.entry_id, b.confidence, \
       EXISTS (SELECT 1 FROM feedback f WHERE f.message_id = b.id AND f.helpful = 0) AS downvoted, \
       (SELECT f.comment FROM feedback f WHERE f.message_id = b.id AND f.helpful = 0 \
          AND f.comment IS NOT NULL AND f.comment != '' ORDER BY f.id DESC LIMIT 1) AS comment, \
       EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = b.conversation_id \
          AND h.requested_at >= v.created_at) AS handed_off \
FROM messages b \
JOIN messages v ON v.id = (SELECT MAX(p.id) FROM messages p \
     WHERE p.conversation_id = b.conversation_id AND p.id < b.id AND p.sender = 'visitor') \
JOIN conversations c ON c.id = b.conversation_id \
WHERE b.decision IS NOT NULL AND b.sender = 'bot' AND b.created_at >= ? \
ORDER BY b.id DESC LIMIT ?";

#[async_trait]
impl AnalyticsStore for SqliteStore {
    async fn hot_counts(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<(String, u64)>> {
        let rows = sqlx::query(
            "SELECT m.entry_id, COUNT(DISTINCT c.visitor) AS n FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.decision = 'answer' AND m.created_at >= ? AND m.entry_id IS NOT NULL \
             GROUP BY m.entry_id ORDER BY n DESC, m.entry_id LIMIT ?",
        )
        .bind(millis(since))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get("entry_id")?, r.try_get::<i64, _>("n")?.max(0) as u64))).collect()
    }

    async fn questions_since(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<AskedQuestion>> {
        // Row by row: a recount reads up to `analytics.max_questions` of them,
        // and holding every raw row besides the decoded ones doubled its peak.
        let mut rows = sqlx::query(QUESTIONS).bind(millis(since)).bind(i64::from(limit)).fetch(self.pool());
        let mut out = Vec::new();
        while let Some(r) = rows.try_next().await? {
            out.push(asked(&r)?);
        }
        Ok(out)
    }

    async fn handoff_requested(&self, conversation: &SessionId, at: DateTime<Utc>, outcome: &str) -> Result<()> {
        handoff_requested(self.writer(), conversation, at, outcome).await
    }

    async fn handoff_connected(&self, conversation: &SessionId, agent: &str, at: DateTime<Utc>) -> Result<()> {
        handoff_connected(self.writer(), conversation, agent, at).await
    }

    async fn handoff_cancelled(&self, conversation: &SessionId) -> Result<()> {
        handoff_cancelled(self.writer(), conversation).await
    }

    async fn handoffs_since(&self, since: DateTime<Utc>) -> Result<Vec<HandoffRecord>> {
        let rows = sqlx::query("SELECT * FROM handoffs WHERE requested_at >= ? ORDER BY requested_at, id")
            .bind(millis(since))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(HandoffRecord {
                    conversation_id: r.try_get("conversation_id")?,
                    channel: r.try_get("channel")?,
                    requested_at: time(r.try_get("requested_at")?),
                    accepted_at: r.try_get::<Option<i64>, _>("accepted_at")?.map(time),
                    agent_id: r.try_get("agent_id")?,
                    outcome: r.try_get("outcome")?,
                })
            })
            .collect()
    }

    async fn ratings_since(&self, since: DateTime<Utc>) -> Result<Vec<RatingRecord>> {
        let rows = sqlx::query("SELECT agent_id, stars, created_at FROM ratings WHERE created_at >= ? ORDER BY id")
            .bind(millis(since))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(RatingRecord {
                    agent_id: r.try_get("agent_id")?,
                    stars: r.try_get::<i64, _>("stars")?.clamp(1, 5) as u8,
                    at: time(r.try_get("created_at")?),
                })
            })
            .collect()
    }

    async fn dismiss_questions(&self, texts: &[String], by: &str, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        for t in texts {
            sqlx::query(
                "INSERT OR IGNORE INTO dismissed_questions (text, dismissed_by, dismissed_at) VALUES (?, ?, ?)",
            )
            .bind(t)
            .bind(by)
            .bind(millis(at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn dismissed_questions(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT text FROM dismissed_questions").fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok(r.try_get("text")?)).collect()
    }

    async fn record_scan(&self, entry_id: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("INSERT INTO scans (entry_id, scanned_at) VALUES (?, ?)")
            .bind(entry_id)
            .bind(millis(at))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn scan_counts(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<(String, u64)>> {
        let rows = sqlx::query(
            "SELECT entry_id, COUNT(*) AS n FROM scans WHERE scanned_at >= ? \
             GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
        )
        .bind(millis(since))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get("entry_id")?, r.try_get::<i64, _>("n")?.max(0) as u64))).collect()
    }
}

/// One row of [`QUESTIONS`].
fn asked(r: &SqliteRow) -> Result<AskedQuestion> {
    Ok(AskedQuestion {
        message_id: r.try_get("id")?,
        conversation_id: r.try_get("conversation_id")?,
        visitor: r.try_get("visitor")?,
        channel: r.try_get("channel")?,
        text: r.try_get("text")?,
        asked_at: time(r.try_get("created_at")?),
        decision: r.try_get("decision")?,
        entry_id: r.try_get("entry_id")?,
        confidence: r.try_get::<Option<f64>, _>("confidence")?.map(|c| c as f32),
        downvoted: r.try_get::<i64, _>("downvoted")? != 0,
        comment: r.try_get("comment")?,
        handed_off: r.try_get::<i64, _>("handed_off")? != 0,
    })
}

/// Records a request for a human (also inside a handoff transaction).
pub(super) async fn handoff_requested<'e>(
    db: impl SqliteExecutor<'e>,
    conversation: &SessionId,
    at: DateTime<Utc>,
    outcome: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO handoffs (conversation_id, channel, requested_at, outcome) \
         SELECT id, channel, ?, ? FROM conversations WHERE id = ?",
    )
    .bind(millis(at))
    .bind(outcome)
    .bind(conversation.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// Records that an agent took the waiting request.
pub(super) async fn handoff_connected<'e>(
    db: impl SqliteExecutor<'e>,
    conversation: &SessionId,
    agent: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE handoffs SET accepted_at = ?, agent_id = ?, outcome = ? \
         WHERE id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = ?) AND outcome = ?",
    )
    .bind(millis(at))
    .bind(agent)
    .bind(outcome::CONNECTED)
    .bind(conversation.as_str())
    .bind(outcome::QUEUED)
    .execute(db)
    .await?;
    Ok(())
}

/// Records that the taxpayer left the queue.
pub(super) async fn handoff_cancelled<'e>(db: impl SqliteExecutor<'e>, conversation: &SessionId) -> Result<()> {
    sqlx::query(
        "UPDATE handoffs SET outcome = ? \
         WHERE id = (SELECT MAX(id) FROM handoffs WHERE conversation_id = ?) AND outcome = ?",
    )
    .bind(outcome::CANCELLED)
    .bind(conversation.as_str())
    .bind(outcome::QUEUED)
    .execute(db)
    .await?;
    Ok(())
}
