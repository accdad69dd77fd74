//! Log lines of `taxbot serve`: `[log] format = "json"` writes one JSON object
//! per line, text written to a pipe has no terminal escape codes, and every
//! request and question (HTTP or WebSocket) names its request id.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn json_logs_are_one_object_per_line_without_escape_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_taxbot"))
        .arg("serve")
        .env("TAXBOT_LOG", "info")
        .env("TAXBOT_LOG__FORMAT", "json")
        .env("TAXBOT_STORE__DATA_DIR", dir.path())
        .env("TAXBOT_SERVER__BIND", "127.0.0.1:0")
        .env("TAXBOT_KB__DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-base"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("taxbot serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = Vec::new();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("stderr") {
            seen.push(line.clone());
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if let Some(url) = v["fields"]["message"].as_str().and_then(|m| m.split("http://").nth(1)) {
                return url.to_owned();
            }
        }
        panic!("the server exited before listening: {seen:?}");
    })
    .await
    .expect("listening in time");
    let r = reqwest::get(format!("http://{addr}/healthz")).await.expect("healthz");
    assert!(r.status().is_success());

    // A graceful stop logs too; every line is still JSON.
    let pid = child.id().expect("pid");
    std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill -TERM");
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("stderr") {
            seen.push(line);
        }
    })
    .await
    .expect("the server stops in time");
    assert!(seen.len() >= 2, "{seen:?}");
    for line in &seen {
        assert!(!line.contains('\u{1b}'), "an escape code in a log file: {line:?}");
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{line}");
    }
}

/// The JSON log lines of `lines` whose message is `message`.
fn lines_with_message(lines: &[String], message: &str) -> Vec<serde_json::Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == message)
        .collect()
}

