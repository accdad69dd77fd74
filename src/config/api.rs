//! `[api]` settings: who may use `/api/v1/ask` and its SSE twin.

use serde::{Deserialize, Serialize};

/// Access to the HTTP API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Whether requests without an API key are served (the demo, local
    /// trials). **Set to `false` in production**: anonymous callers share one
    /// `user_id` space, so anyone who guesses a bridged user's id can post as
    /// that user. With keys, each integration's user ids are its own.
    pub allow_anonymous: bool,
}

impl Default for Settings {
    fn default() -> Self {
        // True so that `taxbot serve` and the README's curl examples work out
        // of the box; the server warns at start while it is.
        Settings { allow_anonymous: true }
    }
}
