//! Agent presence shared between nodes on PostgreSQL: each node records the
//! agents connected to it (one row per agent and node) and announces the
//! change; the other nodes read the rows that are not their own. A living
//! node refreshes its rows ([`super::PRESENCE_TTL`]); the rows of a node that
//! died stop being refreshed, count as offline, and are finally removed by
//! another node, which then sends the dead node's conversations back.

use super::events::Event;
use super::postgres_events::notify;
use super::{PostgresStore, Result};

impl PostgresStore {
    /// Records `agent`'s presence on this node (`None`: not connected here
    /// any more) and announces it, in one transaction.
    pub(super) async fn record_presence(&self, agent: &str, presence: Option<&str>) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        match presence {
            Some(p) => {
                sqlx::query(
                    "INSERT INTO agent_presence (agent_id, node, presence, seen_at) VALUES ($1, $2, $3, now()) \
                     ON CONFLICT (agent_id, node) DO UPDATE SET presence = excluded.presence, seen_at = now()",
                )
                .bind(agent)
                .bind(&self.node)
                .bind(p)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM agent_presence WHERE agent_id = $1 AND node = $2")
                    .bind(agent)
                    .bind(&self.node)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        notify(&mut tx, &self.node, &Event::Presence).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The agents connected to other living nodes: (agent id, presence).
    pub(super) async fn presence_rows_elsewhere(&self) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT agent_id, presence FROM agent_presence \
             WHERE node <> $1 AND seen_at > now() - make_interval(secs => $2) ORDER BY agent_id, node",
        )
        .bind(&self.node)
        .bind(super::PRESENCE_TTL.as_secs_f64())
        .fetch_all(self.pool())
        .await?)
    }

    /// Marks this node's rows as alive now.
    pub(super) async fn refresh_presence(&self) -> Result<()> {
        sqlx::query("UPDATE agent_presence SET seen_at = now() WHERE node = $1")
            .bind(&self.node)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Removes other nodes' rows not refreshed for `secs` seconds; returns
    /// their agents (each row is removed, and so returned, by one node only).
    pub(super) async fn remove_dead_presence(&self, secs: f64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "DELETE FROM agent_presence WHERE node <> $1 AND seen_at < now() - make_interval(secs => $2) \
             RETURNING agent_id",
        )
        .bind(&self.node)
        .bind(secs)
        .fetch_all(self.pool())
        .await?)
    }

    /// Sends `event` to the other nodes now.
    pub(super) async fn announce_event(&self, event: &Event) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        notify(&mut conn, &self.node, event).await
    }
}
