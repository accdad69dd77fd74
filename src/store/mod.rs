//! Persistence behind the [`Store`] trait: conversations, messages (both
//! directions, with the decision and confidence of bot answers), feedback,
//! ratings, the human queue, tickets and agents, and the agent desk's canned
//! replies and history.
//!
//! SQLite is the embedded default; PostgreSQL (`[store] url = "postgres://…"`)
//! serves several nodes sharing one database. Both implement the whole trait
//! with the same behaviour (plain values in and out, no SQL types), checked by
//! the same contract tests.

mod accounts;
mod analytics;
mod api_keys;
mod copy;
mod desk;
mod events;
mod handoff;
mod identity;
mod knowledge;
mod model;
mod postgres;
mod postgres_accounts;
mod postgres_analytics;
mod postgres_api_keys;
mod postgres_desk;
mod postgres_events;
mod postgres_handoff;
mod postgres_identity;
mod postgres_knowledge;
mod postgres_presence;
mod postgres_retention;
mod retention;
mod rows;
mod sqlite;
mod sqlite_accounts;
mod sqlite_analytics;
mod sqlite_api_keys;
mod sqlite_desk;
mod sqlite_handoff;
mod sqlite_identity;
mod sqlite_knowledge;
mod sqlite_retention;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use crate::config::store::{Settings, redact_url};
pub use accounts::{AccountStore, AdminSession, AuditEntry, AuditFilter, User};
pub use analytics::{AnalyticsStore, AskedQuestion, HandoffRecord, RatingRecord, outcome as handoff_outcome};
pub use api_keys::{ApiKey, ApiKeyStore};
pub use copy::{CopyError, CopyReport, copy_sqlite_to_postgres};
pub use desk::{CannedReply, ClosedConversation, DeskStore, HistoryQuery, NewCannedReply};
pub use events::Event;
pub use handoff::{HandoffChange, HandoffRecordChange, QueueChange};
pub use identity::{IdentityStore, VisitorIdentity};
pub use knowledge::{KnowledgeStore, KnowledgeVersion, NewKnowledge};
pub use model::{
    Agent, Conversation, ConversationState, Feedback, Message, NewMessage, OFFERED_SEPARATOR, QueueEntry, Rating,
    Sender, Ticket, TicketStatus,
};
pub use postgres::PostgresStore;
pub use retention::{FORGOTTEN, PurgeCounts, RetentionStore};
pub use sqlite::SqliteStore;

use crate::api_error::{Code, ErrorCode};
use crate::ids::{SessionId, VisitorKey};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("记录不存在")]
    NotFound,
    /// The change conflicts with the stored state (e.g. already answered).
    #[error("记录已被修改：{0}")]
    Conflict(String),
    /// The database failed.
    #[error("存储暂时不可用：{0}")]
    Backend(String),
}

impl ErrorCode for StoreError {
    fn code(&self) -> Code {
        match self {
            StoreError::NotFound => Code::NotFound,
            StoreError::Conflict(_) => Code::Conflict,
            StoreError::Backend(_) => Code::StoreUnavailable,
        }
    }
}

/// Store results.
pub type Result<T> = std::result::Result<T, StoreError>;

