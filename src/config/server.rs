//! `[server]` settings.

use serde::{Deserialize, Serialize};

/// Listener and connection limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (logged at start).
    #[serde(deserialize_with = "super::valid::bind")]
    pub bind: String,
    /// Most WebSocket connections at once; more get HTTP 503.
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_connections: usize,
    /// Largest accepted WebSocket text frame in bytes; larger ones get an
    /// `error` frame (and frames 8 times larger close the connection).
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_frame_bytes: usize,
    /// Messages per second one connection may send on average...
    #[serde(deserialize_with = "super::valid::positive")]
    pub messages_per_sec: u32,
    /// ...and in a burst.
    #[serde(deserialize_with = "super::valid::positive")]
    pub message_burst: u32,
    /// How long shutdown waits for connections to finish. Work still running
    /// at half of it (a long paced answer) is cut so every client still gets
    /// `server.restarting` and a close frame (1001) in time.
    pub shutdown_grace_secs: u64,
    /// After a stop signal, how long the listener still answers (`/readyz` 503,
    /// new sockets refused with 503) so a load balancer sees the node leave
    /// before it stops accepting connections.
    pub drain_secs: u64,
    /// Reverse proxies in front of the server (addresses or CIDR blocks such as
    /// `10.0.0.0/8`): only from these are `X-Forwarded-For` and
    /// `X-Forwarded-Proto` believed, and the client is the right-most address in
    /// `X-Forwarded-For` that is not one of them. Empty: the socket peer is the client.
    #[serde(deserialize_with = "super::valid::proxies")]
    pub trust_proxy: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            max_connections: 10_000,
            max_frame_bytes: 8 * 1024,
            messages_per_sec: 5,
            message_burst: 10,
            shutdown_grace_secs: 10,
            drain_secs: 2,
            trust_proxy: Vec::new(),
        }
    }
}
