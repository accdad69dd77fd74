//! Cross-node events: what one node tells the others sharing its database.
//!
//! The store stays the source of truth; an event only says *that* something
//! changed (and which row), so a receiver re-reads the store. On PostgreSQL
//! events travel through `LISTEN/NOTIFY` (see `postgres_events.rs`); the
//! SQLite store serves one node and has none (the node's own services
//! already act on their own changes).

use serde::{Deserialize, Serialize};

use crate::ids::SessionId;

/// Something another node changed in the shared store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The published knowledge (entries or word lists) changed: rebuild the
    /// index from the store.
    Knowledge,
    /// A conversation's handoff state changed (queued, taken, transferred,
    /// sent back, closed, cancelled): re-read it and the queue.
    Handoff {
        /// The conversation.
        conversation: SessionId,
    },
    /// A message between a taxpayer and an agent was stored: the node where
    /// the other side is connected reads and relays it.
    Message {
        /// The conversation.
        conversation: SessionId,
        /// The stored message.
        id: i64,
    },
    /// An agent connected, disconnected or changed presence on another node.
    Presence,
    /// A 留言 ticket was left or answered.
    Ticket {
        /// The ticket.
        id: i64,
    },
    /// Notifications may have been missed (the listening connection was
    /// lost and is back): re-read everything that events keep current.
    /// Never sent; the listener delivers it after reconnecting.
    Resync,
}

/// [`Event`] as carried in a notification.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Wire {
    Knowledge,
    Handoff { conversation: String },
    Message { conversation: String, id: i64 },
    Presence,
    Ticket { id: i64 },
}

/// The envelope carried by one notification: the sending node and the event.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    /// The node that sent it (its own events are not delivered back to it).
    node: String,
    /// What changed.
    event: Wire,
}

/// The event in `payload` when another node than `me` sent it (`None` for
/// this node's own events and for payloads that do not parse, e.g. from a
/// newer version during a rolling upgrade).
pub(super) fn decode(payload: &str, me: &str) -> Option<Event> {
    let envelope = match serde_json::from_str::<Envelope>(payload) {
        Ok(e) => e,
        Err(err) => {
            tracing::warn!(error = %err, "无法解析的跨节点通知，已忽略");
            return None;
        }
    };
    if envelope.node == me {
        return None;
    }
    let session = |s: String| SessionId::try_from(s).ok();
    Some(match envelope.event {
        Wire::Knowledge => Event::Knowledge,
        Wire::Handoff { conversation } => Event::Handoff { conversation: session(conversation)? },
        Wire::Message { conversation, id } => Event::Message { conversation: session(conversation)?, id },
        Wire::Presence => Event::Presence,
        Wire::Ticket { id } => Event::Ticket { id },
    })
}

/// The payload announcing `event` from `node` (`None` for [`Event::Resync`],
/// which is never sent).
pub(super) fn encode(node: &str, event: &Event) -> Option<String> {
    let event = match event {
        Event::Knowledge => Wire::Knowledge,
        Event::Handoff { conversation } => Wire::Handoff { conversation: conversation.as_str().to_owned() },
        Event::Message { conversation, id } => {
            Wire::Message { conversation: conversation.as_str().to_owned(), id: *id }
        }
        Event::Presence => Wire::Presence,
        Event::Ticket { id } => Wire::Ticket { id: *id },
        Event::Resync => return None,
    };
    serde_json::to_string(&Envelope { node: node.to_owned(), event }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_hears_the_others_but_not_itself() {
        let id = SessionId::generate();
        for event in [
            Event::Knowledge,
            Event::Handoff { conversation: id.clone() },
            Event::Message { conversation: id.clone(), id: 7 },
            Event::Presence,
            Event::Ticket { id: 3 },
        ] {
            let payload = encode("a", &event).expect("sendable");
            assert_eq!(decode(&payload, "b"), Some(event.clone()));
            assert_eq!(decode(&payload, "a"), None);
        }
        assert_eq!(encode("a", &Event::Resync), None);
        assert_eq!(decode("not json", "b"), None);
        assert_eq!(decode(r#"{"node":"a","event":{"kind":"handoff","conversation":"x"}}"#, "b"), None);
    }
}
