//! Turning stored rows into store records, on either engine.
//!
//! The two schemas have the same tables and columns; they differ only in how
//! a time (SQLite: Unix milliseconds; PostgreSQL: `timestamptz`) and a flag
//! (SQLite: 0/1; PostgreSQL: `boolean`) are stored. [`StoredRow`] hides that
//! difference so each record has one conversion.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::accounts::{AdminSession, AuditEntry, User};
use super::api_keys::ApiKey;
use super::knowledge::KnowledgeVersion;
use super::{
    Agent, Conversation, ConversationState, Message, NewMessage, QueueEntry, Rating, Result, Sender, StoreError,
    Ticket, TicketStatus,
};
use crate::ids::{KnowledgeKind, SessionId, VersionState, VisitorKey};

/// A time as stored by SQLite (milliseconds since the epoch).
pub(super) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A time stored by SQLite.
pub(super) fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// A time at the precision both engines keep (PostgreSQL stores microseconds,
/// SQLite milliseconds), so a value reads back equal on both.
pub(super) fn stored(t: DateTime<Utc>) -> DateTime<Utc> {
    time(millis(t))
}

/// Column access shared by the SQLite and PostgreSQL rows.
pub(super) trait StoredRow {
    /// A text column.
    fn text(&self, col: &str) -> Result<String>;
    /// A nullable text column.
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
    /// An integer column.
    fn int(&self, col: &str) -> Result<i64>;
    /// A nullable float column.
    fn opt_float(&self, col: &str) -> Result<Option<f64>>;
    /// A flag column.
    fn flag(&self, col: &str) -> Result<bool>;
    /// A nullable time column.
    fn opt_at(&self, col: &str) -> Result<Option<DateTime<Utc>>>;
    /// A time column.
    fn at(&self, col: &str) -> Result<DateTime<Utc>> {
        Ok(self.opt_at(col)?.unwrap_or_default())
    }
}

impl StoredRow for SqliteRow {
    fn text(&self, col: &str) -> Result<String> {
        Ok(self.try_get(col)?)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        Ok(self.try_get(col)?)
    }
    fn int(&self, col: &str) -> Result<i64> {
        Ok(self.try_get(col)?)
    }
    fn opt_float(&self, col: &str) -> Result<Option<f64>> {
        Ok(self.try_get(col)?)
    }
    fn flag(&self, col: &str) -> Result<bool> {
        Ok(self.try_get::<i64, _>(col)? != 0)
    }
    fn opt_at(&self, col: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(self.try_get::<Option<i64>, _>(col)?.map(time))
    }
}

impl StoredRow for PgRow {
    fn text(&self, col: &str) -> Result<String> {
        Ok(self.try_get(col)?)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        Ok(self.try_get(col)?)
    }
    fn int(&self, col: &str) -> Result<i64> {
        Ok(self.try_get(col)?)
    }
    fn opt_float(&self, col: &str) -> Result<Option<f64>> {
        Ok(self.try_get(col)?)
    }
    fn flag(&self, col: &str) -> Result<bool> {
        Ok(self.try_get(col)?)
    }
    fn opt_at(&self, col: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(self.try_get(col)?)
    }
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Backend(format!("无法识别的{what}：{value}"))
}

/// A stored conversation id.
pub(super) fn session_id(raw: String) -> Result<SessionId> {
    SessionId::try_from(raw).map_err(|e| StoreError::Backend(e.to_string()))
}

/// A `conversations` row.
pub(super) fn conversation(row: &impl StoredRow) -> Result<Conversation> {
    let state = row.text("state")?;
    Ok(Conversation {
        id: session_id(row.text("id")?)?,
        visitor: VisitorKey::from_stored(row.text("visitor")?),
        channel: row.text("channel")?,
        state: ConversationState::parse(&state).ok_or_else(|| corrupt("会话状态", &state))?,
        agent_id: row.opt_text("agent_id")?,
        served_by: row.opt_text("served_by")?,
        awaiting_rating: row.flag("awaiting_rating")?,
        resolution: row.opt_text("resolution")?,
        created_at: row.at("created_at")?,
    })
}

/// A `messages` row.
pub(super) fn message(row: &impl StoredRow) -> Result<Message> {
    let sender = row.text("sender")?;
    Ok(Message {
        id: row.int("id")?,
        body: NewMessage {
            conversation_id: session_id(row.text("conversation_id")?)?,
            sender: Sender::parse(&sender).ok_or_else(|| corrupt("发送方", &sender))?,
            text: row.text("text")?,
            decision: None,
            entry_id: row.opt_text("entry_id")?,
            confidence: row.opt_float("confidence")?.map(|c| c as f32),
            agent_id: row.opt_text("agent_id")?,
            created_at: row.at("created_at")?,
        },
        decision: row.opt_text("decision")?,
    })
}

