//! [`KnowledgeStore`] on PostgreSQL.
//!
//! Every write to a key takes a transaction-scoped advisory lock on
//! (kind, key) first: SQLite's single writer serialises drafts and publishes
//! of one key, and here two nodes may race. The lock covers the case where no
//! row exists yet (a first draft), which `SELECT … FOR UPDATE` cannot.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::events::Event;
use super::knowledge::{KnowledgeStore, KnowledgeVersion, NewKnowledge};
use super::postgres_events::notify;
use super::rows::{knowledge_version as version, stored};
use super::{PostgresStore, Result, StoreError};
use crate::ids::{KnowledgeKind, VersionState};

/// Serialises writers of one (kind, key) until the transaction ends.
async fn lock_key(tx: &mut PgConnection, kind: &str, key: &str) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))")
        .bind(kind)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[async_trait]
impl KnowledgeStore for PostgresStore {
    async fn knowledge_current(&self) -> Result<Vec<KnowledgeVersion>> {
        let rows = sqlx::query(
            "SELECT * FROM knowledge_versions WHERE state IN ('published', 'draft') \
             ORDER BY kind COLLATE \"C\", key COLLATE \"C\", version",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(version).collect()
    }

    async fn knowledge_has_entries(&self) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM knowledge_versions WHERE kind = 'entry' AND state = 'published')",
        )
        .fetch_one(self.pool())
        .await?)
    }

    async fn knowledge_versions(&self, kind: KnowledgeKind, key: &str) -> Result<Vec<KnowledgeVersion>> {
        let rows = sqlx::query("SELECT * FROM knowledge_versions WHERE kind = $1 AND key = $2 ORDER BY version DESC")
            .bind(kind.as_str())
            .bind(key)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(version).collect()
    }

    async fn knowledge_version(&self, kind: KnowledgeKind, key: &str, v: i64) -> Result<KnowledgeVersion> {
        let row = sqlx::query("SELECT * FROM knowledge_versions WHERE kind = $1 AND key = $2 AND version = $3")
            .bind(kind.as_str())
            .bind(key)
            .bind(v)
            .fetch_one(self.pool())
            .await?;
        version(&row)
    }

    async fn knowledge_save_draft(&self, item: &NewKnowledge, author: &str) -> Result<i64> {
        let now = stored(Utc::now());
        let mut tx = self.pool().begin().await?;
        lock_key(&mut tx, item.kind.as_str(), &item.key).await?;
        let draft: Option<i64> = sqlx::query_scalar(
            "SELECT version FROM knowledge_versions WHERE kind = $1 AND key = $2 AND state = 'draft' FOR UPDATE",
        )
        .bind(item.kind.as_str())
        .bind(&item.key)
        .fetch_optional(&mut *tx)
        .await?;
        let v = if let Some(v) = draft {
            sqlx::query(
                "UPDATE knowledge_versions SET content = $1, author = $2, created_at = $3, summary = $4 \
                 WHERE kind = $5 AND key = $6 AND version = $7",
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
            insert_version(&mut tx, item, VersionState::Draft, author, now, None).await?
        };
        tx.commit().await?;
        Ok(v)
    }

    async fn knowledge_discard_draft(&self, kind: KnowledgeKind, key: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE knowledge_versions SET state = 'discarded' WHERE kind = $1 AND key = $2 AND state = 'draft'",
        )
        .bind(kind.as_str())
        .bind(key)
        .execute(self.pool())
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
        let now = stored(Utc::now());
        let mut tx = self.pool().begin().await?;
        lock_key(&mut tx, kind, key).await?;
        let draft: Option<(i64, String)> = sqlx::query_as(
            "SELECT version, content FROM knowledge_versions \
             WHERE kind = $1 AND key = $2 AND state = 'draft' FOR UPDATE",
        )
        .bind(kind)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        supersede(&mut tx, kind, key).await?;
        let unchanged = draft.as_ref().is_some_and(|(v, content)| *v == draft_version && *content == item.content);
        let v = if unchanged {
            sqlx::query(
                "UPDATE knowledge_versions SET state = 'published', reviewed_by = $1 \
                 WHERE kind = $2 AND key = $3 AND version = $4",
            )
            .bind(reviewed_by)
            .bind(kind)
            .bind(key)
            .bind(draft_version)
            .execute(&mut *tx)
            .await?;
            draft_version
        } else {
            insert_version(&mut tx, item, VersionState::Published, author, now, Some(reviewed_by)).await?
        };
        notify(&mut tx, &self.node, &Event::Knowledge).await?;
        tx.commit().await?;
        Ok(v)
    }

    async fn knowledge_publish(&self, items: &[NewKnowledge], author: &str) -> Result<Vec<i64>> {
        let now = stored(Utc::now());
        let mut tx = self.pool().begin().await?;
        // Every key locked first, in one order: two nodes publishing
        // overlapping sets cannot deadlock on each other's locks.
        let mut keys: Vec<(&str, &str)> = items.iter().map(|i| (i.kind.as_str(), i.key.as_str())).collect();
        keys.sort_unstable();
        keys.dedup();
        for (kind, key) in keys {
            lock_key(&mut tx, kind, key).await?;
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            supersede(&mut tx, item.kind.as_str(), &item.key).await?;
            out.push(insert_version(&mut tx, item, VersionState::Published, author, now, None).await?);
        }
        notify(&mut tx, &self.node, &Event::Knowledge).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn starter_questions(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT entry_id FROM starter_questions ORDER BY position")
            .fetch_all(self.pool())
            .await?)
    }

    async fn set_starter_questions(&self, entry_ids: &[String]) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        // Two editors saving at once: one list wins whole, never a mix.
        sqlx::query("LOCK TABLE starter_questions IN EXCLUSIVE MODE").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM starter_questions").execute(&mut *tx).await?;
        for (i, id) in entry_ids.iter().enumerate() {
            sqlx::query("INSERT INTO starter_questions (position, entry_id) VALUES ($1, $2)")
                .bind(i as i32)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Marks the published version of a key superseded.
async fn supersede(tx: &mut PgConnection, kind: &str, key: &str) -> Result<()> {
    sqlx::query(
        "UPDATE knowledge_versions SET state = 'superseded' WHERE kind = $1 AND key = $2 AND state = 'published'",
    )
    .bind(kind)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Adds `item` as the next version of its key in `state`; returns the version
/// number. The caller holds the key's lock.
async fn insert_version(
    tx: &mut PgConnection,
    item: &NewKnowledge,
    state: VersionState,
    author: &str,
    now: DateTime<Utc>,
    reviewed_by: Option<&str>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO knowledge_versions (kind, key, version, content, state, author, created_at, summary, reviewed_by) \
         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6, $7, $8 \
         FROM knowledge_versions WHERE kind = $1 AND key = $2 RETURNING version",
    )
    .bind(item.kind.as_str())
    .bind(&item.key)
    .bind(&item.content)
    .bind(state.as_str())
    .bind(author)
    .bind(now)
    .bind(&item.summary)
    .bind(reviewed_by)
    .fetch_one(&mut *tx)
    .await?)
}
