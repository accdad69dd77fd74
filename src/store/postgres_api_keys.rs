//! [`ApiKeyStore`] on PostgreSQL.

use async_trait::async_trait;
use chrono::Utc;

use super::api_keys::{ApiKey, ApiKeyStore};
use super::postgres::unique_conflict;
use super::rows::{api_key, stored};
use super::{PostgresStore, Result, StoreError};

#[async_trait]
impl ApiKeyStore for PostgresStore {
    async fn create_api_key(&self, name: &str, key_hash: &str) -> Result<ApiKey> {
        let row = sqlx::query("INSERT INTO api_keys (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING *")
            .bind(name)
            .bind(key_hash)
            .bind(stored(Utc::now()))
            .fetch_one(self.pool())
            .await
            .map_err(|e| unique_conflict(e, || format!("API 密钥「{name}」已存在")))?;
        api_key(&row)
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let r = sqlx::query("SELECT * FROM api_keys WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(api_key).transpose()
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        let rows = sqlx::query("SELECT * FROM api_keys ORDER BY id DESC").fetch_all(self.pool()).await?;
        rows.iter().map(api_key).collect()
    }

    async fn revoke_api_key(&self, id: i64) -> Result<ApiKey> {
        let r = sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING *")
            .bind(stored(Utc::now()))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(api_key).transpose()?.ok_or(StoreError::NotFound)
    }
}
