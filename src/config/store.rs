//! `[store]` settings.

use serde::{Deserialize, Serialize};

/// Where and how to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Directory of the embedded database (created on first start).
    pub data_dir: std::path::PathBuf,
    /// Database connections. SQLite allows one writer at a time, so a few
    /// connections are enough; readers use WAL snapshots.
    pub max_connections: u32,
    /// A PostgreSQL database (`postgres://user:password@host/db`) shared by
    /// several nodes; unset means the embedded SQLite database in `data_dir`.
    pub url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { data_dir: "data".into(), max_connections: 4, url: None }
    }
}