/// How long an agent's presence on a node counts without the node's
/// heartbeat ([`Store::presence_heartbeat`]): a node that died is taken for
/// offline after this.
pub const PRESENCE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// Persistence used by the chat engine and the handoff hub.
#[async_trait]
pub trait Store:
    AccountStore + AnalyticsStore + ApiKeyStore + DeskStore + IdentityStore + KnowledgeStore + RetentionStore + Send + Sync
{
    /// Checks the database answers and takes a write (a full disk or a
    /// stuck lock fails it while reads may still work).
    async fn ping(&self) -> Result<()>;
    /// Flushes and closes; later calls fail.
    async fn close(&self);

    /// A new receiver of the changes other nodes sharing this database make
    /// ([`Event`]), listening when this returns; `None` when the store serves
    /// one node only (SQLite), whose services see their own changes.
    async fn subscribe(&self) -> Result<Option<tokio::sync::broadcast::Receiver<Event>>> {
        Ok(None)
    }

    /// Tells the other nodes sharing the database about `event` (nothing to
    /// do on SQLite).
    async fn announce(&self, _event: &Event) -> Result<()> {
        Ok(())
    }

    /// Records that `agent` is connected to this node with `presence`
    /// (`None`: no longer connected here) and tells the other nodes; nothing
    /// to do on SQLite, where the one node knows its own agents.
    async fn set_agent_presence(&self, _agent: &str, _presence: Option<&str>) -> Result<()> {
        Ok(())
    }

    /// The agents connected to other living nodes: (agent id, presence),
    /// one pair per agent and node (none on SQLite).
    async fn presence_elsewhere(&self) -> Result<Vec<(String, String)>> {
        Ok(Vec::new())
    }

    /// Tells the other nodes this node is alive: its presence rows stay
    /// valid for [`PRESENCE_TTL`] (nothing to do on SQLite).
    async fn presence_heartbeat(&self) -> Result<()> {
        Ok(())
    }

    /// Removes the presence of other nodes silent for `silent_for` (dead)
    /// and returns their agents, each to one caller only (none on SQLite).
    async fn take_dead_presence(&self, _silent_for: std::time::Duration) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Records that a visitor was seen now (creating it on first sight).
    async fn touch_visitor(&self, key: &VisitorKey, now: DateTime<Utc>) -> Result<()>;
    /// When a visitor was last seen, if ever.
    async fn visitor_last_seen(&self, key: &VisitorKey) -> Result<Option<DateTime<Utc>>>;

    /// Stores a new conversation.
    async fn create_conversation(&self, c: &Conversation) -> Result<()>;
    /// Saves a conversation's state, agent, rating flag and resolution.
    async fn update_conversation(&self, c: &Conversation) -> Result<()>;
    /// One conversation.
    async fn conversation(&self, id: &SessionId) -> Result<Conversation>;
    /// The visitor's most recent conversation.
    async fn latest_conversation(&self, visitor: &VisitorKey) -> Result<Option<Conversation>>;
    /// Conversations in a state (startup recovery).
    async fn conversations_in(&self, state: ConversationState) -> Result<Vec<Conversation>>;

    /// Appends a message; returns its id.
    async fn append_message(&self, m: &NewMessage) -> Result<i64>;
    /// Appends messages in one write, in order; returns their ids.
    async fn append_messages(&self, m: &[NewMessage]) -> Result<Vec<i64>>;
    /// One message.
    async fn message(&self, id: i64) -> Result<Message>;
    /// The last `limit` messages of a conversation, oldest first.
    async fn messages(&self, conversation: &SessionId, limit: u32) -> Result<Vec<Message>>;

    /// Stores a vote on an answer; it replaces an earlier vote on the same
    /// answer (one vote per answer, changeable).
    async fn add_feedback(&self, f: &Feedback) -> Result<()>;
    /// The votes on a conversation's answers: (answer message id, helpful).
    async fn votes(&self, conversation: &SessionId) -> Result<Vec<(i64, bool)>>;
    /// Stores a rating.
    async fn add_rating(&self, r: &Rating) -> Result<()>;
    /// Ratings of a conversation.
    async fn ratings(&self, conversation: &SessionId) -> Result<Vec<Rating>>;

    /// Puts a conversation in the queue (idempotent).
    async fn enqueue(&self, e: &QueueEntry) -> Result<()>;
    /// Applies one handoff state change in one transaction, or nothing
    /// ([`StoreError::Conflict`] when the conversation is no longer in the
    /// state the change expects).
    async fn apply_handoff(&self, change: &HandoffChange) -> Result<()>;
    /// Takes a conversation out of the queue (idempotent).
    async fn dequeue(&self, conversation: &SessionId) -> Result<()>;
    /// The queue, first come first.
    async fn queue(&self) -> Result<Vec<QueueEntry>>;

    /// Stores a new ticket; fills in its number.
    async fn create_ticket(&self, t: &Ticket) -> Result<Ticket>;
    /// One ticket.
    async fn ticket(&self, id: i64) -> Result<Ticket>;
    /// Answers an open ticket; `Conflict` when it was answered already.
    async fn answer_ticket(&self, id: i64, agent_id: &str, answer: &str) -> Result<Ticket>;
    /// Marks an answered ticket as seen by the taxpayer.
    async fn mark_delivered(&self, id: i64) -> Result<()>;
    /// Open tickets, oldest first.
    async fn open_tickets(&self) -> Result<Vec<Ticket>>;
    /// Answered tickets the visitor has not seen yet.
    async fn undelivered_answers(&self, visitor: &VisitorKey) -> Result<Vec<Ticket>>;

    /// Creates or updates an agent account.
    async fn upsert_agent(&self, a: &Agent) -> Result<()>;
    /// All agent accounts.
    async fn agents(&self) -> Result<Vec<Agent>>;
}

/// Opens the configured store: PostgreSQL when `settings.url` is set,
/// otherwise the embedded SQLite database in `settings.data_dir` (created if
/// missing). Either way the embedded migrations are applied.
pub async fn open(settings: &Settings) -> Result<Arc<dyn Store>> {
    match settings.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            let store = open_url(url, settings.max_connections).await?;
            tracing::info!(url = %redact_url(url), "PostgreSQL store opened");
            Ok(Arc::new(store))
        }
        None => Ok(Arc::new(open_sqlite(settings).await?)),
    }
}

/// Opens the embedded SQLite store in `settings.data_dir` (created if missing).
pub async fn open_sqlite(settings: &Settings) -> Result<SqliteStore> {
    let dir: &Path = &settings.data_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| StoreError::Backend(format!("无法创建数据目录 {}: {e}", dir.display())))?;
    SqliteStore::open(&dir.join("taxbot.db"), settings.max_connections).await
}

/// Opens a PostgreSQL store at `url`; any other scheme is refused.
pub async fn open_url(url: &str, max_connections: u32) -> Result<PostgresStore> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::Backend(format!(
            "不支持的数据库地址：{}（[store] url 只接受 postgres://…）",
            redact_url(url)
        )));
    }
    PostgresStore::open(url, max_connections).await
}
