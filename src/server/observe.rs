//! Every HTTP request, observed once: a request id (the client's
//! `X-Request-Id` when it is a short token, else a fresh one) echoed in the
//! response and carried by the request's span, so that every line logged
//! while handling it (a question's line, an error) names it; and one info
//! line when the response leaves, with the method, the route template (never
//! the raw path, which may carry a token), the status and the duration. The
//! same request is counted and timed by route in the metrics, and an error
//! response counted by its code (`ApiError` leaves the code in the response's
//! extensions).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

use crate::api_error::Code;
use crate::metrics::{Metrics, UNMATCHED};

/// The header that carries the request id both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// Longest client-chosen request id kept; longer or odd ones are replaced.
const MAX_ID: usize = 64;

/// The middleware (installed with `axum::middleware::from_fn_with_state` on the router).
pub(super) async fn observe(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let route = route(&request);
    let method = request.method().clone();
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let took = started.elapsed();
    metrics.http(&route, method.as_str(), status, took);
    if let Some(code) = response.extensions().get::<Code>() {
        metrics.error(*code);
    }
    let duration_ms = took.as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    span.in_scope(|| {
        tracing::info!(method = %method, route = %route, status, duration_ms, request_id = %id, "http request");
    });
    response
}

/// The route template the request matched (`/api/v1/ask`), or `unmatched`.
pub(super) fn route(request: &Request) -> String {
    request.extensions().get::<MatchedPath>().map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned())
}

fn request_id(request: &Request) -> String {
    let given = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok());
    match given {
        Some(id)
            if (1..=MAX_ID).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) =>
        {
            id.to_owned()
        }
        _ => uuid::Uuid::new_v4().to_string(),
    }
}
