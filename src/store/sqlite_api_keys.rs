//! [`ApiKeyStore`] on SQLite.

use async_trait::async_trait;
use chrono::Utc;

use super::api_keys::{ApiKey, ApiKeyStore};
use super::rows::{api_key as key, millis};
use super::{Result, SqliteStore, StoreError};

#[async_trait]
impl ApiKeyStore for SqliteStore {
    async fn create_api_key(&self, name: &str, key_hash: &str) -> Result<ApiKey> {
        let now = Utc::now();
        let done = sqlx::query("INSERT INTO api_keys (name, key_hash, created_at) VALUES (?, ?, ?)")
            .bind(name)
            .bind(key_hash)
            .bind(millis(now))
            .execute(self.writer())
            .await;
        match done {
            Ok(r) => Ok(ApiKey {
                id: r.last_insert_rowid(),
                name: name.to_owned(),
                key_hash: key_hash.to_owned(),
                created_at: now,
                revoked_at: None,
            }),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Conflict(format!("API 密钥「{name}」已存在")))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let r =
            sqlx::query("SELECT * FROM api_keys WHERE key_hash = ?").bind(key_hash).fetch_optional(self.pool()).await?;
        r.as_ref().map(key).transpose()
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        let rows = sqlx::query("SELECT * FROM api_keys ORDER BY id DESC").fetch_all(self.pool()).await?;
        rows.iter().map(key).collect()
    }

    async fn revoke_api_key(&self, id: i64) -> Result<ApiKey> {
        sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?")
            .bind(millis(Utc::now()))
            .bind(id)
            .execute(self.writer())
            .await?;
        let r = sqlx::query("SELECT * FROM api_keys WHERE id = ?").bind(id).fetch_optional(self.writer()).await?;
        r.as_ref().map(key).transpose()?.ok_or(StoreError::NotFound)
    }
}
