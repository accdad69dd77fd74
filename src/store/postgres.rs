//! The PostgreSQL store, for several nodes sharing one database (migrations
//! in `migrations/postgres/`, embedded in the binary and applied on open).
//!
//! SQLite serialises writers; here concurrent writers are real, so the
//! read-modify-write paths take row locks (`SELECT … FOR UPDATE`) or a
//! transaction-scoped advisory lock where the row may not exist yet.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use tokio::sync::{OnceCell, broadcast};
use tokio_util::sync::CancellationToken;

use super::events::Event;
use super::rows::{agent, conversation, message, queue_entry, rating, ticket};
use super::{
    Agent, Conversation, ConversationState, Feedback, Message, NewMessage, QueueEntry, Rating, Result, Store,
    StoreError, Ticket,
};
use crate::ids::{SessionId, VisitorKey};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// A PostgreSQL database shared by every node.
pub struct PostgresStore {
    pool: PgPool,
    /// This node's id in cross-node events (random per open).
    pub(super) node: String,
    /// The other nodes' events, once something subscribed.
    pub(super) events: OnceCell<broadcast::Sender<Event>>,
    /// Stops the listener on close.
    pub(super) stop: CancellationToken,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and applies pending migrations.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .connect(url)
            .await
            .map_err(|e| StoreError::Backend(format!("无法连接 PostgreSQL：{e}")))?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Backend(format!("数据库迁移失败：{e}")))?;
        Ok(PostgresStore {
            pool,
            node: uuid::Uuid::new_v4().simple().to_string(),
            events: OnceCell::new(),
            stop: CancellationToken::new(),
        })
    }

    /// The connection pool (for the other `postgres_*` trait impls).
    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The conversation columns, as a literal so that queries stay static strings.
macro_rules! select_conversations {
    ($rest:literal) => {
        concat!(
            "SELECT id, visitor, channel, state, agent_id, served_by, awaiting_rating, ",
            "resolution, created_at FROM conversations ",
            $rest
        )
    };
}

