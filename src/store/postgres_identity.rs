//! [`IdentityStore`] on PostgreSQL.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::Utc;
use sqlx::Row;

use super::identity::{IdentityStore, VisitorIdentity, columns, from_columns};
use super::rows::{session_id, stored};
use super::{PostgresStore, Result};
use crate::ids::SessionId;

#[async_trait]
impl IdentityStore for PostgresStore {
    async fn set_identity(&self, conversation: &SessionId, identity: &VisitorIdentity) -> Result<()> {
        let (verified, name, masked_id) = columns(identity);
        sqlx::query(
            "INSERT INTO visitor_identities (conversation_id, verified, name, masked_id, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conversation_id) DO UPDATE SET verified = excluded.verified, \
             name = excluded.name, masked_id = excluded.masked_id, updated_at = excluded.updated_at",
        )
        .bind(conversation.as_str())
        .bind(verified)
        .bind(name)
        .bind(masked_id)
        .bind(stored(Utc::now()))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn identity(&self, conversation: &SessionId) -> Result<Option<VisitorIdentity>> {
        let row = sqlx::query("SELECT verified, name, masked_id FROM visitor_identities WHERE conversation_id = $1")
            .bind(conversation.as_str())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| from_columns(r.get::<bool, _>(0), r.get(1), r.get(2))))
    }

    async fn identities(&self, conversations: &[SessionId]) -> Result<HashMap<SessionId, VisitorIdentity>> {
        let ids: Vec<&str> = conversations.iter().map(SessionId::as_str).collect();
        let rows = sqlx::query(
            "SELECT conversation_id, verified, name, masked_id FROM visitor_identities WHERE conversation_id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| Ok((session_id(r.get(0))?, from_columns(r.get::<bool, _>(1), r.get(2), r.get(3)))))
            .collect()
    }
}
