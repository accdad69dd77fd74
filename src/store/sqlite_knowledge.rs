//! [`KnowledgeStore`] for the SQLite store.

use async_trait::async_trait;
use chrono::Utc;

use super::knowledge::{KnowledgeStore, KnowledgeVersion, NewKnowledge};
use super::rows::knowledge_version as version;
use super::{Result, SqliteStore, StoreError};
use crate::ids::{KnowledgeKind, VersionState};

const NEXT_VERSION: &str = "SELECT COALESCE(MAX(version), 0) + 1 FROM knowledge_versions WHERE kind = ? AND key = ?";

#[async_trait]
impl KnowledgeStore for SqliteStore {
    async fn knowledge_current(&self) -> Result<Vec<KnowledgeVersion>> {
        let rows = sqlx::query(
            "SELECT * FROM knowledge_versions WHERE state IN ('published', 'draft') ORDER BY kind, key, version",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(version).collect()
    }

    async fn knowledge_has_entries(&self) -> Result<bool> {
        let found =
            sqlx::query("SELECT 1 FROM knowledge_versions WHERE kind = 'entry' AND state = 'published' LIMIT 1")
                .fetch_optional(self.pool())
                .await?;
        Ok(found.is_some())
    }

    async fn knowledge_versions(&self, kind: KnowledgeKind, key: &str) -> Result<Vec<KnowledgeVersion>> {
        let rows = sqlx::query("SELECT * FROM knowledge_versions WHERE kind = ? AND key = ? ORDER BY version DESC")
            .bind(kind.as_str())
            .bind(key)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(version).collect()
    }

    async fn knowledge_version(&self, kind: KnowledgeKind, key: &str, v: i64) -> Result<KnowledgeVersion> {
        let row = sqlx::query("SELECT * FROM knowledge_versions WHERE kind = ? AND key = ? AND version = ?")
            .bind(kind.as_str())
            .bind(key)
            .bind(v)
            .fetch_one(self.pool())
            .await?;
        version(&row)
    }

    async fn knowledge_save_draft(&self, item: &NewKnowledge, author: &str) -> Result<i64> {
        let now = Utc::now().timestamp_millis();
        let mut tx = self.writer().begin().await?;
        let draft: Option<i64> =
            sqlx::query_scalar("SELECT version FROM knowledge_versions WHERE kind = ? AND key = ? AND state = 'draft'")
                .bind(item.kind.as_str())
                .bind(&item.key)
                .fetch_optional(&mut *tx)
                .await?;
        let v = if let Some(v) = draft {
            sqlx::query(
                "UPDATE knowledge_versions SET content = ?, author = ?, created_at = ?, summary = ? \
                 WHERE kind = ? AND key = ? AND version = ?",
            )
            .bind(&item.content)
            .bind(author)
            .bind(now)
            .bind(&item.summary)
            .bind(item.kind.as_str())
            .bind(&item.key)
            .bind(v)
            .execute(&mut *tx)
            .await?;
            v
        } else {
            insert_version(&mut tx, item, VersionState::Draft, author, now).await?
        };
        tx.commit().await?;
        Ok(v)
    }

    async fn knowledge_discard_draft(&self, kind: KnowledgeKind, key: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE knowledge_versions SET state = 'discarded' WHERE kind = ? AND key = ? AND state = 'draft'",
        )
        .bind(kind.as_str())
        .bind(key)
        .execute(self.writer())
        .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn knowledge_publish_draft(
        &self,
        item: &NewKnowledge,
        draft_version: i64,
        author: &str,
        reviewed_by: &str,
    ) -> Result<i64> {
        let (kind, key) = (item.kind.as_str(), &item.key);
        let now = Utc::now().timestamp_millis();
        let mut tx = self.writer().begin().await?;
        let draft: Option<(i64, String)> = sqlx::query_as(
            "SELECT version, content FROM knowledge_versions WHERE kind = ? AND key = ? AND state = 'draft'",
        )
        .bind(kind)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE knowledge_versions SET state = 'superseded' WHERE kind = ? AND key = ? AND state = 'published'",
        )
        .bind(kind)
        .bind(key)
        .execute(&mut *tx)
        .await?;
        let unchanged = draft.as_ref().is_some_and(|(v, content)| *v == draft_version && *content == item.content);
        let v = if unchanged {
            sqlx::query(
                "UPDATE knowledge_versions SET state = 'published', reviewed_by = ? \
                 WHERE kind = ? AND key = ? AND version = ?",
            )
            .bind(reviewed_by)
            .bind(kind)
            .bind(key)
            .bind(draft_version)
            .execute(&mut *tx)
            .await?;
            draft_version
        } else {
            let v = insert_version(&mut tx, item, VersionState::Published, author, now).await?;
            sqlx::query("UPDATE knowledge_versions SET reviewed_by = ? WHERE kind = ? AND key = ? AND version = ?")
                .bind(reviewed_by)
                .bind(kind)
                .bind(key)
                .bind(v)
                .execute(&mut *tx)
                .await?;
            v
        };
        tx.commit().await?;
        Ok(v)
    }

    async fn knowledge_publish(&self, items: &[NewKnowledge], author: &str) -> Result<Vec<i64>> {
        let now = Utc::now().timestamp_millis();
        let mut tx = self.writer().begin().await?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            sqlx::query(
                "UPDATE knowledge_versions SET state = 'superseded' WHERE kind = ? AND key = ? AND state = 'published'",
            )
            .bind(item.kind.as_str())
            .bind(&item.key)
            .execute(&mut *tx)
            .await?;
            let v = insert_version(&mut tx, item, VersionState::Published, author, now).await?;
            out.push(v);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn starter_questions(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT entry_id FROM starter_questions ORDER BY position")
            .fetch_all(self.pool())
            .await?)
    }

    async fn set_starter_questions(&self, entry_ids: &[String]) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM starter_questions").execute(&mut *tx).await?;
        for (i, id) in entry_ids.iter().enumerate() {
            sqlx::query("INSERT INTO starter_questions (position, entry_id) VALUES (?, ?)")
                .bind(i as i64)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Adds `item` as the next version of its key in `state`; returns the version number.
async fn insert_version(
    tx: &mut sqlx::SqliteConnection,
    item: &NewKnowledge,
    state: VersionState,
    author: &str,
    now: i64,
) -> Result<i64> {
    let v: i64 = sqlx::query_scalar(NEXT_VERSION).bind(item.kind.as_str()).bind(&item.key).fetch_one(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO knowledge_versions (kind, key, version, content, state, author, created_at, summary) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(item.kind.as_str())
    .bind(&item.key)
    .bind(v)
    .bind(&item.content)
    .bind(state.as_str())
    .bind(author)
    .bind(now)
    .bind(&item.summary)
    .execute(&mut *tx)
    .await?;
    Ok(v)
}