const INSERT_MESSAGE: &str = "INSERT INTO messages (conversation_id, sender, text, decision, entry_id, \
     confidence, agent_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query(
            "INSERT INTO health (id, checked_at) VALUES (1, now()) \
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn close(&self) {
        self.stop.cancel();
        self.pool.close().await;
    }

    async fn subscribe(&self) -> Result<Option<broadcast::Receiver<Event>>> {
        Ok(Some(self.subscribe_events().await?))
    }

    async fn announce(&self, event: &Event) -> Result<()> {
        self.announce_event(event).await
    }

    async fn set_agent_presence(&self, agent: &str, presence: Option<&str>) -> Result<()> {
        self.record_presence(agent, presence).await
    }

    async fn presence_elsewhere(&self) -> Result<Vec<(String, String)>> {
        self.presence_rows_elsewhere().await
    }

    async fn presence_heartbeat(&self) -> Result<()> {
        self.refresh_presence().await
    }

    async fn take_dead_presence(&self, silent_for: std::time::Duration) -> Result<Vec<String>> {
        self.remove_dead_presence(silent_for.as_secs_f64()).await
    }

    async fn touch_visitor(&self, key: &VisitorKey, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO visitors (key, created_at, last_seen) VALUES ($1, $2, $2) \
             ON CONFLICT (key) DO UPDATE SET last_seen = excluded.last_seen",
        )
        .bind(key.as_str())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn visitor_last_seen(&self, key: &VisitorKey) -> Result<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar("SELECT last_seen FROM visitors WHERE key = $1")
            .bind(key.as_str())
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn create_conversation(&self, c: &Conversation) -> Result<()> {
        sqlx::query(
            "INSERT INTO conversations (id, visitor, channel, state, agent_id, served_by, \
             awaiting_rating, resolution, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())",
        )
        .bind(c.id.as_str())
        .bind(c.visitor.as_str())
        .bind(&c.channel)
        .bind(c.state.as_str())
        .bind(&c.agent_id)
        .bind(&c.served_by)
        .bind(c.awaiting_rating)
        .bind(c.resolution.as_deref().map(text))
        .bind(c.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn update_conversation(&self, c: &Conversation) -> Result<()> {
        let done = sqlx::query(
            "UPDATE conversations SET state = $1, agent_id = $2, served_by = $3, \
             awaiting_rating = $4, resolution = $5, updated_at = now() WHERE id = $6",
        )
        .bind(c.state.as_str())
        .bind(&c.agent_id)
        .bind(&c.served_by)
        .bind(c.awaiting_rating)
        .bind(c.resolution.as_deref().map(text))
        .bind(c.id.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn conversation(&self, id: &SessionId) -> Result<Conversation> {
        let row = sqlx::query(select_conversations!("WHERE id = $1")).bind(id.as_str()).fetch_one(&self.pool).await?;
        conversation(&row)
    }

    async fn latest_conversation(&self, visitor: &VisitorKey) -> Result<Option<Conversation>> {
        let row = sqlx::query(select_conversations!("WHERE visitor = $1 ORDER BY created_at DESC, seq DESC LIMIT 1"))
            .bind(visitor.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(conversation).transpose()
    }

    async fn conversations_in(&self, state: ConversationState) -> Result<Vec<Conversation>> {
        let rows = sqlx::query(select_conversations!("WHERE state = $1 ORDER BY created_at, seq"))
            .bind(state.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(conversation).collect()
    }

    async fn append_message(&self, m: &NewMessage) -> Result<i64> {
        Ok(bind_message(sqlx::query_scalar(INSERT_MESSAGE), m).fetch_one(&self.pool).await?)
    }

    async fn append_messages(&self, m: &[NewMessage]) -> Result<Vec<i64>> {
        // One transaction: the messages commit together and get ids in order.
        let mut tx = self.pool.begin().await?;
        let mut ids = Vec::with_capacity(m.len());
        for one in m {
            ids.push(bind_message(sqlx::query_scalar(INSERT_MESSAGE), one).fetch_one(&mut *tx).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn message(&self, id: i64) -> Result<Message> {
        let row = sqlx::query("SELECT * FROM messages WHERE id = $1").bind(id).fetch_one(&self.pool).await?;
        message(&row)
    }

    async fn messages(&self, conversation: &SessionId, limit: u32) -> Result<Vec<Message>> {
        let rows = sqlx::query(
            "SELECT * FROM (SELECT * FROM messages WHERE conversation_id = $1 \
             ORDER BY id DESC LIMIT $2) AS last ORDER BY id",
        )
        .bind(conversation.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message).collect()
    }

    async fn add_feedback(&self, f: &Feedback) -> Result<()> {
        sqlx::query(
            "INSERT INTO feedback (message_id, conversation_id, helpful, comment, created_at) \
             VALUES ($1, $2, $3, $4, now()) ON CONFLICT (message_id) DO UPDATE SET \
             helpful = excluded.helpful, comment = excluded.comment, created_at = excluded.created_at",
        )
        .bind(f.message_id)
        .bind(f.conversation_id.as_str())
        .bind(f.helpful)
        .bind(f.comment.as_deref().map(text))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn votes(&self, conversation: &SessionId) -> Result<Vec<(i64, bool)>> {
        let rows =
            sqlx::query("SELECT message_id, helpful FROM feedback WHERE conversation_id = $1 ORDER BY message_id")
                .bind(conversation.as_str())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok((sqlx::Row::try_get(r, "message_id")?, sqlx::Row::try_get(r, "helpful")?))).collect()
    }

    async fn add_rating(&self, r: &Rating) -> Result<()> {
        sqlx::query(
            "INSERT INTO ratings (conversation_id, agent_id, stars, comment, created_at) \
             VALUES ($1, $2, $3, $4, now())",
        )
        .bind(r.conversation_id.as_str())
        .bind(&r.agent_id)
        .bind(i64::from(r.stars))
        .bind(r.comment.as_deref().map(text))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn ratings(&self, conversation: &SessionId) -> Result<Vec<Rating>> {
        let rows = sqlx::query("SELECT * FROM ratings WHERE conversation_id = $1 ORDER BY id")
            .bind(conversation.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rating).collect()
    }

    async fn enqueue(&self, e: &QueueEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO queue_entries (conversation_id, enqueued_at) VALUES ($1, $2) \
             ON CONFLICT (conversation_id) DO NOTHING",
        )
        .bind(e.conversation_id.as_str())
        .bind(e.enqueued_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn apply_handoff(&self, change: &super::HandoffChange) -> Result<()> {
        self.apply_handoff_change(change).await
    }

    async fn dequeue(&self, conversation: &SessionId) -> Result<()> {
        sqlx::query("DELETE FROM queue_entries WHERE conversation_id = $1")
            .bind(conversation.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn queue(&self) -> Result<Vec<QueueEntry>> {
        let rows = sqlx::query("SELECT * FROM queue_entries ORDER BY enqueued_at, seq").fetch_all(&self.pool).await?;
        rows.iter().map(queue_entry).collect()
    }

    async fn create_ticket(&self, t: &Ticket) -> Result<Ticket> {
        let row = sqlx::query(
            "INSERT INTO tickets (conversation_id, visitor, text, contact, status, created_at) \
             VALUES ($1, $2, $3, $4, 'open', $5) RETURNING *",
        )
        .bind(t.conversation_id.as_str())
        .bind(t.visitor.as_str())
        .bind(text(&t.text))
        .bind(t.contact.as_deref().map(text))
        .bind(t.created_at)
        .fetch_one(&self.pool)
        .await?;
        ticket(&row)
    }

    async fn ticket(&self, id: i64) -> Result<Ticket> {
        let row = sqlx::query("SELECT * FROM tickets WHERE id = $1").bind(id).fetch_one(&self.pool).await?;
        ticket(&row)
    }

    async fn answer_ticket(&self, id: i64, agent_id: &str, answer: &str) -> Result<Ticket> {
        // The row lock makes two agents answering at once see each other:
        // the second waits, then finds the ticket answered.
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT * FROM tickets WHERE id = $1 FOR UPDATE").bind(id).fetch_one(&mut *tx).await?;
        let current = ticket(&row)?;
        if current.status != super::TicketStatus::Open {
            return Err(StoreError::Conflict(format!("留言 {id} 已有答复")));
        }
        let row = sqlx::query(
            "UPDATE tickets SET status = 'answered', answer = $1, agent_id = $2, answered_at = now() \
             WHERE id = $3 RETURNING *",
        )
        .bind(text(answer))
        .bind(agent_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        ticket(&row)
    }

    async fn mark_delivered(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE tickets SET status = 'delivered' WHERE id = $1 AND status = 'answered'")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn open_tickets(&self) -> Result<Vec<Ticket>> {
        let rows = sqlx::query("SELECT * FROM tickets WHERE status = 'open' ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(ticket).collect()
    }

    async fn undelivered_answers(&self, visitor: &VisitorKey) -> Result<Vec<Ticket>> {
        let rows = sqlx::query("SELECT * FROM tickets WHERE visitor = $1 AND status = 'answered' ORDER BY id")
            .bind(visitor.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ticket).collect()
    }

    async fn upsert_agent(&self, a: &Agent) -> Result<()> {
        sqlx::query(
            "INSERT INTO agents (id, name, max_concurrent, updated_at) VALUES ($1, $2, $3, now()) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             max_concurrent = excluded.max_concurrent, updated_at = excluded.updated_at",
        )
        .bind(&a.id)
        .bind(&a.name)
        .bind(i64::from(a.max_concurrent))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn agents(&self) -> Result<Vec<Agent>> {
        let rows = sqlx::query("SELECT * FROM agents ORDER BY id COLLATE \"C\"").fetch_all(&self.pool).await?;
        rows.iter().map(agent).collect()
    }
}

type InsertId<'q> = sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments>;

/// Binds a message's columns in `INSERT_MESSAGE` order.
fn bind_message<'q>(q: InsertId<'q>, m: &'q NewMessage) -> InsertId<'q> {
    q.bind(m.conversation_id.as_str())
        .bind(m.sender.as_str())
        .bind(text(&m.text))
        .bind(m.decision)
        .bind(&m.entry_id)
        .bind(m.confidence.map(f64::from))
        .bind(&m.agent_id)
        .bind(m.created_at)
}

/// Maps a unique violation to `Conflict` with `what`, anything else as usual.
pub(super) fn unique_conflict(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what()),
        other => other.into(),
    }
}

/// Free text as PostgreSQL can hold it: `text` cannot contain NUL (SQLite
/// can), so a NUL a client sent is stored as U+FFFD instead of failing the
/// whole write.
pub(super) fn text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') { std::borrow::Cow::Owned(s.replace('\0', "\u{fffd}")) } else { std::borrow::Cow::Borrowed(s) }
}
