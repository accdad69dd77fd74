//! Routes: WebSocket channels, the HTTP API, health, metrics, and the static
//! files of the widget and the console (`assets`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{AppState, assets};
use crate::api_error::ApiError;
use crate::channels::{hot, http, web, wechat};
use crate::metrics::Gauges;

/// HTTP request bodies larger than this are refused (a question is ≤ 500 characters).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The application's router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(wechat::router(state.wechat.clone()))
        .merge(crate::admin::router(state.admin.clone()))
        .merge(assets::routes())
        .route("/ws/chat", get(web::chat_socket))
        .route("/ws/agent", get(web::agent_socket))
        .route("/api/v1/ask", post(http::ask))
        .route("/api/v1/ask/stream", get(http::ask_stream))
        .route("/api/v1/hot", get(hot::hot))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(state.metrics()), super::observe::observe))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for the store's write check.
const READY_PROBE: std::time::Duration = std::time::Duration::from_secs(2);

/// Readiness: the store takes writes and the server is not shutting down.
async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if state.web.shutdown.is_cancelled() {
        return Err(ApiError::not_ready("正在关闭"));
    }
    match tokio::time::timeout(READY_PROBE, state.store().ping()).await {
        Ok(Ok(())) => Ok("ready"),
        Ok(Err(e)) => {
            state.metrics().store_error();
            Err(ApiError::not_ready(e))
        }
        Err(_) => Err(ApiError::not_ready("存储在 2 秒内未完成写入检查")),
    }
}

/// How long a scrape waits for the store's count of open tickets.
const SCRAPE_QUERY: std::time::Duration = std::time::Duration::from_secs(2);

async fn metrics(State(state): State<AppState>) -> Response {
    let hub = state.engine().hub();
    let (queued, agents) = hub.stats();
    let tickets = match tokio::time::timeout(SCRAPE_QUERY, state.store().open_tickets()).await {
        Ok(Ok(open)) => Some(open.len() as u64),
        _ => {
            state.metrics().store_error();
            None
        }
    };
    let index = state.admin.knowledge.searcher().snapshot();
    let gauges = Gauges {
        queue_length: queued as u64,
        queue_oldest_wait_secs: hub.oldest_wait_secs(),
        agents_online: agents as u64,
        tickets_open: tickets,
        index_build_secs: index.build_time().as_secs_f64(),
        index_entries: index.entries().len() as u64,
        index_bytes: index.index_bytes(),
    };
    let body = state.metrics().render(&gauges);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