#[tokio::test]
async fn every_request_and_question_is_one_info_line_with_timings_and_no_raw_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = crate::process::taxbot();
    cmd.arg("serve")
        .env("TAXBOT_LOG", "info")
        .env("TAXBOT_LOG__FORMAT", "json")
        .env("TAXBOT_STORE__DATA_DIR", dir.path())
        .env("TAXBOT_SERVER__BIND", "127.0.0.1:0")
        .env("TAXBOT_API__ALLOW_ANONYMOUS", "true")
        .env("TAXBOT_KB__DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-base"));
    let server = crate::process::serve(cmd).await;
    let phone = "13812345678";
    let r = reqwest::Client::new()
        .post(server.url("/api/v1/ask"))
        .header("x-request-id", "trace-abc-123")
        .json(
            &serde_json::json!({"user_id": "log-test", "text": format!("我的手机号{phone}，个体工商户怎么开具发票？")}),
        )
        .send()
        .await
        .expect("ask");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-request-id"], "trace-abc-123");
    let body: serde_json::Value = r.json().await.expect("json");
    let health = reqwest::get(server.url("/healthz")).await.expect("healthz");
    let fresh_id = health.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert!(fresh_id.len() >= 16, "a fresh id when the client sends none: {fresh_id}");
    let lines = server.stop().await;

    for line in &lines {
        assert!(!line.contains(phone), "a raw phone number in the log: {line}");
    }
    let requests = lines_with_message(&lines, "http request");
    let ask = requests
        .iter()
        .find(|v| v["fields"]["route"] == "/api/v1/ask")
        .unwrap_or_else(|| panic!("no request line for /api/v1/ask: {lines:?}"));
    assert_eq!(ask["level"], "INFO");
    assert_eq!(ask["fields"]["method"], "POST");
    assert_eq!(ask["fields"]["status"], 200);
    assert_eq!(ask["fields"]["request_id"], "trace-abc-123");
    assert!(ask["fields"]["duration_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{ask}");
    assert!(requests.iter().any(|v| v["fields"]["route"] == "/healthz" && v["fields"]["request_id"] == fresh_id));

    let questions = lines_with_message(&lines, "question");
    assert_eq!(questions.len(), 1, "{lines:?}");
    let q = &questions[0];
    assert_eq!(q["level"], "INFO");
    assert_eq!(q["fields"]["channel"], "http");
    assert_eq!(q["fields"]["decision"], body["decision"]);
    assert_eq!(q["fields"]["session"], body["session_id"]);
    if body["decision"] == "answer" {
        assert_eq!(q["fields"]["entry_id"], body["entry_id"]);
        assert!(q["fields"]["confidence"].as_f64().is_some_and(|c| (0.0..=1.0).contains(&c)), "{q}");
    }
    assert!(q["fields"]["duration_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{q}");
    assert!(q["fields"]["text"].as_str().is_some_and(|t| t.contains("个体工商户") && t.contains('*')), "{q}");
    assert_eq!(q["span"]["request_id"], "trace-abc-123", "the question's line is in its request's span: {q}");
}

/// `taxbot serve` on port 0 logging at info in `format`, with the shipped knowledge base.
async fn serve_logging(dir: &std::path::Path, format: &str) -> crate::process::Served {
    let mut cmd = crate::process::taxbot();
    cmd.arg("serve")
        .env("TAXBOT_LOG", "info")
        .env("TAXBOT_LOG__FORMAT", format)
        .env("TAXBOT_STORE__DATA_DIR", dir)
        .env("TAXBOT_SERVER__BIND", "127.0.0.1:0")
        .env("TAXBOT_KB__DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-base"));
    crate::process::serve(cmd).await
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Asks one question over `/ws/chat`, the upgrade request carrying `request_id`,
/// and returns once a reply arrives (the question's line is written before it).
async fn ask_over_websocket(server: &crate::process::Served, request_id: &str) {
    use futures_util::SinkExt as _;
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest as _};
    let mut req = format!("ws://{}/ws/chat", server.addr).into_client_request().expect("url");
    req.headers_mut().insert("x-request-id", request_id.parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("websocket connects");
    let send = |v: serde_json::Value| Message::text(v.to_string());
    ws.send(send(serde_json::json!({"type": "hello"}))).await.expect("hello");
    assert_eq!(next_frame(&mut ws).await["type"], "welcome");
    ws.send(send(serde_json::json!({"type": "ask", "text": "个体工商户怎么开具发票？"}))).await.expect("ask");
    next_frame(&mut ws).await;
}

/// The next text frame of `ws`, decoded.
async fn next_frame(ws: &mut Socket) -> serde_json::Value {
    use futures_util::StreamExt as _;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(30), ws.next()).await.expect("a frame in time");
        if let tokio_tungstenite::tungstenite::Message::Text(t) = frame.expect("open").expect("frame") {
            return serde_json::from_str(t.as_str()).expect("a JSON frame");
        }
    }
}

#[tokio::test]
async fn a_websocket_question_line_names_the_upgrade_request_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve_logging(dir.path(), "json").await;
    ask_over_websocket(&server, "ws-trace-42").await;
    let lines = server.stop().await;
    let questions = lines_with_message(&lines, "question");
    assert_eq!(questions.len(), 1, "{lines:?}");
    let q = &questions[0];
    assert_eq!(q["fields"]["channel"], "web", "{q}");
    let spans = q["spans"].as_array().unwrap_or_else(|| panic!("no spans: {q}"));
    assert!(spans.iter().any(|s| s["request_id"] == "ws-trace-42"), "the question's line names no request id: {q}");
}

#[tokio::test]
async fn text_logs_to_a_pipe_have_no_escape_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve_logging(dir.path(), "text").await;
    let r = reqwest::get(server.url("/healthz")).await.expect("healthz");
    assert!(r.status().is_success());
    ask_over_websocket(&server, "ws-trace-text").await;
    let lines = server.stop().await;
    assert!(lines.iter().any(|l| l.contains("http request")), "{lines:?}");
    let question = lines.iter().find(|l| l.contains(" question ") || l.ends_with(" question"));
    assert!(question.is_some_and(|l| l.contains("ws-trace-text")), "{lines:?}");
    for line in &lines {
        assert!(!line.contains('\u{1b}'), "an escape code in a log written to a pipe: {line:?}");
    }
}
