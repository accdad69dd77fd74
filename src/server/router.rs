//! Routes: WebSocket channels, the HTTP API, health, metrics, widget files.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::AppState;
use crate::api_error::ApiError;
use crate::channels::{hot, http, web, wechat};

/// The demo page and widget, embedded so the binary serves them from anywhere.
const INDEX_HTML: &str = include_str!("../../web-widget/index.html");
const WIDGET_JS: &str = include_str!("../../web-widget/widget.js");
/// The console (dependency-free HTML and JavaScript modules), embedded the same
/// way: `(file name under /console/, content type, body)`. One line per file.
const CONSOLE_FILES: &[(&str, &str, &str)] = &[
    ("index.html", HTML, include_str!("../../web-widget/console/index.html")),
    ("console.css", CSS, include_str!("../../web-widget/console/console.css")),
    ("app.js", JS, include_str!("../../web-widget/console/app.js")),
    ("lib.js", JS, include_str!("../../web-widget/console/lib.js")),
    ("agent.js", JS, include_str!("../../web-widget/console/agent.js")),
    ("knowledge.js", JS, include_str!("../../web-widget/console/knowledge.js")),
    ("editor.js", JS, include_str!("../../web-widget/console/editor.js")),
    ("markdown.js", JS, include_str!("../../web-widget/console/markdown.js")),
    ("analytics.js", JS, include_str!("../../web-widget/console/analytics.js")),
    ("accounts.js", JS, include_str!("../../web-widget/console/accounts.js")),
];
const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// HTTP request bodies larger than this are refused (a question is ≤ 500 characters).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The application's router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(wechat::router(state.wechat.clone()))
        .merge(crate::admin::router(state.admin.clone()))
        .route("/", get(index))
        .route("/widget.js", get(widget))
        .route("/console", get(console_redirect))
        .route("/console/", get(console_index))
        .route("/console/{file}", get(console_file))
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

async fn console_index() -> Response {
    console_file(Path("index.html".into())).await
}

async fn console_file(Path(file): Path<String>) -> Response {
    match CONSOLE_FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => static_file(content_type, body),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
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
    if state.web.shutdown.is_cancelled() {
        return Err(ApiError::not_ready("正在关闭"));
    }
    state.store().ping().await.map_err(ApiError::not_ready)?;
    Ok("ready")
}

async fn metrics(State(state): State<AppState>) -> Response {
    let (queued, agents) = state.engine().hub().stats();
    let gauges = [
        ("taxbot_queue_length", "Conversations waiting for an agent.", queued as i64),
        ("taxbot_agents_online", "Agents online.", agents as i64),
    ];
    let body = state.metrics().render(&gauges);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
