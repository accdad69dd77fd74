//! The audit log: who changed what, when.

use chrono::Utc;

use super::AdminState;
use super::Principal;
use crate::api_error::ApiError;
use crate::store::{AuditEntry, Store};

/// Anything that can be named as the actor of an audited action.
pub trait Actor {
    /// The name written in the log.
    fn actor_name(&self) -> &str;
}

impl Actor for Principal {
    fn actor_name(&self) -> &str {
        &self.name
    }
}

impl Actor for str {
    fn actor_name(&self) -> &str {
        self
    }
}

impl Actor for String {
    fn actor_name(&self) -> &str {
        self
    }
}

/// Appends `action` on `target` by `actor` to the audit log.
pub async fn record(
    state: &AdminState,
    actor: &(impl Actor + ?Sized),
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    Ok(record_from(&*state.store, actor.actor_name(), action, target, detail, None).await?)
}

/// [`record`] with the client address, for callers without an `AdminState` (the CLI).
pub async fn record_from(
    store: &dyn Store,
    actor: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    ip: Option<String>,
) -> crate::store::Result<()> {
    let entry = AuditEntry {
        id: 0,
        at: Utc::now(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail,
        ip,
    };
    store.add_audit(&entry).await?;
    Ok(())
}
