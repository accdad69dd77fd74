//! The WeChat Official Account (公众号) bridge: URL verification and message
//! callbacks per configured account (plain, compatible or safe mode), passive
//! text replies within WeChat's 5-second budget, retries answered once, and
//! agent messages pushed through the customer-service message API.
//!
//! - `crypto`: signatures and AES-256-CBC message encryption.
//! - `xml`: the callback XML in and the reply XML out.
//! - `render`: replies flattened to WeChat text.
//! - `dedupe`: one answer per message however often WeChat retries it.
//! - `bridge`: sessions per OpenID, the reply budget, agent pushes.
//! - `callback`: the axum handlers.
//! - `custom_service`: the customer-service API client and its token cache.

mod bridge;
mod callback;
pub mod crypto;
mod custom_service;
mod dedupe;
mod render;
pub mod xml;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use crate::config::wechat::{Account, Mode, Secret, Settings};
pub use bridge::Bridge;
pub use callback::router;
pub use custom_service::{CsError, CustomService};
pub use render::flatten_markdown;

use crate::chat::Engine;
use crate::metrics::Metrics;
use crate::store::Store;

/// What the WeChat callbacks need of the application (handed out by the
/// server with `FromRef`).
#[derive(Clone)]
pub struct WechatState {
    /// The conversation engine.
    pub engine: Arc<Engine>,
    /// Persistence (the reply window of agent pushes).
    pub store: Arc<dyn Store>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The accounts and their per-user state.
    pub wechat: Arc<Bridge>,
    /// Per-user message rate and daily tickets.
    pub limits: Arc<crate::client::ClientLimits>,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Tracks late-answer tasks so that shutdown waits for them.
    pub tracker: TaskTracker,
}
