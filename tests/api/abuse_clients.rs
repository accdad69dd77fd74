//! Abuse: one address floods connections, trickles headers, asks as fast as
//! it can or leaves 留言 in bulk; the per-client limits stop it and a normal
//! client (from another loopback address) is served throughout.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{AGENT_1, TestApp, always_answer, ask_answer, spawn_app_with};
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};

const QUESTION: &str = "小规模纳税人增值税免征额是多少";
/// A guard against hangs, not a readiness wait.
const WAIT: Duration = Duration::from_secs(10);

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

/// A TCP connection to the app from the loopback address `from`.
async fn tcp_from(from: &str, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(ip(from), 0))?;
    socket.connect(to).await
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

/// A `/ws/chat` socket from `from`, or `None` when the server refuses it.
async fn ws_from(app: &TestApp, from: &str) -> Option<Ws> {
    let tcp = tcp_from(from, app.addr).await.ok()?;
    let url = format!("ws://{}/ws/chat", app.addr);
    tokio::time::timeout(WAIT, tokio_tungstenite::client_async(url, tcp)).await.ok()?.ok().map(|(ws, _)| ws)
}

/// Reads frames until the server closes; returns the error codes seen.
async fn codes_until_closed(ws: &mut Ws) -> Vec<String> {
    let mut codes = Vec::new();
    while let Ok(Some(Ok(m))) = tokio::time::timeout(WAIT, ws.next()).await {
        match m {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str()).expect("json frame");
                if let Some(code) = v["code"].as_str() {
                    codes.push(code.to_owned());
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    codes
}

/// A normal taxpayer from 127.0.0.2 gets a welcome and an answer.
async fn a_normal_visitor_is_served(app: &TestApp) {
    let mut ws = ws_from(app, "127.0.0.2").await.expect("a normal client connects");
    ws.send(Message::text(json!({"type": "hello"}).to_string())).await.expect("send");
    ws.send(Message::text(json!({"type": "ask", "text": QUESTION}).to_string())).await.expect("send");
    let mut answered = false;
    while let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(WAIT, ws.next()).await {
        let m: ServerMsg = serde_json::from_str(t.as_str()).expect("frame");
        if matches!(m, ServerMsg::AnswerEnd { .. }) {
            answered = true;
            break;
        }
    }
    assert!(answered, "the normal client got its answer");
}

#[tokio::test]
async fn a_connection_flood_from_one_address_is_capped_and_closed_without_hello() {
    let app = spawn_app_with(|c| {
        always_answer(c);
        c.limits.connections_per_address = 20;
        c.limits.hello_secs = 2;
    })
    .await;
    let mut flood = Vec::new();
    for _ in 0..60 {
        if let Some(ws) = ws_from(&app, "127.0.0.3").await {
            flood.push(ws);
        }
    }
    assert!(!flood.is_empty() && flood.len() <= 20, "{} sockets from one address", flood.len());
    a_normal_visitor_is_served(&app).await;
    for ws in flood.iter_mut().take(3) {
        assert_eq!(codes_until_closed(ws).await, ["hello_timeout"], "a socket without hello is closed");
    }
    drop(flood);
    a_normal_visitor_is_served(&app).await;
}

#[tokio::test]
async fn a_socket_that_falls_silent_after_hello_is_pinged_then_closed() {
    let app = spawn_app_with(|c| {
        always_answer(c);
        c.limits.connections_per_address = 8;
        c.limits.idle_secs = 2;
        c.limits.ping_secs = 1;
    })
    .await;
    let mut silent = Vec::new();
    for _ in 0..3 {
        let mut ws = ws_from(&app, "127.0.0.5").await.expect("connects");
        ws.send(Message::text(json!({"type": "hello"}).to_string())).await.expect("hello");
        silent.push(ws);
    }
    // Each one is pinged (the client library answers with pongs, which do not
    // count as activity) and closed with idle_timeout.
    let mut pinged = false;
    for ws in &mut silent {
        let mut codes = Vec::new();
        while let Ok(Some(Ok(m))) = tokio::time::timeout(WAIT, ws.next()).await {
            match m {
                Message::Ping(_) => pinged = true,
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(t.as_str()).expect("json frame");
                    codes.extend(v["code"].as_str().map(str::to_owned));
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
        assert_eq!(codes, ["idle_timeout"]);
    }
    assert!(pinged, "the server pings quiet sockets");
    drop(silent);
    let mut again = ws_from(&app, "127.0.0.5").await.expect("a new socket connects");
    again.send(Message::text(json!({"type": "hello"}).to_string())).await.expect("hello");
    let first = tokio::time::timeout(WAIT, again.next()).await.expect("in time").expect("open").expect("frame");
    assert!(matches!(&first, Message::Text(t) if t.as_str().contains("welcome")), "{first:?}");
}

#[tokio::test]
async fn a_slowloris_is_disconnected_and_holds_nothing() {
    let app = spawn_app_with(|c| {
        always_answer(c);
        c.limits.header_read_secs = 1;
        c.limits.connections_per_address = 10;
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..10 {
        let mut tcp = tcp_from("127.0.0.4", app.addr).await.expect("connects");
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.expect("partial headers");
        slow.push(tcp);
    }
    a_normal_visitor_is_served(&app).await;
    for tcp in &mut slow {
        let mut buf = [0u8; 512];
        let read = tokio::time::timeout(WAIT, tcp.read(&mut buf)).await.expect("the server hangs up in time");
        // hyper may answer 408 before closing; either way the connection ends.
        if let Ok(n) = read
            && n > 0
        {
            let mut rest = Vec::new();
            let _ = tokio::time::timeout(WAIT, tcp.read_to_end(&mut rest)).await.expect("then closes");
        }
    }
    let healthz = app.http.get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(healthz.status(), StatusCode::OK);
}

#[tokio::test]
async fn asks_per_second_are_bounded_per_address_on_the_http_api() {
    let app = spawn_app_with(|c| {
        always_answer(c);
        c.limits.asks_per_sec = 1;
        c.limits.ask_burst = 3;
    })
    .await;
    let ask = |http: reqwest::Client| {
        let url = app.url("/api/v1/ask");
        async move { http.post(url).json(&json!({"user_id": "bot", "text": QUESTION})).send().await.expect("ask") }
    };
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(ask(app.http.clone()).await.status());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 3, "{statuses:?}");
    let limited = ask(app.http.clone()).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = limited.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited");
    let other = reqwest::Client::builder().local_address(ip("127.0.0.2")).build().expect("client");
    assert_eq!(ask(other).await.status(), StatusCode::OK, "another address is not affected");
    let stream = app.http.get(app.url("/api/v1/ask/stream")).query(&[("user_id", "bot"), ("text", QUESTION)]);
    assert_eq!(stream.send().await.expect("sse").status(), StatusCode::TOO_MANY_REQUESTS, "SSE shares the bound");
}

#[tokio::test]
async fn tickets_are_bounded_per_visitor_and_the_agent_welcome_is_one_page() {
    let app = spawn_app_with(|c| {
        always_answer(c);
        c.limits.tickets_per_visitor_per_day = 2;
        c.limits.tickets_per_address_per_day = 5;
        c.handoff.welcome_tickets = 2;
    })
    .await;
    let mut created = Vec::new();
    for visitor in 0..4 {
        let (mut v, _) = app.visitor(None).await;
        for i in 0..3 {
            v.send_json(json!({"type": "leave_message", "text": format!("留言 {visitor}-{i}")})).await;
            let m = v.recv_until(|m| matches!(m, ServerMsg::TicketCreated { .. } | ServerMsg::Error { .. })).await;
            match m {
                ServerMsg::TicketCreated { ticket_id, .. } => created.push(ticket_id),
                ServerMsg::Error { code, .. } => assert_eq!(code.as_str(), "too_many_tickets"),
                _ => unreachable!(),
            }
        }
    }
    assert_eq!(created.len(), 5, "2 + 2 per visitor, then the address's 5th: {created:?}");
    let (mut agent, welcome) = app.agent(AGENT_1).await;
    let AgentServerMsg::Welcome { tickets, tickets_total, .. } = welcome else { unreachable!() };
    assert_eq!(tickets_total, 5);
    let ids: Vec<i64> = tickets.iter().map(|t| t.ticket_id).collect();
    let mut newest: Vec<i64> = created.clone();
    newest.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, newest[..2]);
    let mut seen = ids;
    loop {
        agent.send_json(json!({"type": "list_tickets", "before": seen.last()})).await;
        let page = agent.recv_until(|m| matches!(m, AgentServerMsg::Tickets { .. })).await;
        let AgentServerMsg::Tickets { tickets, more } = page else { unreachable!() };
        seen.extend(tickets.iter().map(|t| t.ticket_id));
        if !more {
            break;
        }
    }
    assert_eq!(seen, newest, "paging reaches every open ticket once");
    let (mut v, _) = app.visitor(None).await;
    let (_, entry, _) = ask_answer(&mut v, QUESTION).await;
    assert!(!entry.is_empty(), "taxpayers are still answered");
}
