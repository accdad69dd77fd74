//! What a host site vouched for about a web visitor (the widget's signed
//! identity, `docs/widget.md`), kept per conversation for the agents' desk.

use async_trait::async_trait;

use super::Result;
use std::collections::HashMap;

use crate::ids::SessionId;

/// A conversation's visitor identity as agents may see it: never the full
/// user id, only its masked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorIdentity {
    /// The signature matched a configured site's secret and had not expired.
    Verified {
        /// Display name given by the host site.
        name: String,
        /// The user id (纳税人识别号, login id) masked: `9144********1234`.
        masked_id: String,
    },
    /// An identity was presented but not proven (unsigned, wrongly signed,
    /// expired or malformed); nothing of it is kept.
    Unverified,
}

/// Persistence of visitor identities.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Records the identity presented in the conversation's latest hello
    /// (replacing an earlier one).
    async fn set_identity(&self, conversation: &SessionId, identity: &VisitorIdentity) -> Result<()>;
    /// The identity of a conversation, if one was ever presented.
    async fn identity(&self, conversation: &SessionId) -> Result<Option<VisitorIdentity>>;
    /// The identities of several conversations in one query (a page of the
    /// desk history); conversations without one are left out.
    async fn identities(&self, conversations: &[SessionId]) -> Result<HashMap<SessionId, VisitorIdentity>>;
}

/// Builds the value from its stored columns.
pub(super) fn from_columns(verified: bool, name: Option<String>, masked_id: Option<String>) -> VisitorIdentity {
    match (verified, name, masked_id) {
        (true, Some(name), Some(masked_id)) => VisitorIdentity::Verified { name, masked_id },
        _ => VisitorIdentity::Unverified,
    }
}

/// The stored columns of a value: verified, name, masked id.
pub(super) fn columns(identity: &VisitorIdentity) -> (bool, Option<&str>, Option<&str>) {
    match identity {
        VisitorIdentity::Verified { name, masked_id } => (true, Some(name), Some(masked_id)),
        VisitorIdentity::Unverified => (false, None, None),
    }
}
