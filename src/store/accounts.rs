//! Console accounts, sign-in sessions and the audit log, as plain values.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Result;

/// A console account. `role` is the lowercase role name (`agent`, `editor`, `admin`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// Stable numeric id.
    pub id: i64,
    /// Unique sign-in name (also the display name).
    pub name: String,
    /// `agent`, `editor` or `admin`.
    pub role: String,
    /// Argon2 PHC string; never sent to clients.
    #[serde(skip)]
    pub password_hash: String,
    /// Most conversations an agent serves at once.
    pub max_concurrent: u32,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// A signed-in browser. The cookie holds a random token; only its hash is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminSession {
    /// SHA-256 (hex) of the cookie token.
    pub token_hash: String,
    /// The account.
    pub user_id: i64,
    /// The token state-changing requests must echo in `x-csrf-token`.
    pub csrf: String,
    /// When signed in.
    pub created_at: DateTime<Utc>,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
    /// Last request seen (updated at most once a minute).
    pub last_seen: DateTime<Utc>,
}

/// One audit-log line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Row id (0 before it is stored).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (user name, `cli`, or the name tried in a failed login).
    pub actor: String,
    /// Dotted action name (`login`, `user.add`, `entry.publish`, ...).
    pub action: String,
    /// What was acted on.
    pub target: String,
    /// Free-form details.
    pub detail: serde_json::Value,
    /// Client address, when known.
    pub ip: Option<String>,
}

/// Audit-log filters; empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    /// Exact actor.
    pub actor: Option<String>,
    /// Exact action, or a prefix ending in `.` (e.g. `user.`).
    pub action: Option<String>,
    /// From (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until (exclusive).
    pub until: Option<DateTime<Utc>>,
    /// Most rows, newest first.
    pub limit: u32,
}

/// Persistence of accounts, sessions and the audit log.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Stores a new user (id and times are filled in); `Conflict` when the name is taken.
    async fn create_user(&self, u: &User) -> Result<User>;
    /// One user by id.
    async fn user(&self, id: i64) -> Result<User>;
    /// One user by name.
    async fn user_by_name(&self, name: &str) -> Result<Option<User>>;
    /// All users, by name.
    async fn users(&self) -> Result<Vec<User>>;
    /// Saves role, password hash, max_concurrent and the disabled flag.
    async fn update_user(&self, u: &User) -> Result<()>;

    /// Stores a new session.
    async fn create_session(&self, s: &AdminSession) -> Result<()>;
    /// A session by token hash (expired ones included; the caller checks).
    async fn session(&self, token_hash: &str) -> Result<Option<AdminSession>>;
    /// Records activity on a session.
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()>;
    /// Ends one session (idempotent).
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Ends every session of a user; returns how many.
    async fn delete_user_sessions(&self, user_id: i64) -> Result<u64>;

    /// Appends to the audit log; returns the row id.
    async fn add_audit(&self, e: &AuditEntry) -> Result<i64>;
    /// Audit lines matching the filter, newest first.
    async fn audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>>;
}
