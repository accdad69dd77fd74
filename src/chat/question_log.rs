//! One info line per taxpayer question (`ask` or a picked clarification),
//! whatever the channel: what was decided, from which entry, how sure, how
//! long it took, and for which conversation. The text is logged only as
//! `text::mask_numbers` leaves it (no ID card, phone or bank number), and a
//! question's line sits in its request's span (`request_id`): the HTTP
//! request's, or for a WebSocket the upgrade request's.

use std::time::Duration;

use super::engine::Asked;
use super::reply::Reply;
use super::{ChatError, Session};
use crate::api_error::ErrorCode;
use crate::text::mask_numbers;

/// Logs the question `text` of `s` and what came of it after `took`.
pub(super) fn log(s: &Session, text: &str, result: &Result<Asked, ChatError>, took: Duration) {
    // Masking costs a pass over the text: skip it when the line would be dropped
    // (`taxbot eval` plays thousands of questions with info off).
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let duration_ms = took.as_secs_f64() * 1000.0;
    let text = mask_numbers(text);
    match result {
        Ok(asked) => {
            let (entry_id, confidence) = match &asked.reply {
                Reply::Answer(a) => (Some(a.entry.id.as_str()), Some(a.confidence)),
                _ => (None, None),
            };
            tracing::info!(
                channel = %s.channel,
                session = %s.id,
                decision = asked.reply.decision(),
                entry_id,
                confidence,
                duration_ms,
                text = %text,
                "question"
            );
        }
        Err(e) => tracing::info!(
            channel = %s.channel,
            session = %s.id,
            decision = "error",
            error = e.code().as_str(),
            duration_ms,
            text = %text,
            "question"
        ),
    }
}
