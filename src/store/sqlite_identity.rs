//! [`IdentityStore`] on SQLite.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::Utc;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::identity::{IdentityStore, VisitorIdentity, columns, from_columns};
use super::rows::{millis, session_id};
use super::{Result, SqliteStore};
use crate::ids::SessionId;

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn set_identity(&self, conversation: &SessionId, identity: &VisitorIdentity) -> Result<()> {
        let (verified, name, masked_id) = columns(identity);
        sqlx::query(
            "INSERT INTO visitor_identities (conversation_id, verified, name, masked_id, updated_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET verified = excluded.verified, \
             name = excluded.name, masked_id = excluded.masked_id, updated_at = excluded.updated_at",
        )
        .bind(conversation.as_str())
        .bind(verified)
        .bind(name)
        .bind(masked_id)
        .bind(millis(Utc::now()))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn identity(&self, conversation: &SessionId) -> Result<Option<VisitorIdentity>> {
        let row = sqlx::query("SELECT verified, name, masked_id FROM visitor_identities WHERE conversation_id = ?")
            .bind(conversation.as_str())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| from_columns(r.get::<bool, _>(0), r.get(1), r.get(2))))
    }

    async fn identities(&self, conversations: &[SessionId]) -> Result<HashMap<SessionId, VisitorIdentity>> {
        if conversations.is_empty() {
            return Ok(HashMap::new());
        }
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT conversation_id, verified, name, masked_id FROM visitor_identities WHERE conversation_id IN (",
        );
        let mut ids = query.separated(", ");
        for c in conversations {
            ids.push_bind(c.as_str());
        }
        query.push(")");
        let rows = query.build().fetch_all(self.pool()).await?;
        rows.into_iter()
            .map(|r| Ok((session_id(r.get(0))?, from_columns(r.get::<bool, _>(1), r.get(2), r.get(3)))))
            .collect()
    }
}
