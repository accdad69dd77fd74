//! Counters for `GET /metrics` in the Prometheus text format. Plain atomics:
//! recording never blocks the chat path.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::api_error::Code;
use crate::ids::Channel;

/// Upper bounds (seconds) of the first-delta latency histogram.
const BUCKETS: [f64; 10] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0];

/// Process-wide counters.
#[derive(Debug, Default)]
pub struct Metrics {
    ws_open: AtomicI64,
    ws_total: AtomicU64,
    /// Taxpayer messages, indexed like [`Channel::ALL`].
    messages: [AtomicU64; Channel::ALL.len()],
    decisions: [AtomicU64; 4],
    first_delta: [AtomicU64; BUCKETS.len() + 1],
    first_delta_sum_us: AtomicU64,
    /// Error codes are a small fixed set, so the map stays small; the lock is
    /// held for one increment.
    errors: Mutex<BTreeMap<Code, u64>>,
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
    pub fn message(&self, channel: Channel) {
        let i = Channel::ALL.iter().position(|c| *c == channel).unwrap_or(0);
        self.messages[i].fetch_add(1, Ordering::Relaxed);
    }

    /// A decision was sent.
    pub fn decision(&self, kind: &str) {
        let i = match kind {
            "answer" => 0,
            "clarify" => 1,
            "out_of_scope" => 3,
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
    pub fn error(&self, code: Code) {
        let mut m = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry(code).or_default() += 1;
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
        for (channel, count) in Channel::ALL.iter().zip(&self.messages) {
            let _ = writeln!(o, "taxbot_messages_total{{channel=\"{channel}\"}} {}", load(count));
        }
        let _ = writeln!(o, "# HELP taxbot_decisions_total Bot decisions sent on the web channel.");
        let _ = writeln!(o, "# TYPE taxbot_decisions_total counter");
        for (i, k) in ["answer", "clarify", "no_match", "out_of_scope"].iter().enumerate() {
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
            let _ = writeln!(o, "taxbot_errors_total{{code=\"{}\"}} {n}", code.metric_label());
        }
        for (name, help, value) in gauges {
            let _ = writeln!(o, "# HELP {name} {help}");
            let _ = writeln!(o, "# TYPE {name} gauge");
            let _ = writeln!(o, "{name} {value}");
        }
        o
    }
}
