//! The WebSocket load generator behind `taxbot bench ws`: many concurrent
//! sessions on `/ws/chat`, each asking at a fixed rate, reporting messages per
//! second and the time from `ask` to the first `answer.delta`.
//!
//! It targets whatever URL it is given; point it only at a server you run on
//! this machine. Every run is bounded by `duration`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// e.g. `ws://127.0.0.1:8080/ws/chat`.
    pub url: String,
    /// Concurrent sessions.
    pub sessions: usize,
    /// Questions per second per session.
    pub rate: f64,
    /// How long to ask (after all sessions are connected).
    pub duration: Duration,
    /// Questions to pick from, round robin.
    pub questions: Vec<String>,
    /// Connections opened at once while ramping up.
    pub connect_parallelism: usize,
}

/// What happened.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Sessions that completed the hello.
    pub connected: usize,
    /// Sessions that failed to connect.
    pub connect_failures: usize,
    /// Questions sent.
    pub asks: u64,
    /// Questions answered with a streamed answer.
    pub answers: u64,
    /// Questions answered otherwise (clarify, no_match, text…).
    pub other_replies: u64,
    /// `error` frames received.
    pub errors: u64,
    /// Ticks skipped because the previous question was still streaming.
    pub skipped: u64,
    /// Questions given up on after [`REPLY_TIMEOUT`] without a reply.
    pub unanswered: u64,
    /// Frames received per second (all sessions).
    pub messages_per_sec: f64,
    /// Questions sent per second.
    pub asks_per_sec: f64,
    /// Time from `ask` to the first `answer.delta`, in milliseconds.
    pub first_delta_p50_ms: f64,
    /// 99th percentile of the same.
    pub first_delta_p99_ms: f64,
    /// Worst case.
    pub first_delta_max_ms: f64,
    /// Measured seconds.
    pub elapsed_secs: f64,
}

#[derive(Default)]
struct Tally {
    asks: u64,
    answers: u64,
    other: u64,
    errors: u64,
    skipped: u64,
    unanswered: u64,
    frames: u64,
    first_delta: Vec<Duration>,
}

