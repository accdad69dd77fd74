//! Counters and histograms for `GET /metrics` in the Prometheus text format
//! (`docs/grafana-dashboard.json` charts exactly these families). Fixed
//! families are plain atomics; labelled ones sit behind a `std` mutex held for
//! one map lookup and never across `.await`, so recording never blocks the
//! chat path. Label values come from bounded sets (route templates, fixed
//! decision words, channels, status codes), never from what a client sends.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::api_error::Code;
use crate::ids::Channel;

/// Upper bounds (seconds) of every latency histogram: from a cached answer
/// (~1 ms) to a slow store write (seconds).
const BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The route label of requests that matched no route (so that probes for
/// random paths cannot grow the label set).
pub const UNMATCHED: &str = "unmatched";

/// A latency histogram with [`BUCKETS`].
#[derive(Debug, Default)]
struct Histogram {
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_us: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        let i = BUCKETS.iter().position(|b| s <= *b).unwrap_or(BUCKETS.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The `_bucket`, `_sum` and `_count` lines; `labels` is `k="v",` or empty.
    fn render(&self, o: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cumulative += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(o, "{name}_bucket{{{labels}le=\"{b}\"}} {cumulative}");
        }
        cumulative += self.counts[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(o, "{name}_bucket{{{labels}le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let labels = match labels.trim_end_matches(',') {
            "" => String::new(),
            l => format!("{{{l}}}"),
        };
        let _ = writeln!(o, "{name}_sum{labels} {sum}");
        let _ = writeln!(o, "{name}_count{labels} {cumulative}");
    }
}

/// One WebSocket route's connections and message handling times.
#[derive(Debug, Default)]
struct WsRoute {
    open: AtomicI64,
    total: AtomicU64,
    messages: Histogram,
}

/// What `/metrics` reads at scrape time from the rest of the server.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Gauges {
    /// Conversations waiting for an agent.
    pub queue_length: u64,
    /// How long the longest-waiting conversation has waited, in seconds.
    pub queue_oldest_wait_secs: f64,
    /// Agents online.
    pub agents_online: u64,
    /// Open 留言 tickets (`None` when the store did not answer).
    pub tickets_open: Option<u64>,
    /// Seconds the live index took to build.
    pub index_build_secs: f64,
    /// Entries in the live index.
    pub index_entries: u64,
    /// Bytes of the live index.
    pub index_bytes: u64,
}

/// Process-wide counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Taxpayer messages, indexed like [`Channel::ALL`].
    messages: [AtomicU64; Channel::ALL.len()],
    /// Bot decisions by (decision word, channel).
    decisions: Mutex<BTreeMap<(&'static str, Channel), u64>>,
    first_delta: Histogram,
    /// HTTP responses by (route template, method, status).
    http_requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// HTTP latency by route template.
    http_latency: Mutex<BTreeMap<String, std::sync::Arc<Histogram>>>,
    /// WebSocket routes (`/ws/chat`, `/ws/agent`).
    ws: Mutex<BTreeMap<&'static str, std::sync::Arc<WsRoute>>>,
    /// Error codes are a small fixed set, so the map stays small.
    errors: Mutex<BTreeMap<Code, u64>>,
    store_errors: AtomicU64,
}

/// Takes a lock whose data stays consistent even if a holder panicked (each
/// holder does one insert or increment).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    fn ws_route(&self, route: &'static str) -> std::sync::Arc<WsRoute> {
        std::sync::Arc::clone(lock(&self.ws).entry(route).or_default())
    }

    /// A WebSocket connection opened on `route`.
    pub fn ws_opened(&self, route: &'static str) {
        let r = self.ws_route(route);
        r.open.fetch_add(1, Ordering::Relaxed);
        r.total.fetch_add(1, Ordering::Relaxed);
    }

    /// A WebSocket connection on `route` closed.
    pub fn ws_closed(&self, route: &'static str) {
        self.ws_route(route).open.fetch_sub(1, Ordering::Relaxed);
    }

    /// One client frame on `route` was handled in `d` (replies sent).
    pub fn ws_message(&self, route: &'static str, d: Duration) {
        self.ws_route(route).messages.observe(d);
    }

    /// An HTTP response was sent: `route` is the matched route template
    /// (or [`UNMATCHED`]), timed from the request's arrival.
    pub fn http(&self, route: &str, method: &str, status: u16, d: Duration) {
        *lock(&self.http_requests).entry((route.to_owned(), method.to_owned(), status)).or_default() += 1;
        let h = std::sync::Arc::clone(lock(&self.http_latency).entry(route.to_owned()).or_default());
        h.observe(d);
    }

    /// A taxpayer message arrived on `channel`.
    pub fn message(&self, channel: Channel) {
        let i = Channel::ALL.iter().position(|c| *c == channel).unwrap_or(0);
        self.messages[i].fetch_add(1, Ordering::Relaxed);
    }

    /// The bot decided `decision` (a fixed word such as `answer`) on `channel`.
    pub fn decision(&self, decision: &'static str, channel: Channel) {
        *lock(&self.decisions).entry((decision, channel)).or_default() += 1;
    }

    /// Time from receiving `ask` to sending the first `answer.delta`.
    pub fn first_delta(&self, d: Duration) {
        self.first_delta.observe(d);
    }

    /// An error frame or response was sent (a store failure counts as a store error too).
    pub fn error(&self, code: Code) {
        *lock(&self.errors).entry(code).or_default() += 1;
        if code == Code::StoreUnavailable {
            self.store_error();
        }
    }

    /// The store failed (a request, a readiness probe or a scrape's query).
    pub fn store_error(&self) {
        self.store_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition, with `gauges` read at scrape time.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut o = String::new();
        self.render_http(&mut o);
        self.render_ws(&mut o);
        self.render_chat(&mut o);
        let store_errors = self.store_errors.load(Ordering::Relaxed);
        family(&mut o, "taxbot_errors_total", "counter", "Error frames and responses by code.");
        for (code, n) in lock(&self.errors).iter() {
            let _ = writeln!(o, "taxbot_errors_total{{code=\"{}\"}} {n}", code.metric_label());
        }
        family(&mut o, "taxbot_store_errors_total", "counter", "Store operations that failed.");
        let _ = writeln!(o, "taxbot_store_errors_total {store_errors}");
        render_gauges(&mut o, gauges);
        family(&mut o, "taxbot_build_info", "gauge", "The running build (always 1).");
        let _ = writeln!(o, "taxbot_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        o
    }

    fn render_http(&self, o: &mut String) {
        family(o, "taxbot_http_requests_total", "counter", "HTTP responses by route, method and status.");
        for ((route, method, status), n) in lock(&self.http_requests).iter() {
            let _ = writeln!(
                o,
                "taxbot_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        family(o, "taxbot_http_request_duration_seconds", "histogram", "HTTP request latency by route.");
        let latency: Vec<_> = lock(&self.http_latency).iter().map(|(r, h)| (r.clone(), h.clone())).collect();
        for (route, h) in latency {
            h.render(o, "taxbot_http_request_duration_seconds", &format!("route=\"{}\",", escape(&route)));
        }
    }

    fn render_ws(&self, o: &mut String) {
        let routes: Vec<_> = lock(&self.ws).iter().map(|(r, w)| (*r, w.clone())).collect();
        family(o, "taxbot_ws_connections", "gauge", "Open WebSocket connections by route.");
        for (route, w) in &routes {
            let _ = writeln!(o, "taxbot_ws_connections{{route=\"{route}\"}} {}", w.open.load(Ordering::Relaxed));
        }
        family(o, "taxbot_ws_connections_total", "counter", "WebSocket connections opened by route.");
        for (route, w) in &routes {
            let _ = writeln!(o, "taxbot_ws_connections_total{{route=\"{route}\"}} {}", w.total.load(Ordering::Relaxed));
        }
        family(o, "taxbot_ws_message_duration_seconds", "histogram", "Time to handle one client frame by route.");
        for (route, w) in &routes {
            w.messages.render(o, "taxbot_ws_message_duration_seconds", &format!("route=\"{route}\","));
        }
    }

    fn render_chat(&self, o: &mut String) {
        family(o, "taxbot_messages_total", "counter", "Taxpayer messages by channel.");
        for (channel, count) in Channel::ALL.iter().zip(&self.messages) {
            let _ = writeln!(o, "taxbot_messages_total{{channel=\"{channel}\"}} {}", count.load(Ordering::Relaxed));
        }
        family(o, "taxbot_decisions_total", "counter", "Bot decisions by kind and channel.");
        for ((decision, channel), n) in lock(&self.decisions).iter() {
            let _ = writeln!(o, "taxbot_decisions_total{{decision=\"{decision}\",channel=\"{channel}\"}} {n}");
        }
        family(o, "taxbot_first_delta_seconds", "histogram", "Time from ask to the first answer.delta.");
        self.first_delta.render(o, "taxbot_first_delta_seconds", "");
    }
}

fn render_gauges(o: &mut String, g: &Gauges) {
    let mut gauge = |name: &str, help: &str, value: String| {
        family(o, name, "gauge", help);
        let _ = writeln!(o, "{name} {value}");
    };
    gauge("taxbot_queue_length", "Conversations waiting for an agent.", g.queue_length.to_string());
    gauge(
        "taxbot_queue_oldest_wait_seconds",
        "How long the longest-waiting conversation has waited.",
        g.queue_oldest_wait_secs.to_string(),
    );
    gauge("taxbot_agents_online", "Agents online.", g.agents_online.to_string());
    if let Some(open) = g.tickets_open {
        gauge("taxbot_tickets_open", "Open tickets (留言) not yet answered.", open.to_string());
    }
    gauge("taxbot_index_build_seconds", "Time the live index took to build.", g.index_build_secs.to_string());
    gauge("taxbot_index_entries", "Entries in the live index.", g.index_entries.to_string());
    gauge("taxbot_index_bytes", "Size of the live index in bytes.", g.index_bytes.to_string());
}

fn family(o: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(o, "# HELP {name} {help}");
    let _ = writeln!(o, "# TYPE {name} {kind}");
}

/// A label value with `\`, `"` and newlines escaped as the text format requires.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_count_every_observation() {
        let m = Metrics::default();
        m.http("/api/v1/ask", "POST", 200, Duration::from_millis(3));
        m.http("/api/v1/ask", "POST", 200, Duration::from_secs(30));
        let text = m.render(&Gauges::default());
        assert!(text.contains("taxbot_http_request_duration_seconds_bucket{route=\"/api/v1/ask\",le=\"0.005\"} 1"));
        assert!(text.contains("taxbot_http_request_duration_seconds_bucket{route=\"/api/v1/ask\",le=\"+Inf\"} 2"));
        assert!(text.contains("taxbot_http_request_duration_seconds_count{route=\"/api/v1/ask\"} 2"));
        assert!(text.contains("taxbot_http_requests_total{route=\"/api/v1/ask\",method=\"POST\",status=\"200\"} 2"));
        assert!(text.contains("taxbot_first_delta_seconds_count 0"), "{text}");
    }

    #[test]
    fn store_failures_count_as_store_errors_and_labels_are_escaped() {
        let m = Metrics::default();
        m.error(Code::StoreUnavailable);
        m.error(Code::RateLimited);
        m.http("/a\"b", "GET", 404, Duration::ZERO);
        let text = m.render(&Gauges { tickets_open: Some(3), ..Gauges::default() });
        assert!(text.contains("taxbot_store_errors_total 1"), "{text}");
        assert!(text.contains("taxbot_tickets_open 3"), "{text}");
        assert!(text.contains("route=\"/a\\\"b\""), "{text}");
    }
}
