//! The web channel: `/ws/chat` for taxpayers (the widget) and `/ws/agent`
//! for agent consoles, JSON text frames as documented in `docs/protocol.md`.

mod agent;
mod chat;
pub(crate) mod convert;
mod inbound;
mod limit;
pub mod protocol;

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::{IntoResponse, Response};

pub use limit::RateLimiter;

use crate::server::{ApiError, AppState};

/// Frames past this multiple of `max_frame_bytes` close the connection at the
/// transport; below it an oversize frame only earns an `error` frame.
const TRANSPORT_FACTOR: usize = 8;

fn upgrade(ws: WebSocketUpgrade, state: &AppState) -> WebSocketUpgrade {
    let hard = state.server.max_frame_bytes.saturating_mul(TRANSPORT_FACTOR);
    ws.max_message_size(hard).max_frame_size(hard)
}

/// `GET /ws/chat`: a taxpayer connection.
pub async fn chat_socket(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let Ok(permit) = state.connections.clone().try_acquire_owned() else {
        return ApiError::overloaded().into_response();
    };
    let task = state.tracker.token();
    upgrade(ws, &state).on_upgrade(move |socket| async move {
        chat::serve(socket, state).await;
        drop((permit, task));
    })
}

/// `GET /ws/agent`: an agent console.
pub async fn agent_socket(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let Ok(permit) = state.connections.clone().try_acquire_owned() else {
        return ApiError::overloaded().into_response();
    };
    let task = state.tracker.token();
    upgrade(ws, &state).on_upgrade(move |socket| async move {
        agent::serve(socket, state).await;
        drop((permit, task));
    })
}
