//! [`DeskStore`] on PostgreSQL.

use async_trait::async_trait;
use chrono::Utc;

use super::desk::{CannedReply, ClosedConversation, DeskStore, HistoryQuery, NewCannedReply, history_filter};
use super::rows::{canned_reply, closed_conversation, stored};
use super::{PostgresStore, Result, StoreError};

#[async_trait]
impl DeskStore for PostgresStore {
    async fn canned_replies(&self, team: Option<&str>) -> Result<Vec<CannedReply>> {
        let rows = sqlx::query(
            "SELECT * FROM canned_replies WHERE ($1::text IS NULL OR team = $1) \
             ORDER BY team COLLATE \"C\", title COLLATE \"C\", id",
        )
        .bind(team)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(canned_reply).collect()
    }

    async fn create_canned_reply(&self, r: &NewCannedReply) -> Result<CannedReply> {
        let row = sqlx::query(
            "INSERT INTO canned_replies (team, title, text, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(&r.team)
        .bind(&r.title)
        .bind(&r.text)
        .bind(&r.by)
        .bind(stored(Utc::now()))
        .fetch_one(self.pool())
        .await?;
        canned_reply(&row)
    }

    async fn update_canned_reply(&self, id: i64, r: &NewCannedReply) -> Result<CannedReply> {
        let row = sqlx::query(
            "UPDATE canned_replies SET team = $1, title = $2, text = $3, updated_by = $4, updated_at = $5 \
             WHERE id = $6 RETURNING *",
        )
        .bind(&r.team)
        .bind(&r.title)
        .bind(&r.text)
        .bind(&r.by)
        .bind(stored(Utc::now()))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(canned_reply).transpose()?.ok_or(StoreError::NotFound)
    }

    async fn delete_canned_reply(&self, id: i64) -> Result<CannedReply> {
        let row = sqlx::query("DELETE FROM canned_replies WHERE id = $1 RETURNING *")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(canned_reply).transpose()?.ok_or(StoreError::NotFound)
    }

    async fn closed_conversations(&self, q: &HistoryQuery) -> Result<Vec<ClosedConversation>> {
        let mut n = 0;
        let filter = history_filter(q, "strpos", &mut || {
            n += 1;
            format!("${n}")
        });
        let sql = format!(
            "SELECT c.id, c.created_at, c.updated_at, c.served_by, c.resolution, \
             (SELECT f.text FROM messages f WHERE f.conversation_id = c.id AND f.sender = 'visitor' \
              ORDER BY f.id LIMIT 1) AS first_question \
             FROM conversations c WHERE c.state = 'bot' AND c.resolution IS NOT NULL{filter} \
             ORDER BY c.updated_at DESC, c.seq DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        // Only placeholders and fixed text are formatted in (see `history_filter`).
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(t) = &q.text {
            query = query.bind(t).bind(t);
        }
        for p in &q.id_prefixes {
            query = query.bind(p);
        }
        let rows = query.bind(i64::from(q.limit)).bind(i64::from(q.offset)).fetch_all(self.pool()).await?;
        rows.iter().map(closed_conversation).collect()
    }
}
