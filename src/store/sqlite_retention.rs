//! [`RetentionStore`] on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::retention::{FORGOTTEN, PurgeCounts, RetentionStore};
use super::rows::millis;
use super::{Result, SqliteStore};

#[async_trait]
impl RetentionStore for SqliteStore {
    async fn purge_before(&self, cutoff: DateTime<Utc>) -> Result<PurgeCounts> {
        let at = millis(cutoff);
        let mut tx = self.writer().begin().await?;
        let messages = sqlx::query(
            "UPDATE messages SET text = ? WHERE created_at < ? AND text != ? AND conversation_id IN \
             (SELECT id FROM conversations WHERE updated_at < ? AND state = 'bot')",
        )
        .bind(FORGOTTEN)
        .bind(at)
        .bind(FORGOTTEN)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let tickets = sqlx::query(
            "UPDATE tickets SET text = ?, contact = NULL, answer = CASE WHEN answer IS NULL THEN NULL ELSE ? END \
             WHERE created_at < ? AND status != 'open' AND text != ?",
        )
        .bind(FORGOTTEN)
        .bind(FORGOTTEN)
        .bind(at)
        .bind(FORGOTTEN)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let mut comments = 0;
        for sql in [
            "UPDATE feedback SET comment = NULL WHERE created_at < ? AND comment IS NOT NULL",
            "UPDATE ratings SET comment = NULL WHERE created_at < ? AND comment IS NOT NULL",
        ] {
            comments += sqlx::query(sql).bind(at).execute(&mut *tx).await?.rows_affected();
        }
        sqlx::query("DELETE FROM dismissed_questions WHERE dismissed_at < ?").bind(at).execute(&mut *tx).await?;
        // A verified name is personal data: forgotten with the texts.
        sqlx::query(
            "DELETE FROM visitor_identities WHERE conversation_id IN \
             (SELECT id FROM conversations WHERE updated_at < ? AND state = 'bot')",
        )
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let audit = sqlx::query(
            "UPDATE audit_log SET detail = '{}', ip = NULL, \
             actor = CASE WHEN action = 'login.failed' THEN '?' ELSE actor END, \
             target = CASE WHEN action = 'login.failed' THEN '?' ELSE target END \
             WHERE at < ? AND (detail != '{}' OR ip IS NOT NULL OR (action = 'login.failed' AND actor != '?'))",
        )
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(PurgeCounts { messages, tickets, comments, audit })
    }
}
