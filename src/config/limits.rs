//! `[limits]` settings: what one client (one address, one visitor) may hold or send.

use serde::{Deserialize, Serialize};

/// Per-client bounds, so that one client cannot starve the others.
///
/// A whole office behind one NAT address shares these, so they are set well
/// above what one person does (a person asks a question every few seconds and
/// keeps a tab or two open) and far below what a script does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Open connections from one address: TCP connections from a peer that is
    /// not a trusted proxy, and WebSockets per client address. More are closed
    /// at once (TCP) or answered 503 `overloaded` (WebSocket).
    #[serde(deserialize_with = "super::valid::positive")]
    pub connections_per_address: u32,
    /// Seconds a client has to send a request's headers (also how long an idle
    /// keep-alive connection stays open); slower ones are disconnected.
    #[serde(deserialize_with = "super::valid::positive")]
    pub header_read_secs: u64,
    /// Seconds a new WebSocket has to send `hello`; then it is closed.
    #[serde(deserialize_with = "super::valid::positive")]
    pub hello_secs: u64,
    /// Seconds a WebSocket may stay silent (no message and no ping from the
    /// client; its pongs do not count) before it is closed. The widget and
    /// the console send a `ping` every 25 s.
    #[serde(deserialize_with = "super::valid::positive")]
    pub idle_secs: u64,
    /// Seconds between the server's WebSocket pings (keep proxies from
    /// dropping a quiet connection, and find dead peers).
    #[serde(deserialize_with = "super::valid::positive")]
    pub ping_secs: u64,
    /// Questions (and other messages) per second from one address on every
    /// channel (per user on WeChat), on average...
    #[serde(deserialize_with = "super::valid::positive")]
    pub asks_per_sec: u32,
    /// ...and in a burst; more get `rate_limited`.
    #[serde(deserialize_with = "super::valid::positive")]
    pub ask_burst: u32,
    /// 留言 tickets one visitor may leave per day.
    pub tickets_per_visitor_per_day: u32,
    /// 留言 tickets one address may leave per day.
    pub tickets_per_address_per_day: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            connections_per_address: 100,
            header_read_secs: 10,
            hello_secs: 10,
            idle_secs: 120,
            ping_secs: 30,
            asks_per_sec: 5,
            ask_burst: 20,
            tickets_per_visitor_per_day: 5,
            tickets_per_address_per_day: 50,
        }
    }
}
