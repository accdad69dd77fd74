//! Routes: WebSocket channels, the HTTP API, health, metrics, widget files.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::{ApiError, AppState};
use crate::channels::{hot, http, web, wechat};

/// The demo page and widget, embedded so the binary serves them from anywhere.
const INDEX_HTML: &str = include_str!("../../web-widget/index.html");
const WIDGET_JS: &str = include_str!("../../web-widget/widget.js");
/// The agent console (dependency-free HTML/JS/CSS), embedded the same way.
const CONSOLE_HTML: &str = include_str!("../../web-widget/console/index.html");
const CONSOLE_JS: &str = include_str!("../../web-widget/console/console.js");
const CONSOLE_CSS: &str = include_str!("../../web-widget/console/console.css");

/// HTTP request bodies larger than this are refused (a question is ≤ 500 characters).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The application's router.
pub fn router(state: AppState) -> Router {
    let wechat = wechat::router(&state);
    Router::new()
        .merge(wechat)
        .route("/", get(index))
        .route("/widget.js", get(widget))
        .route("/console", get(console_redirect))
        .route("/console/", get(console_html))
        .route("/console/console.js", get(console_js))
        .route("/console/console.css", get(console_css))
        .route("/ws/chat", get(web::chat_socket))
        .route("/ws/agent", get(web::agent_socket))
        .route("/api/v1/ask", post(http::ask))
        .route("/api/v1/ask/stream", get(http::ask_stream))
        .route("/api/v1/hot", get(hot::hot))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX_HTML).into_response()
}

async fn widget() -> Response {
    let ct = HeaderValue::from_static("text/javascript; charset=utf-8");
    ([(header::CONTENT_TYPE, ct)], WIDGET_JS).into_response()
}

async fn console_redirect() -> Redirect {
    Redirect::permanent("/console/")
}

async fn console_html() -> Response {
    static_file("text/html; charset=utf-8", CONSOLE_HTML)
}

async fn console_js() -> Response {
    static_file("text/javascript; charset=utf-8", CONSOLE_JS)
}

async fn console_css() -> Response {
    static_file("text/css; charset=utf-8", CONSOLE_CSS)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response()
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the store answers and the server is not shutting down.
async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if state.shutdown.is_cancelled() {
        return Err(ApiError::not_ready("正在关闭".into()));
    }
    state.store.ping().await.map_err(|e| ApiError::not_ready(e.to_string()))?;
    Ok("ready")
}

async fn metrics(State(state): State<AppState>) -> Response {
    let (queued, agents) = state.engine.hub().stats();
    let gauges = [
        ("taxbot_queue_length", "Conversations waiting for an agent.", queued as i64),
        ("taxbot_agents_online", "Agents online.", agents as i64),
    ];
    let body = state.metrics.render(&gauges);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
