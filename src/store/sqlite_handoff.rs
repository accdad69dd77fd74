//! Handoff state changes on SQLite: one transaction each, checked against the
//! stored state first (see [`HandoffChange`]).

use sqlx::Row;

use super::handoff::{HandoffChange, HandoffRecordChange, QueueChange};
use super::rows::millis;
use super::sqlite_analytics::{handoff_cancelled, handoff_connected, handoff_requested};
use super::{Result, Sender, SqliteStore, StoreError, handoff_outcome};

impl SqliteStore {
    /// Applies `change` atomically (see [`super::Store::apply_handoff`]).
    pub(super) async fn apply_handoff_change(&self, change: &HandoffChange) -> Result<()> {
        let id = change.conversation.as_str();
        let mut tx = self.writer().begin().await?;
        let row = sqlx::query("SELECT state, agent_id FROM conversations WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let state: String = row.try_get("state")?;
        let agent: Option<String> = row.try_get("agent_id")?;
        change.check(&state, agent.as_deref())?;
        let awaiting_rating = change.awaiting_rating().map(i64::from);
        sqlx::query(
            "UPDATE conversations SET state = ?, agent_id = ?, served_by = COALESCE(?, served_by), \
             awaiting_rating = COALESCE(?, awaiting_rating), resolution = COALESCE(?, resolution), \
             updated_at = ? WHERE id = ?",
        )
        .bind(change.to.as_str())
        .bind(&change.to_agent)
        .bind(&change.to_agent)
        .bind(awaiting_rating)
        .bind(&change.resolution)
        .bind(millis(change.at))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        match change.queue {
            QueueChange::Keep => {}
            QueueChange::Enqueue(at) => {
                sqlx::query(
                    "INSERT INTO queue_entries (conversation_id, enqueued_at) VALUES (?, ?) \
                     ON CONFLICT(conversation_id) DO UPDATE SET enqueued_at = excluded.enqueued_at",
                )
                .bind(id)
                .bind(millis(at))
                .execute(&mut *tx)
                .await?;
            }
            QueueChange::Remove => {
                sqlx::query("DELETE FROM queue_entries WHERE conversation_id = ?").bind(id).execute(&mut *tx).await?;
            }
        }
        match (&change.record, &change.to_agent) {
            (HandoffRecordChange::None, _) => {}
            (HandoffRecordChange::Requested, _) => {
                handoff_requested(&mut *tx, &change.conversation, change.at, handoff_outcome::QUEUED).await?
            }
            (HandoffRecordChange::Connected, Some(agent)) => {
                handoff_connected(&mut *tx, &change.conversation, agent, change.at).await?
            }
            (HandoffRecordChange::Connected, None) => {}
            (HandoffRecordChange::Cancelled, _) => handoff_cancelled(&mut *tx, &change.conversation).await?,
        }
        if let Some(note) = &change.note {
            sqlx::query(
                "INSERT INTO messages (conversation_id, sender, text, agent_id, created_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(Sender::Note.as_str())
            .bind(note)
            .bind(&change.from_agent)
            .bind(millis(change.at))
            .execute(&mut *tx)
            .await?;
        }
        if let Some(notice) = &change.notice {
            sqlx::query("INSERT INTO messages (conversation_id, sender, text, created_at) VALUES (?, ?, ?, ?)")
                .bind(id)
                .bind(Sender::System.as_str())
                .bind(notice)
                .bind(millis(change.at))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