/// A `tickets` row.
pub(super) fn ticket(row: &impl StoredRow) -> Result<Ticket> {
    let status = row.text("status")?;
    Ok(Ticket {
        id: row.int("id")?,
        conversation_id: session_id(row.text("conversation_id")?)?,
        visitor: VisitorKey::from_stored(row.text("visitor")?),
        text: row.text("text")?,
        contact: row.opt_text("contact")?,
        status: TicketStatus::parse(&status).ok_or_else(|| corrupt("留言状态", &status))?,
        answer: row.opt_text("answer")?,
        agent_id: row.opt_text("agent_id")?,
        created_at: row.at("created_at")?,
    })
}

/// A `ratings` row.
pub(super) fn rating(row: &impl StoredRow) -> Result<Rating> {
    Ok(Rating {
        conversation_id: session_id(row.text("conversation_id")?)?,
        agent_id: row.opt_text("agent_id")?,
        stars: u8::try_from(row.int("stars")?).unwrap_or(0),
        comment: row.opt_text("comment")?,
    })
}

/// A `queue_entries` row.
pub(super) fn queue_entry(row: &impl StoredRow) -> Result<QueueEntry> {
    Ok(QueueEntry { conversation_id: session_id(row.text("conversation_id")?)?, enqueued_at: row.at("enqueued_at")? })
}

/// An `agents` row.
pub(super) fn agent(row: &impl StoredRow) -> Result<Agent> {
    Ok(Agent {
        id: row.text("id")?,
        name: row.text("name")?,
        max_concurrent: u32::try_from(row.int("max_concurrent")?).unwrap_or(1),
    })
}

/// A `users` row.
pub(super) fn user(r: &impl StoredRow) -> Result<User> {
    Ok(User {
        id: r.int("id")?,
        name: r.text("name")?,
        role: r.text("role")?,
        password_hash: r.text("password_hash")?,
        max_concurrent: u32::try_from(r.int("max_concurrent")?).unwrap_or(1),
        disabled: r.flag("disabled")?,
        created_at: r.at("created_at")?,
        updated_at: r.at("updated_at")?,
    })
}

/// An `admin_sessions` row.
pub(super) fn admin_session(r: &impl StoredRow) -> Result<AdminSession> {
    Ok(AdminSession {
        token_hash: r.text("token_hash")?,
        user_id: r.int("user_id")?,
        csrf: r.text("csrf")?,
        created_at: r.at("created_at")?,
        expires_at: r.at("expires_at")?,
        last_seen: r.at("last_seen")?,
    })
}

/// An `audit_log` row.
pub(super) fn audit_entry(r: &impl StoredRow) -> Result<AuditEntry> {
    let detail = r.text("detail")?;
    Ok(AuditEntry {
        id: r.int("id")?,
        at: r.at("at")?,
        actor: r.text("actor")?,
        action: r.text("action")?,
        target: r.text("target")?,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
        ip: r.opt_text("ip")?,
    })
}

/// A `knowledge_versions` row.
pub(super) fn knowledge_version(r: &impl StoredRow) -> Result<KnowledgeVersion> {
    Ok(KnowledgeVersion {
        kind: KnowledgeKind::parse(&r.text("kind")?).map_err(|e| StoreError::Backend(e.to_string()))?,
        key: r.text("key")?,
        version: r.int("version")?,
        content: r.text("content")?,
        state: VersionState::parse(&r.text("state")?).map_err(|e| StoreError::Backend(e.to_string()))?,
        author: r.text("author")?,
        created_at: r.at("created_at")?,
        reviewed_by: r.opt_text("reviewed_by")?,
        summary: r.text("summary")?,
    })
}

/// An `api_keys` row.
pub(super) fn api_key(r: &impl StoredRow) -> Result<ApiKey> {
    Ok(ApiKey {
        id: r.int("id")?,
        name: r.text("name")?,
        key_hash: r.text("key_hash")?,
        created_at: r.at("created_at")?,
        revoked_at: r.opt_at("revoked_at")?,
    })
}

/// A `canned_replies` row.
pub(super) fn canned_reply(r: &impl StoredRow) -> Result<super::desk::CannedReply> {
    Ok(super::desk::CannedReply {
        id: r.int("id")?,
        team: r.text("team")?,
        title: r.text("title")?,
        text: r.text("text")?,
        updated_by: r.text("updated_by")?,
        updated_at: r.at("updated_at")?,
    })
}

/// A row of the desk's history query (a conversation and its first question).
pub(super) fn closed_conversation(r: &impl StoredRow) -> Result<super::desk::ClosedConversation> {
    Ok(super::desk::ClosedConversation {
        session_id: session_id(r.text("id")?)?,
        created_at: r.at("created_at")?,
        closed_at: r.at("updated_at")?,
        served_by: r.opt_text("served_by")?,
        resolution: r.opt_text("resolution")?,
        first_question: r.opt_text("first_question")?,
    })
}
