//! The application state built at startup. Handlers never see it whole: each
//! area extracts its own sub-state through `FromRef` (the web sockets
//! [`WebState`], the HTTP API [`HttpState`], WeChat [`WechatState`], the
//! console API [`AdminState`], the hot list `Arc<Analytics>`).

use std::sync::Arc;

use axum::extract::FromRef;

use crate::admin::AdminState;
use crate::analytics::Analytics;
use crate::channels::http::HttpState;
use crate::channels::web::WebState;
use crate::channels::wechat::WechatState;
use crate::chat::Engine;
use crate::metrics::Metrics;
use crate::store::Store;

/// Built once at startup; every field is shared and cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The WebSocket endpoints' state.
    pub web: WebState,
    /// The HTTP API's state.
    pub http: HttpState,
    /// The WeChat callbacks' state.
    pub wechat: WechatState,
    /// The console API's state.
    pub admin: AdminState,
}

impl AppState {
    /// The conversation engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.web.engine
    }

    /// Persistence.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.web.store
    }

    /// Counters for `/metrics`.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.web.metrics
    }

    /// Hot questions, unanswered clusters and service figures.
    pub fn analytics(&self) -> &Arc<Analytics> {
        &self.admin.analytics
    }
}

impl FromRef<AppState> for WebState {
    fn from_ref(s: &AppState) -> Self {
        s.web.clone()
    }
}

impl FromRef<AppState> for HttpState {
    fn from_ref(s: &AppState) -> Self {
        s.http.clone()
    }
}

impl FromRef<AppState> for Arc<Analytics> {
    fn from_ref(s: &AppState) -> Self {
        Arc::clone(&s.admin.analytics)
    }
}
