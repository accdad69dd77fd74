//! Handoff state changes on PostgreSQL: one transaction each, checked against
//! the stored state first (see [`HandoffChange`]).
//!
//! Unlike SQLite, writers run concurrently here (and on several nodes), so
//! the conversation row is locked with `SELECT … FOR UPDATE` before the
//! check: a second change of the same conversation waits for the first to
//! commit and then sees the state it left. Each change is announced to the
//! other nodes ([`Event::Handoff`]) in the same transaction.

use sqlx::Row;

use super::events::Event;
use super::handoff::{HandoffChange, HandoffRecordChange, QueueChange};
use super::postgres::text;
use super::postgres_analytics::{handoff_cancelled, handoff_connected, handoff_requested};
use super::postgres_events::notify;
use super::{PostgresStore, Result, Sender, StoreError, handoff_outcome};

impl PostgresStore {
    /// Applies `change` atomically (see [`super::Store::apply_handoff`]).
    pub(super) async fn apply_handoff_change(&self, change: &HandoffChange) -> Result<()> {
        let id = change.conversation.as_str();
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query("SELECT state, agent_id FROM conversations WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let state: String = row.try_get("state")?;
        let agent: Option<String> = row.try_get("agent_id")?;
        change.check(&state, agent.as_deref())?;
        let awaiting_rating = change.awaiting_rating();
        sqlx::query(
            "UPDATE conversations SET state = $1, agent_id = $2, served_by = COALESCE($2, served_by), \
             awaiting_rating = COALESCE($3, awaiting_rating), resolution = COALESCE($4, resolution), \
             updated_at = $5 WHERE id = $6",
        )
        .bind(change.to.as_str())
        .bind(&change.to_agent)
        .bind(awaiting_rating)
        .bind(change.resolution.as_deref().map(text))
        .bind(change.at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        match change.queue {
            QueueChange::Keep => {}
            QueueChange::Enqueue(at) => {
                sqlx::query(
                    "INSERT INTO queue_entries (conversation_id, enqueued_at) VALUES ($1, $2) \
                     ON CONFLICT (conversation_id) DO UPDATE SET enqueued_at = excluded.enqueued_at",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            QueueChange::Remove => {
                sqlx::query("DELETE FROM queue_entries WHERE conversation_id = $1").bind(id).execute(&mut *tx).await?;
            }
        }
        match (&change.record, &change.to_agent) {
            (HandoffRecordChange::None, _) | (HandoffRecordChange::Connected, None) => {}
            (HandoffRecordChange::Requested, _) => {
                handoff_requested(&mut *tx, &change.conversation, change.at, handoff_outcome::QUEUED).await?
            }
            (HandoffRecordChange::Connected, Some(agent)) => {
                handoff_connected(&mut *tx, &change.conversation, agent, change.at).await?
            }
            (HandoffRecordChange::Cancelled, _) => handoff_cancelled(&mut *tx, &change.conversation).await?,
        }
        if let Some(note) = &change.note {
            sqlx::query(
                "INSERT INTO messages (conversation_id, sender, text, agent_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(Sender::Note.as_str())
            .bind(text(note))
            .bind(&change.from_agent)
            .bind(change.at)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(notice) = &change.notice {
            sqlx::query("INSERT INTO messages (conversation_id, sender, text, created_at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(Sender::System.as_str())
                .bind(text(notice))
                .bind(change.at)
                .execute(&mut *tx)
                .await?;
        }
        // Delivered to the other nodes when (and only if) this commits.
        notify(&mut tx, &self.node, &Event::Handoff { conversation: change.conversation.clone() }).await?;
        tx.commit().await?;
        Ok(())
    }
}
