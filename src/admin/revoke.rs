//! Sign-ins that end while a socket is open: when an account is disabled,
//! changes role or password, or signs out, its open agent consoles must stop
//! at once, not at their next sign-in. The console API tells them through a
//! broadcast of user ids; each socket then checks its own session again
//! ([`session_valid`]), and also every [`RECHECK_EVERY`] in case the change
//! came from elsewhere (`taxbot user` in another process, another node).

use std::time::Duration;

use chrono::Utc;
use tokio::sync::broadcast;

use crate::store::Store;

/// How often an open agent socket checks its session even without notice.
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);

/// Notices pending per socket before it lags (then it simply checks again).
const CAPACITY: usize = 256;

/// The broadcast of accounts whose sign-ins may have ended.
#[derive(Debug, Clone)]
pub struct Revocations(broadcast::Sender<i64>);

impl Default for Revocations {
    fn default() -> Self {
        Revocations(broadcast::channel(CAPACITY).0)
    }
}

impl Revocations {
    /// Tells open sockets of `user_id` to check their session.
    pub fn notify(&self, user_id: i64) {
        // No receiver means no open socket: nothing to tell.
        let _ = self.0.send(user_id);
    }

    /// Notices from now on (subscribe before authenticating, so none is missed).
    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.0.subscribe()
    }
}

/// Whether the session with `token_hash` still exists, has not expired and
/// belongs to an enabled account with the role it had.
pub async fn session_valid(store: &dyn Store, token_hash: &str, role: super::Role) -> bool {
    let Ok(Some(session)) = store.session(token_hash).await else {
        return false;
    };
    if session.expires_at <= Utc::now() {
        return false;
    }
    match store.user(session.user_id).await {
        Ok(user) => !user.disabled && super::Role::parse(&user.role) == Some(role),
        Err(_) => false,
    }
}
