//! The state every handler receives.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{Metrics, Settings};
use crate::channels::wechat::Bridge;
use crate::chat::{Engine, SessionCache};
use crate::store::Store;

/// Built once at startup and cloned into each request (all fields are shared).
#[derive(Clone)]
pub struct AppState {
    /// The conversation engine (with the matcher and the handoff hub).
    pub engine: Arc<Engine>,
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Server limits.
    pub server: Arc<Settings>,
    /// Open WebSocket connections are capped by these permits.
    pub connections: Arc<Semaphore>,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Tracks WebSocket tasks so that shutdown waits for them.
    pub tracker: TaskTracker,
    /// Follow-up context of HTTP API users.
    pub api_sessions: Arc<SessionCache>,
    /// The WeChat accounts and their per-user state.
    pub wechat: Arc<Bridge>,
    /// Console sign-in settings and state.
    pub admin: Arc<crate::admin::Auth>,
    /// Hot questions, unanswered clusters and service figures (cached report).
    pub analytics: Arc<crate::analytics::Analytics>,
    /// Versioned knowledge and live publishing.
    pub knowledge: Arc<crate::admin::knowledge::Knowledge>,
}
