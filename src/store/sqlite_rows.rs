//! Turning SQLite rows into store records, and times into stored milliseconds.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Conversation, ConversationState, Message, NewMessage, Result, Sender, StoreError, Ticket, TicketStatus};
use crate::ids::{SessionId, VisitorKey};

/// A time as stored (milliseconds since the epoch).
pub(super) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored time.
pub(super) fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Backend(format!("无法识别的{what}：{value}"))
}

/// A stored conversation id.
pub(super) fn session_id(raw: String) -> Result<SessionId> {
    SessionId::try_from(raw).map_err(|e| StoreError::Backend(e.to_string()))
}

/// A `conversations` row.
pub(super) fn conversation(row: &SqliteRow) -> Result<Conversation> {
    let state: String = row.try_get("state")?;
    Ok(Conversation {
        id: session_id(row.try_get("id")?)?,
        visitor: VisitorKey::from_stored(row.try_get("visitor")?),
        channel: row.try_get("channel")?,
        state: ConversationState::parse(&state).ok_or_else(|| corrupt("会话状态", &state))?,
        agent_id: row.try_get("agent_id")?,
        served_by: row.try_get("served_by")?,
        awaiting_rating: row.try_get::<i64, _>("awaiting_rating")? != 0,
        resolution: row.try_get("resolution")?,
        created_at: time(row.try_get("created_at")?),
    })
}

/// A `messages` row.
pub(super) fn message(row: &SqliteRow) -> Result<Message> {
    let sender: String = row.try_get("sender")?;
    Ok(Message {
        id: row.try_get("id")?,
        body: NewMessage {
            conversation_id: session_id(row.try_get("conversation_id")?)?,
            sender: Sender::parse(&sender).ok_or_else(|| corrupt("发送方", &sender))?,
            text: row.try_get("text")?,
            decision: None,
            entry_id: row.try_get("entry_id")?,
            confidence: row.try_get::<Option<f64>, _>("confidence")?.map(|c| c as f32),
            agent_id: row.try_get("agent_id")?,
            created_at: time(row.try_get("created_at")?),
        },
        decision: row.try_get("decision")?,
    })
}

/// A `tickets` row.
pub(super) fn ticket(row: &SqliteRow) -> Result<Ticket> {
    let status: String = row.try_get("status")?;
    Ok(Ticket {
        id: row.try_get("id")?,
        conversation_id: session_id(row.try_get("conversation_id")?)?,
        visitor: VisitorKey::from_stored(row.try_get("visitor")?),
        text: row.try_get("text")?,
        contact: row.try_get("contact")?,
        status: TicketStatus::parse(&status).ok_or_else(|| corrupt("留言状态", &status))?,
        answer: row.try_get("answer")?,
        agent_id: row.try_get("agent_id")?,
        created_at: time(row.try_get("created_at")?),
    })
}
