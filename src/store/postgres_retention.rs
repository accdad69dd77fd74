//! [`RetentionStore`] on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::retention::{FORGOTTEN, PurgeCounts, RetentionStore};
use super::{PostgresStore, Result};

#[async_trait]
impl RetentionStore for PostgresStore {
    async fn purge_before(&self, cutoff: DateTime<Utc>) -> Result<PurgeCounts> {
        let mut tx = self.pool().begin().await?;
        let messages = sqlx::query(
            "UPDATE messages SET text = $1 WHERE created_at < $2 AND text != $1 AND conversation_id IN \
             (SELECT id FROM conversations WHERE updated_at < $2 AND state = 'bot')",
        )
        .bind(FORGOTTEN)
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let tickets = sqlx::query(
            "UPDATE tickets SET text = $1, contact = NULL, answer = CASE WHEN answer IS NULL THEN NULL ELSE $1 END \
             WHERE created_at < $2 AND status != 'open' AND text != $1",
        )
        .bind(FORGOTTEN)
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let mut comments = 0;
        for sql in [
            "UPDATE feedback SET comment = NULL WHERE created_at < $1 AND comment IS NOT NULL",
            "UPDATE ratings SET comment = NULL WHERE created_at < $1 AND comment IS NOT NULL",
        ] {
            comments += sqlx::query(sql).bind(cutoff).execute(&mut *tx).await?.rows_affected();
        }
        sqlx::query("DELETE FROM dismissed_questions WHERE dismissed_at < $1").bind(cutoff).execute(&mut *tx).await?;
        // A verified name is personal data: forgotten with the texts.
        sqlx::query(
            "DELETE FROM visitor_identities WHERE conversation_id IN \
             (SELECT id FROM conversations WHERE updated_at < $1 AND state = 'bot')",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        let audit = sqlx::query(
            "UPDATE audit_log SET detail = '{}', ip = NULL, \
             actor = CASE WHEN action = 'login.failed' THEN '?' ELSE actor END, \
             target = CASE WHEN action = 'login.failed' THEN '?' ELSE target END \
             WHERE at < $1 AND (detail != '{}' OR ip IS NOT NULL OR (action = 'login.failed' AND actor != '?'))",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(PurgeCounts { messages, tickets, comments, audit })
    }
}