/// Why the bench could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// No questions to ask.
    #[error("没有可用的问题")]
    NoQuestions,
    /// No session could connect.
    #[error("没有会话连接成功：{0}")]
    Connect(String),
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> Result<Socket, String> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.map_err(|e| e.to_string())?;
    ws.send(Message::text(r#"{"type":"hello"}"#)).await.map_err(|e| e.to_string())?;
    while let Some(m) = ws.next().await {
        let m = m.map_err(|e| e.to_string())?;
        if m.to_text().is_ok_and(|t| t.contains(r#""type":"welcome""#)) {
            return Ok(ws);
        }
    }
    Err("连接在 welcome 之前关闭".into())
}

/// A question with no reply after this long is counted as unanswered and the
/// session asks its next one (a session never stalls for the rest of a run).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether a frame of type `kind` finishes the reply to an `ask`: the end of a
/// streamed answer, or any single-frame reply (clarify, out_of_scope, no_match,
/// text, queue, an error …). Only the acknowledgement, the start and the
/// pieces of a streamed answer, and keep-alives leave it open.
fn ends_reply(kind: &str) -> bool {
    !matches!(kind, "ack" | "answer.start" | "answer.delta" | "pong" | "welcome")
}

/// The frame's type. The server writes `type` first, so reading the prefix
/// is enough and keeps the generator's own CPU use low.
fn kind(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(r#"{"type":""#)?;
    rest.split('"').next()
}

async fn session(
    mut ws: Socket,
    questions: Arc<Vec<String>>,
    offset: usize,
    period: Duration,
    until: Instant,
) -> Tally {
    let mut t = Tally::default();
    let start = tokio::time::Instant::now() + period.mul_f64((offset % 97) as f64 / 97.0);
    let mut tick = tokio::time::interval_at(start, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pending: Option<(Instant, bool)> = None;
    let mut n = offset;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if Instant::now() >= until {
                    break;
                }
                match pending {
                    // Given up on: the next question replaces it below.
                    Some((sent, _)) if sent.elapsed() >= REPLY_TIMEOUT => t.unanswered += 1,
                    Some(_) => {
                        t.skipped += 1;
                        continue;
                    }
                    None => {}
                }
                let q = &questions[n % questions.len()];
                n += 1;
                let frame = serde_json::json!({"type": "ask", "text": q}).to_string();
                if ws.send(Message::text(frame)).await.is_err() {
                    break;
                }
                t.asks += 1;
                pending = Some((Instant::now(), false));
            }
            m = ws.next() => {
                let Some(Ok(m)) = m else { break };
                t.frames += 1;
                let Ok(text) = m.to_text() else { continue };
                let Some(kind) = kind(text) else { continue };
                match (kind, pending.as_mut()) {
                    ("answer.delta", Some((sent, seen))) if !*seen => {
                        t.first_delta.push(sent.elapsed());
                        *seen = true;
                    }
                    ("answer.end", Some(_)) => {
                        t.answers += 1;
                        pending = None;
                    }
                    ("error", _) => {
                        t.errors += 1;
                        pending = None;
                    }
                    (kind, Some(_)) if ends_reply(kind) => {
                        t.other += 1;
                        pending = None;
                    }
                    _ => {}
                }
            }
        }
    }
    let _ = ws.close(None).await;
    t
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Connects all sessions, lets them ask for `duration`, and reports.
pub async fn run(opts: Options) -> Result<Report, BenchError> {
    if opts.questions.is_empty() {
        return Err(BenchError::NoQuestions);
    }
    let gate = Arc::new(Semaphore::new(opts.connect_parallelism.max(1)));
    let mut connecting = JoinSet::new();
    for _ in 0..opts.sessions {
        let (gate, url) = (Arc::clone(&gate), opts.url.clone());
        connecting.spawn(async move {
            let _permit = gate.acquire_owned().await;
            connect(&url).await
        });
    }
    let mut sockets = Vec::with_capacity(opts.sessions);
    let mut last_error = String::new();
    while let Some(r) = connecting.join_next().await {
        match r {
            Ok(Ok(ws)) => sockets.push(ws),
            Ok(Err(e)) => last_error = e,
            Err(e) => last_error = e.to_string(),
        }
    }
    let connected = sockets.len();
    if connected == 0 {
        return Err(BenchError::Connect(last_error));
    }
    let questions = Arc::new(opts.questions.clone());
    let period = Duration::from_secs_f64(1.0 / opts.rate.max(0.001));
    let started = Instant::now();
    let until = started + opts.duration;
    let mut running = JoinSet::new();
    for (i, ws) in sockets.into_iter().enumerate() {
        running.spawn(session(ws, Arc::clone(&questions), i, period, until));
    }
    let mut total = Tally::default();
    while let Some(r) = running.join_next().await {
        if let Ok(t) = r {
            total.asks += t.asks;
            total.answers += t.answers;
            total.other += t.other;
            total.errors += t.errors;
            total.skipped += t.skipped;
            total.unanswered += t.unanswered;
            total.frames += t.frames;
            total.first_delta.extend(t.first_delta);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    total.first_delta.sort();
    Ok(Report {
        connected,
        connect_failures: opts.sessions - connected,
        asks: total.asks,
        answers: total.answers,
        other_replies: total.other,
        errors: total.errors,
        skipped: total.skipped,
        unanswered: total.unanswered,
        messages_per_sec: total.frames as f64 / elapsed,
        asks_per_sec: total.asks as f64 / elapsed,
        first_delta_p50_ms: percentile(&total.first_delta, 0.50),
        first_delta_p99_ms: percentile(&total.first_delta, 0.99),
        first_delta_max_ms: percentile(&total.first_delta, 1.0),
        elapsed_secs: elapsed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_single_frame_reply_ends_the_wait_and_stream_pieces_do_not() {
        // `out_of_scope` was missing from an earlier list: each such reply
        // stalled its session for the rest of the run.
        for kind in ["answer.end", "clarify", "out_of_scope", "no_match", "text", "queue", "handoff.offline", "error"] {
            assert!(ends_reply(kind), "{kind}");
        }
        for kind in ["ack", "answer.start", "answer.delta", "pong"] {
            assert!(!ends_reply(kind), "{kind}");
        }
    }
}
