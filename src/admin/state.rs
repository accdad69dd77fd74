//! What the console API needs of the application: the store, sign-in state,
//! the knowledge service and analytics. The server hands it out with
//! `FromRef`, so admin handlers see nothing else.

use std::sync::Arc;

use super::Auth;
use crate::analytics::Analytics;
use crate::knowledge::Knowledge;
use crate::store::Store;

/// The state of every admin route.
#[derive(Clone)]
pub struct AdminState {
    /// Persistence (accounts, sessions, audit log).
    pub store: Arc<dyn Store>,
    /// Console sign-in settings and throttling.
    pub admin: Arc<Auth>,
    /// Versioned knowledge and live publishing.
    pub knowledge: Arc<Knowledge>,
    /// Hot questions, unanswered clusters and service figures.
    pub analytics: Arc<Analytics>,
    /// Bounds of an imported workbook.
    pub import: crate::kb::ImportLimits,
}
