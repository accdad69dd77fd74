//! The checks every incoming WebSocket frame gets before its socket handles
//! it: text only, within the size limit, within the rate limit, a known type.

use axum::extract::ws::Message;
use serde::de::DeserializeOwned;

use super::limit::RateLimiter;
use super::protocol::{FrameError, decode};

/// What an incoming frame turned out to be.
pub(super) enum Inbound<T> {
    /// A valid client message.
    Msg(T),
    /// A frame to answer with an `error` frame (the connection stays open).
    Invalid(FrameError),
    /// The client closed the connection.
    Close,
    /// A ping or pong: nothing to do.
    Ignore,
}

/// Checks and decodes one frame into a message of one of the `known` types.
pub(super) fn inbound<T: DeserializeOwned>(
    m: Message,
    max_bytes: usize,
    limiter: &mut RateLimiter,
    known: &[&str],
) -> Inbound<T> {
    let text = match m {
        Message::Text(t) => t,
        Message::Binary(_) => return Inbound::Invalid(FrameError::Binary),
        Message::Close(_) => return Inbound::Close,
        Message::Ping(_) | Message::Pong(_) => return Inbound::Ignore,
    };
    if text.len() > max_bytes {
        return Inbound::Invalid(FrameError::TooLarge(max_bytes));
    }
    if !limiter.allow() {
        return Inbound::Invalid(FrameError::RateLimited);
    }
    match decode::<T>(text.as_str(), known) {
        Ok(msg) => Inbound::Msg(msg),
        Err(e) => Inbound::Invalid(e),
    }
}
