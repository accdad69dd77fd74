//! Counters for `GET /metrics` in the Prometheus text format. Plain atomics:
//! recording never blocks the chat path.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the first-delta latency histogram.
const BUCKETS: [f64; 10] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0];

/// Process-wide counters.
#[derive(Debug, Default)]
pub struct Metrics {
    ws_open: AtomicI64,
    ws_total: AtomicU64,
    messages_web: AtomicU64,
    messages_http: AtomicU64,
    decisions: [AtomicU64; 3],
    first_delta: [AtomicU64; BUCKETS.len() + 1],
    first_delta_sum_us: AtomicU64,
    /// Error codes are a small fixed set, so the map stays small; the lock is
    /// held for one increment.
    errors: Mutex<BTreeMap<&'static str, u64>>,
}

fn code_key(code: &str) -> &'static str {
    const KNOWN: [&str; 24] = [
        "bad_json",
        "unknown_type",
        "invalid_message",
        "binary_not_supported",
        "frame_too_large",
        "rate_limited",
        "hello_required",
        "empty_text",
        "text_too_long",
        "unknown_visitor",
        "expired_visitor",
        "invalid_id",
        "unknown_answer",
        "unknown_choice",
        "invalid_rating",
        "unauthorized",
        "already_taken",
        "not_queued",
        "not_assigned",
        "at_capacity",
        "rating_not_allowed",
        "store_unavailable",
        "search_failed",
        "unknown_ticket",
    ];
    KNOWN.iter().find(|k| **k == code).copied().unwrap_or("other")
}

impl Metrics {
    /// A WebSocket connection opened.
    pub fn ws_opened(&self) {
        self.ws_open.fetch_add(1, Ordering::Relaxed);
        self.ws_total.fetch_add(1, Ordering::Relaxed);
    }

    /// A WebSocket connection closed.
    pub fn ws_closed(&self) {
        self.ws_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// A taxpayer message arrived on `channel`.
    pub fn message(&self, channel: &str) {
        let c = if channel == "http" { &self.messages_http } else { &self.messages_web };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// A decision was sent.
    pub fn decision(&self, kind: &str) {
        let i = match kind {
            "answer" => 0,
            "clarify" => 1,
            _ => 2,
        };
        self.decisions[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Time from receiving `ask` to sending the first `answer.delta`.
    pub fn first_delta(&self, d: Duration) {
        let s = d.as_secs_f64();
        let i = BUCKETS.iter().position(|b| s <= *b).unwrap_or(BUCKETS.len());
        self.first_delta[i].fetch_add(1, Ordering::Relaxed);
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.first_delta_sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// An error frame or response was sent.
    pub fn error(&self, code: &str) {
        let mut m = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry(code_key(code)).or_default() += 1;
    }

    /// The Prometheus text exposition; `gauges` adds name/value pairs.
    pub fn render(&self, gauges: &[(&str, &str, i64)]) -> String {
        let mut o = String::new();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(o, "# HELP taxbot_ws_connections Open WebSocket connections.");
        let _ = writeln!(o, "# TYPE taxbot_ws_connections gauge");
        let _ = writeln!(o, "taxbot_ws_connections {}", self.ws_open.load(Ordering::Relaxed));
        let _ = writeln!(o, "# TYPE taxbot_ws_connections_total counter");
        let _ = writeln!(o, "taxbot_ws_connections_total {}", load(&self.ws_total));
        let _ = writeln!(o, "# HELP taxbot_messages_total Taxpayer messages by channel.");
        let _ = writeln!(o, "# TYPE taxbot_messages_total counter");
        let _ = writeln!(o, "taxbot_messages_total{{channel=\"web\"}} {}", load(&self.messages_web));
        let _ = writeln!(o, "taxbot_messages_total{{channel=\"http\"}} {}", load(&self.messages_http));
        let _ = writeln!(o, "# HELP taxbot_decisions_total Bot decisions sent on the web channel.");
        let _ = writeln!(o, "# TYPE taxbot_decisions_total counter");
        for (i, k) in ["answer", "clarify", "no_match"].iter().enumerate() {
            let _ = writeln!(o, "taxbot_decisions_total{{decision=\"{k}\"}} {}", load(&self.decisions[i]));
        }
        let _ = writeln!(o, "# HELP taxbot_first_delta_seconds Time from ask to the first answer.delta.");
        let _ = writeln!(o, "# TYPE taxbot_first_delta_seconds histogram");
        let mut cumulative = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cumulative += load(&self.first_delta[i]);
            let _ = writeln!(o, "taxbot_first_delta_seconds_bucket{{le=\"{b}\"}} {cumulative}");
        }
        cumulative += load(&self.first_delta[BUCKETS.len()]);
        let _ = writeln!(o, "taxbot_first_delta_seconds_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = load(&self.first_delta_sum_us) as f64 / 1e6;
        let _ = writeln!(o, "taxbot_first_delta_seconds_sum {sum}");
        let _ = writeln!(o, "taxbot_first_delta_seconds_count {cumulative}");
        let _ = writeln!(o, "# HELP taxbot_errors_total Error frames and responses by code.");
        let _ = writeln!(o, "# TYPE taxbot_errors_total counter");
        for (code, n) in self.errors.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(o, "taxbot_errors_total{{code=\"{code}\"}} {n}");
        }
        for (name, help, value) in gauges {
            let _ = writeln!(o, "# HELP {name} {help}");
            let _ = writeln!(o, "# TYPE {name} gauge");
            let _ = writeln!(o, "{name} {value}");
        }
        o
    }
}
