//! The embedded SQLite store (WAL mode, migrations embedded in the binary).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, migrate::Migrator};

use super::rows::{agent, conversation, message, millis, queue_entry, rating, ticket, time};
use super::{
    Agent, Conversation, ConversationState, Feedback, Message, NewMessage, QueueEntry, Rating, Result, Store,
    StoreError, Ticket,
};
use crate::ids::{SessionId, VisitorKey};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a connection waits for the write lock before failing: long enough
/// to ride out a burst of writers, short enough to surface a stuck database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A SQLite database file.
///
/// Writes go through a pool of exactly one connection: SQLite admits one
/// writer at a time anyway, and several writer connections contend for the
/// lock through the busy handler, which sleeps for milliseconds and turns into
/// tail latency under load. Reads use their own pool and, thanks to WAL, never
/// wait for the writer.
pub struct SqliteStore {
    pool: SqlitePool,
    writer: SqlitePool,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => StoreError::Backend(other.to_string()),
        }
    }
}

impl SqliteStore {
    /// Opens (creating) the database file and applies pending migrations.
    /// Writes a consistent copy of the whole database to `dest` (a new
    /// file) while the store keeps serving (`VACUUM INTO`: one read
    /// transaction, so the copy is the state at one moment).
    pub async fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Conflict(format!("{} 已存在，不会覆盖", dest.display())));
        }
        let dest = dest.to_str().ok_or_else(|| StoreError::Backend("备份路径须为 UTF-8".into()))?;
        sqlx::query("VACUUM INTO ?").bind(dest).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn open(path: &Path, max_connections: u32) -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable across application crashes in WAL mode; only
            // a power loss may drop the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        MIGRATOR.run(&writer).await.map_err(|e| StoreError::Backend(format!("数据库迁移失败：{e}")))?;
        let pool = SqlitePoolOptions::new().max_connections(max_connections.max(1)).connect_with(options).await?;
        Ok(SqliteStore { pool, writer })
    }

    /// The reader pool (for the other `sqlite_*` trait impls).
    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The single-connection writer pool.
    pub(super) fn writer(&self) -> &SqlitePool {
        &self.writer
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

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at")
            .bind(millis(Utc::now()))
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    async fn touch_visitor(&self, key: &VisitorKey, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO visitors (key, created_at, last_seen) VALUES (?1, ?2, ?2) \
             ON CONFLICT(key) DO UPDATE SET last_seen = excluded.last_seen",
        )
        .bind(key.as_str())
        .bind(millis(now))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn visitor_last_seen(&self, key: &VisitorKey) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query("SELECT last_seen FROM visitors WHERE key = ?")
            .bind(key.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<i64, _>("last_seen")).transpose()?.map(time))
    }

    async fn create_conversation(&self, c: &Conversation) -> Result<()> {
        sqlx::query(
            "INSERT INTO conversations (id, visitor, channel, state, agent_id, served_by, \
             awaiting_rating, resolution, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(c.id.as_str())
        .bind(c.visitor.as_str())
        .bind(&c.channel)
        .bind(c.state.as_str())
        .bind(&c.agent_id)
        .bind(&c.served_by)
        .bind(i64::from(c.awaiting_rating))
        .bind(&c.resolution)
        .bind(millis(c.created_at))
        .bind(millis(Utc::now()))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn update_conversation(&self, c: &Conversation) -> Result<()> {
        let done = sqlx::query(
            "UPDATE conversations SET state = ?, agent_id = ?, served_by = ?, \
             awaiting_rating = ?, resolution = ?, updated_at = ? WHERE id = ?",
        )
        .bind(c.state.as_str())
        .bind(&c.agent_id)
        .bind(&c.served_by)
        .bind(i64::from(c.awaiting_rating))
        .bind(&c.resolution)
        .bind(millis(Utc::now()))
        .bind(c.id.as_str())
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn conversation(&self, id: &SessionId) -> Result<Conversation> {
        let row = sqlx::query(select_conversations!("WHERE id = ?")).bind(id.as_str()).fetch_one(&self.pool).await?;
        conversation(&row)
    }

    async fn latest_conversation(&self, visitor: &VisitorKey) -> Result<Option<Conversation>> {
        let row = sqlx::query(select_conversations!("WHERE visitor = ? ORDER BY created_at DESC, rowid DESC LIMIT 1"))
            .bind(visitor.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(conversation).transpose()
    }

    async fn conversations_in(&self, state: ConversationState) -> Result<Vec<Conversation>> {
        let rows = sqlx::query(select_conversations!("WHERE state = ? ORDER BY created_at"))
            .bind(state.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(conversation).collect()
    }

    async fn append_message(&self, m: &NewMessage) -> Result<i64> {
        let done = sqlx::query(
            "INSERT INTO messages (conversation_id, sender, text, decision, entry_id, \
             confidence, agent_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(m.conversation_id.as_str())
        .bind(m.sender.as_str())
        .bind(&m.text)
        .bind(m.decision)
        .bind(&m.entry_id)
        .bind(m.confidence.map(f64::from))
        .bind(&m.agent_id)
        .bind(millis(m.created_at))
        .execute(&self.writer)
        .await?;
        Ok(done.last_insert_rowid())
    }

    async fn append_messages(&self, m: &[NewMessage]) -> Result<Vec<i64>> {
        let [a, b] = m else {
            let mut ids = Vec::with_capacity(m.len());
            for one in m {
                ids.push(self.append_message(one).await?);
            }
            return Ok(ids);
        };
        // One statement, so one round trip to the writer and one commit.
        let mut q = sqlx::query(
            "INSERT INTO messages (conversation_id, sender, text, decision, entry_id, \
             confidence, agent_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?), \
             (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        );
        for x in [a, b] {
            q = q
                .bind(x.conversation_id.as_str())
                .bind(x.sender.as_str())
                .bind(&x.text)
                .bind(x.decision)
                .bind(&x.entry_id)
                .bind(x.confidence.map(f64::from))
                .bind(&x.agent_id)
                .bind(millis(x.created_at));
        }
        let rows = q.fetch_all(&self.writer).await?;
        let mut ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<std::result::Result<_, _>>()?;
        ids.sort_unstable();
        Ok(ids)
    }

    async fn message(&self, id: i64) -> Result<Message> {
        let row = sqlx::query("SELECT * FROM messages WHERE id = ?").bind(id).fetch_one(&self.pool).await?;
        message(&row)
    }

    async fn messages(&self, conversation: &SessionId, limit: u32) -> Result<Vec<Message>> {
        let rows = sqlx::query(
            "SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? \
             ORDER BY id DESC LIMIT ?) ORDER BY id",
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
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id) DO UPDATE SET \
             helpful = excluded.helpful, comment = excluded.comment, created_at = excluded.created_at",
        )
        .bind(f.message_id)
        .bind(f.conversation_id.as_str())
        .bind(i64::from(f.helpful))
        .bind(&f.comment)
        .bind(millis(Utc::now()))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn votes(&self, conversation: &SessionId) -> Result<Vec<(i64, bool)>> {
        let rows =
            sqlx::query("SELECT message_id, helpful FROM feedback WHERE conversation_id = ? ORDER BY message_id")
                .bind(conversation.as_str())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok((r.try_get("message_id")?, r.try_get::<i64, _>("helpful")? != 0))).collect()
    }

    async fn add_rating(&self, r: &Rating) -> Result<()> {
        sqlx::query(
            "INSERT INTO ratings (conversation_id, agent_id, stars, comment, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(r.conversation_id.as_str())
        .bind(&r.agent_id)
        .bind(i64::from(r.stars))
        .bind(&r.comment)
        .bind(millis(Utc::now()))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn ratings(&self, conversation: &SessionId) -> Result<Vec<Rating>> {
        let rows = sqlx::query("SELECT * FROM ratings WHERE conversation_id = ? ORDER BY id")
            .bind(conversation.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rating).collect()
    }

    async fn enqueue(&self, e: &QueueEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO queue_entries (conversation_id, enqueued_at) VALUES (?, ?) \
             ON CONFLICT(conversation_id) DO NOTHING",
        )
        .bind(e.conversation_id.as_str())
        .bind(millis(e.enqueued_at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn apply_handoff(&self, change: &super::HandoffChange) -> Result<()> {
        self.apply_handoff_change(change).await
    }

    async fn dequeue(&self, conversation: &SessionId) -> Result<()> {
        sqlx::query("DELETE FROM queue_entries WHERE conversation_id = ?")
            .bind(conversation.as_str())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn queue(&self) -> Result<Vec<QueueEntry>> {
        let rows = sqlx::query("SELECT * FROM queue_entries ORDER BY enqueued_at, rowid").fetch_all(&self.pool).await?;
        rows.iter().map(queue_entry).collect()
    }

    async fn create_ticket(&self, t: &Ticket) -> Result<Ticket> {
        let done = sqlx::query(
            "INSERT INTO tickets (conversation_id, visitor, text, contact, status, created_at) \
             VALUES (?, ?, ?, ?, 'open', ?)",
        )
        .bind(t.conversation_id.as_str())
        .bind(t.visitor.as_str())
        .bind(&t.text)
        .bind(&t.contact)
        .bind(millis(t.created_at))
        .execute(&self.writer)
        .await?;
        self.ticket(done.last_insert_rowid()).await
    }

    async fn ticket(&self, id: i64) -> Result<Ticket> {
        let row = sqlx::query("SELECT * FROM tickets WHERE id = ?").bind(id).fetch_one(&self.pool).await?;
        ticket(&row)
    }

    async fn answer_ticket(&self, id: i64, agent_id: &str, answer: &str) -> Result<Ticket> {
        let done = sqlx::query(
            "UPDATE tickets SET status = 'answered', answer = ?, agent_id = ?, answered_at = ? \
             WHERE id = ? AND status = 'open'",
        )
        .bind(answer)
        .bind(agent_id)
        .bind(millis(Utc::now()))
        .bind(id)
        .execute(&self.writer)
        .await?;
        let t = self.ticket(id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("留言 {id} 已有答复")));
        }
        Ok(t)
    }

    async fn mark_delivered(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE tickets SET status = 'delivered' WHERE id = ? AND status = 'answered'")
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn open_tickets(&self) -> Result<Vec<Ticket>> {
        let rows = sqlx::query("SELECT * FROM tickets WHERE status = 'open' ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(ticket).collect()
    }

    async fn undelivered_answers(&self, visitor: &VisitorKey) -> Result<Vec<Ticket>> {
        let rows = sqlx::query("SELECT * FROM tickets WHERE visitor = ? AND status = 'answered' ORDER BY id")
            .bind(visitor.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ticket).collect()
    }

    async fn upsert_agent(&self, a: &Agent) -> Result<()> {
        sqlx::query(
            "INSERT INTO agents (id, name, max_concurrent, updated_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, \
             max_concurrent = excluded.max_concurrent, updated_at = excluded.updated_at",
        )
        .bind(&a.id)
        .bind(&a.name)
        .bind(i64::from(a.max_concurrent))
        .bind(millis(Utc::now()))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn agents(&self) -> Result<Vec<Agent>> {
        let rows = sqlx::query("SELECT * FROM agents ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(agent).collect()
    }
}
