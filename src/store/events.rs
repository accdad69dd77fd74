//! Cross-node events: what one node tells the others sharing its database.
//!
//! The store stays the source of truth; an event only says *that* something
//! changed (and which row), so a receiver re-reads the store. On PostgreSQL
//! events travel through `LISTEN/NOTIFY` (see `postgres_events.rs`); the
//! SQLite store serves one node and has none (the node's own services
//! already act on their own changes).

use serde::{Deserialize, Serialize};

/// Something another node changed in the shared store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// The published knowledge (entries or word lists) changed: rebuild the
    /// index from the store.
    Knowledge,
    /// Notifications may have been missed (the listening connection was
    /// lost and is back): re-read everything that events keep current.
    Resync,
}

/// The envelope carried by one notification: the sending node and the event.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Envelope {
    /// The node that sent it (its own events are not delivered back to it).
    pub node: String,
    /// What changed.
    pub event: Event,
}

impl Envelope {
    /// The event in `payload` when another node than `me` sent it (`None`
    /// for this node's own events and for payloads that do not parse, e.g.
    /// from a newer version during a rolling upgrade).
    pub fn decode(payload: &str, me: &str) -> Option<Event> {
        match serde_json::from_str::<Envelope>(payload) {
            Ok(e) if e.node == me => None,
            Ok(e) => Some(e.event),
            Err(err) => {
                tracing::warn!(error = %err, "无法解析的跨节点通知，已忽略");
                None
            }
        }
    }

    /// The payload announcing `event` from `node`.
    pub fn encode(node: &str, event: &Event) -> String {
        serde_json::to_string(&Envelope { node: node.to_owned(), event: event.clone() })
            .unwrap_or_else(|_| String::from("{}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_hears_the_others_but_not_itself() {
        let payload = Envelope::encode("a", &Event::Knowledge);
        assert_eq!(Envelope::decode(&payload, "b"), Some(Event::Knowledge));
        assert_eq!(Envelope::decode(&payload, "a"), None);
        assert_eq!(Envelope::decode("not json", "b"), None);
    }
}
