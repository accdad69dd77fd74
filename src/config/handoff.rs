//! `[handoff]` settings.

use serde::{Deserialize, Serialize};

/// How waiting conversations reach agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// Agents pick conversations from the queue with `accept`.
    Manual,
    /// The head of the queue goes to the online agent serving the fewest.
    LeastLoad,
}

/// Handoff configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Manual accept or least-load assignment.
    pub assignment: Assignment,
    /// When agents are on duty.
    pub hours: Hours,
    /// Average handling time of one conversation, for the estimated wait.
    pub average_handle_secs: u64,
    /// Messages of the bot transcript shown to agents per conversation.
    pub transcript_messages: u32,
    /// Events buffered per connected agent or taxpayer; a client that falls
    /// this far behind misses pushes (it can reload; messages are stored).
    #[serde(deserialize_with = "super::valid::positive")]
    pub event_buffer: usize,
    /// Open 留言 tickets an agent's `agent.welcome` carries (newest first) and
    /// the page size of `list_tickets` (a flood of tickets must not make the
    /// welcome frame megabytes long).
    #[serde(deserialize_with = "super::valid::positive")]
    pub welcome_tickets: usize,
    /// Several nodes: how long the agents of a node that died have to
    /// reconnect (to any node) before their conversations go back to the
    /// queue, counted from when the node is taken for dead.
    pub node_grace_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            assignment: Assignment::Manual,
            hours: Hours::default(),
            average_handle_secs: 240,
            transcript_messages: 30,
            event_buffer: 64,
            welcome_tickets: 50,
            node_grace_secs: 30,
        }
    }
}

/// Opening hours as configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hours {
    /// Offset of the office's time zone from UTC, in hours (China: 8).
    pub utc_offset_hours: i32,
    /// Open days, 1 = Monday … 7 = Sunday.
    pub days: Vec<u8>,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM` (`24:00` for midnight).
    pub close: String,
}

impl Default for Hours {
    fn default() -> Self {
        Hours { utc_offset_hours: 8, days: vec![1, 2, 3, 4, 5], open: "09:00".into(), close: "18:00".into() }
    }
}
