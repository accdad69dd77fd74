//! The audit log: who changed what, when.

use chrono::Utc;
use serde_json::json;

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

/// Characters kept of an audit field: names, actions and targets are short;
/// anything longer is caller-supplied junk (a 30 KB "name" must not cost 30 KB per row).
const MAX_FIELD_CHARS: usize = 128;
/// Larger details are replaced by `{"truncated": true}`.
const MAX_DETAIL_BYTES: usize = 16 * 1024;

fn bounded(s: &str) -> String {
    match s.char_indices().nth(MAX_FIELD_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
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
        actor: bounded(actor),
        action: bounded(action),
        target: bounded(target),
        detail: if detail.to_string().len() > MAX_DETAIL_BYTES { json!({"truncated": true}) } else { detail },
        ip: ip.as_deref().map(bounded),
    };
    store.add_audit(&entry).await?;
    Ok(())
}
