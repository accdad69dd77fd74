//! The web channel: `/ws/chat` for taxpayers (the widget) and `/ws/agent`
//! for agent consoles, JSON text frames as documented in `docs/protocol.md`.

mod agent;
mod chat;
pub(crate) mod convert;
mod inbound;
mod limit;
pub mod protocol;
mod socket;

use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument as _;

pub use limit::RateLimiter;

use crate::api_error::{ApiError, Code};
use crate::chat::Engine;
use crate::client::{ClientAddr, ClientLimits};
use crate::config::server::Settings as Limits;
use crate::handoff::AgentAccount;
use crate::metrics::Metrics;
use crate::store::Store;

/// What the WebSocket endpoints need of the application (handed out by the
/// server with `FromRef`).
#[derive(Clone)]
pub struct WebState {
    /// The conversation engine (with the matcher and the handoff hub).
    pub engine: Arc<Engine>,
    /// Persistence (console sessions of agents).
    pub store: Arc<dyn Store>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Frame and rate limits.
    pub server: Arc<Limits>,
    /// Open WebSocket connections are capped by these permits.
    pub connections: Arc<Semaphore>,
    /// Per-client bounds (sockets and messages per address, tickets per day).
    pub limits: Arc<ClientLimits>,
    /// Notices that an account's sign-ins may have ended (agent sockets close).
    pub revocations: crate::admin::Revocations,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Tracks socket tasks so that shutdown waits for them.
    pub tracker: TaskTracker,
}

/// Frames past this multiple of `max_frame_bytes` close the connection at the
/// transport; below it an oversize frame only earns an `error` frame.
const TRANSPORT_FACTOR: usize = 8;

/// Initial read buffer of a socket (grows for a larger frame).
const READ_BUFFER: usize = 4 * 1024;
/// Bytes queued before a write goes out (each step flushes anyway).
const WRITE_BUFFER: usize = 4 * 1024;

fn upgrade(ws: WebSocketUpgrade, state: &WebState) -> WebSocketUpgrade {
    let hard = state.server.max_frame_bytes.saturating_mul(TRANSPORT_FACTOR);
    // Small buffers: most sockets are idle most of the time (the defaults,
    // 128 KiB each, made an idle connection cost about 130 KB).
    ws.max_message_size(hard)
        .max_frame_size(hard)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(hard.max(WRITE_BUFFER) * 2)
}

/// When a new socket must have sent `hello` (`limits.hello_secs` from now).
fn hello_deadline(state: &WebState) -> tokio::time::Instant {
    tokio::time::Instant::now() + std::time::Duration::from_secs(state.limits.settings().hello_secs.max(1))
}

/// Whether a socket loop keeps reading after handling an input.
enum Flow {
    Continue,
    Close,
}

/// Accepts a WebSocket when a connection slot is free, and runs `serve` on it
/// as a task the graceful shutdown waits for, in the upgrade request's span.
fn accept<F, Fut>(state: WebState, ws: WebSocketUpgrade, serve: F) -> Response
where
    F: FnOnce(WebSocket, WebState) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    if state.shutdown.is_cancelled() {
        return ApiError::not_ready("服务正在重启，请稍后重连").into_response();
    }
    let Ok(permit) = state.connections.clone().try_acquire_owned() else {
        return ApiError::overloaded().into_response();
    };
    let task = state.tracker.token();
    // The socket runs in a task of its own: carry the upgrade request's span
    // into it, so that every line of the connection (each question's) names
    // the upgrade's `request_id`.
    let request = tracing::Span::current();
    upgrade(ws, &state).on_upgrade(move |socket| {
        async move {
            serve(socket, state).await;
            drop((permit, task));
        }
        .instrument(request)
    })
}

/// `GET /ws/chat`: a taxpayer connection (at most `limits.connections_per_address` per address).
pub async fn chat_socket(State(state): State<WebState>, client: ClientAddr, ws: WebSocketUpgrade) -> Response {
    let Some(guard) = state.limits.open(client.ip) else {
        let message = "您的网络地址打开的咨询窗口过多，请关闭部分窗口后再试";
        return ApiError::new(Code::TooManyConnections, message).into_response();
    };
    accept(state, ws, move |socket, state| async move {
        chat::serve(socket, state, client.ip).await;
        drop(guard);
    })
}

/// `GET /ws/agent`: the agent console of the user signed in to the console
/// (session cookie; any role may serve). A browser's `Origin` must match
/// `Host`, so another site cannot open the socket with the agent's cookie.
pub async fn agent_socket(State(state): State<WebState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if !crate::client::same_origin(&headers) {
        return ApiError::new(Code::BadOrigin, "请从控制台页面连接坐席工作台").into_response();
    }
    // Subscribed before authenticating, so that a sign-out racing the upgrade is not missed.
    let revoked = state.revocations.subscribe();
    let (principal, session) = match crate::admin::authenticate(&*state.store, &headers).await {
        Ok(pair) => pair,
        Err(e) => return e.into_response(),
    };
    let signin =
        agent::SignIn { token_hash: session.token_hash, user_id: principal.user_id, role: principal.role, revoked };
    let max_concurrent = match state.store.user(principal.user_id).await {
        Ok(u) => u.max_concurrent,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let account = AgentAccount { id: principal.name.clone(), name: principal.name, max_concurrent };
    accept(state, ws, move |socket, state| agent::serve(socket, state, account, signin))
}
