//! API keys of integrations (bots bridging other channels to `/api/v1/ask`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Result;

/// One integration's key, as stored (the key itself never is, only its hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiKey {
    /// Number.
    pub id: i64,
    /// The integration.
    pub name: String,
    /// SHA-256 (hex) of the key.
    #[serde(skip)]
    pub key_hash: String,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Persistence of API keys.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Stores a new key; `Conflict` when the name is taken.
    async fn create_api_key(&self, name: &str, key_hash: &str) -> Result<ApiKey>;
    /// The key with this hash, revoked or not.
    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>>;
    /// Every key, newest first.
    async fn api_keys(&self) -> Result<Vec<ApiKey>>;
    /// Revokes a key (idempotent); `NotFound` when there is none.
    async fn revoke_api_key(&self, id: i64) -> Result<ApiKey>;
}
