//! `/metrics` after real traffic (an HTTP question, a taxpayer and an agent
//! on their WebSockets, a bad request, a path that matches no route): every
//! family is there with values that fit what was done, and every metric the
//! Grafana dashboard (`docs/grafana-dashboard.json`) charts is in the scrape.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::helpers::{AGENT_1, always_answer, ask_answer, spawn_app_with};
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};

/// The samples of a scrape: `name{labels}` → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (key, value) = l.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {l}"));
            (key.to_owned(), value.parse::<f64>().unwrap_or_else(|_| panic!("not a number: {l}")))
        })
        .collect()
}

/// The families declared with `# TYPE`.
fn families(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .map(str::to_owned)
        .collect()
}

fn value(samples: &BTreeMap<String, f64>, key: &str) -> f64 {
    *samples.get(key).unwrap_or_else(|| panic!("no sample {key} in {samples:#?}"))
}

#[tokio::test]
async fn metrics_after_real_traffic_cover_every_family_and_the_dashboard() {
    let app = spawn_app_with(always_answer).await;
    let ask = |body: serde_json::Value| app.http.post(app.url("/api/v1/ask")).json(&body).send();
    let ok = ask(json!({"user_id": "metrics", "text": "个体工商户怎么开具发票？"})).await.expect("ask");
    assert_eq!(ok.status(), 200);
    let empty = ask(json!({"user_id": "metrics", "text": " "})).await.expect("ask");
    assert_eq!(empty.status(), 400);
    let missing = app.http.get(app.url("/no/such/path/secret-token")).send().await.expect("get");
    assert_eq!(missing.status(), 404);
    let (mut visitor, _) = app.visitor(None).await;
    ask_answer(&mut visitor, "小规模纳税人增值税免征额是多少").await;
    let (mut agent, _) = app.agent(AGENT_1).await;
    // A socket handles one frame after the other: once a ping is answered,
    // the frames before it are handled and timed.
    visitor.send_json(json!({"type": "ping"})).await;
    visitor.recv_until(|m| matches!(m, ServerMsg::Pong)).await;
    agent.send_json(json!({"type": "ping"})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Pong)).await;

    let text = app.http.get(app.url("/metrics")).send().await.expect("scrape").text().await.expect("body");
    let s = samples(&text);
    let f = families(&text);
    for family in [
        "taxbot_http_requests_total",
        "taxbot_http_request_duration_seconds",
        "taxbot_ws_connections",
        "taxbot_ws_connections_total",
        "taxbot_ws_message_duration_seconds",
        "taxbot_messages_total",
        "taxbot_decisions_total",
        "taxbot_first_delta_seconds",
        "taxbot_errors_total",
        "taxbot_store_errors_total",
        "taxbot_queue_length",
        "taxbot_queue_oldest_wait_seconds",
        "taxbot_agents_online",
        "taxbot_tickets_open",
        "taxbot_index_build_seconds",
        "taxbot_index_entries",
        "taxbot_index_bytes",
        "taxbot_build_info",
    ] {
        assert!(f.contains(family), "family {family} missing:\n{text}");
    }

    // HTTP by route template: the question, the bad request, the unmatched path (never the raw path).
    assert_eq!(value(&s, r#"taxbot_http_requests_total{route="/api/v1/ask",method="POST",status="200"}"#), 1.0);
    assert_eq!(value(&s, r#"taxbot_http_requests_total{route="/api/v1/ask",method="POST",status="400"}"#), 1.0);
    assert_eq!(value(&s, r#"taxbot_http_requests_total{route="unmatched",method="GET",status="404"}"#), 1.0);
    assert!(!text.contains("secret-token"), "a raw path in a label");
    assert_eq!(value(&s, r#"taxbot_http_request_duration_seconds_count{route="/api/v1/ask"}"#), 2.0);
    let ask_secs = value(&s, r#"taxbot_http_request_duration_seconds_sum{route="/api/v1/ask"}"#);
    assert!(ask_secs > 0.0 && ask_secs < 60.0, "{ask_secs}");
    assert_eq!(value(&s, r#"taxbot_http_request_duration_seconds_bucket{route="/api/v1/ask",le="+Inf"}"#), 2.0);

    // WebSockets by route: one taxpayer, one agent, both still open; hello and ask handled and timed.
    assert_eq!(value(&s, r#"taxbot_ws_connections{route="/ws/chat"}"#), 1.0);
    assert_eq!(value(&s, r#"taxbot_ws_connections{route="/ws/agent"}"#), 1.0);
    assert_eq!(value(&s, r#"taxbot_ws_connections_total{route="/ws/chat"}"#), 1.0);
    assert!(value(&s, r#"taxbot_ws_message_duration_seconds_count{route="/ws/chat"}"#) >= 2.0);
    assert!(value(&s, r#"taxbot_ws_message_duration_seconds_count{route="/ws/agent"}"#) >= 1.0);

    // Questions and decisions by channel.
    assert_eq!(value(&s, r#"taxbot_messages_total{channel="http"}"#), 2.0);
    assert_eq!(value(&s, r#"taxbot_messages_total{channel="web"}"#), 1.0);
    assert_eq!(value(&s, r#"taxbot_decisions_total{decision="answer",channel="http"}"#), 1.0);
    assert_eq!(value(&s, r#"taxbot_decisions_total{decision="answer",channel="web"}"#), 1.0);
    assert_eq!(value(&s, "taxbot_first_delta_seconds_count"), 1.0);

    // Errors by code, counted once; no store error.
    assert_eq!(value(&s, r#"taxbot_errors_total{code="empty_text"}"#), 1.0);
    assert_eq!(value(&s, "taxbot_store_errors_total"), 0.0);

    // Handoff, tickets, index, build.
    assert_eq!(value(&s, "taxbot_agents_online"), 1.0);
    assert_eq!(value(&s, "taxbot_queue_length"), 0.0);
    assert_eq!(value(&s, "taxbot_queue_oldest_wait_seconds"), 0.0);
    assert_eq!(value(&s, "taxbot_tickets_open"), 0.0);
    let shipped = taxbot::kb::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base"))
        .expect("shipped base")
        .entries
        .len();
    assert_eq!(value(&s, "taxbot_index_entries"), shipped as f64);
    assert!(value(&s, "taxbot_index_bytes") > 10_000.0);
    let build = value(&s, "taxbot_index_build_seconds");
    assert!(build > 0.0 && build < 600.0, "{build}");
    assert_eq!(value(&s, &format!("taxbot_build_info{{version=\"{}\"}}", env!("CARGO_PKG_VERSION"))), 1.0);

    // Every metric the dashboard charts is in the scrape.
    let dashboard = include_str!("../../docs/grafana-dashboard.json");
    let _: serde_json::Value = serde_json::from_str(dashboard).expect("the dashboard is JSON");
    let mut charted = BTreeSet::new();
    for (i, _) in dashboard.match_indices("taxbot_") {
        let name: String =
            dashboard[i..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit()).collect();
        charted.insert(name);
    }
    assert!(charted.len() >= 15, "{charted:?}");
    for name in &charted {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .fold(name.as_str(), |n, suffix| n.strip_suffix(suffix).filter(|base| f.contains(*base)).unwrap_or(n));
        assert!(f.contains(family), "the dashboard charts {name}, which /metrics does not have");
    }
}
