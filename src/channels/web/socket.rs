//! The one WebSocket session loop: frames in, events from the hub, shutdown,
//! frames out. The taxpayer socket and the agent console differ only in
//! their [`Handler`].

use std::future::Future;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, close_code};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use super::Flow;
use super::inbound::{Inbound, inbound};
use super::limit::RateLimiter;
use super::protocol::FrameError;

/// The outgoing half of a socket: frames are queued with [`Out::send`] and
/// written by the loop's flush after each input or event, so a reply of
/// several frames costs one write.
pub(super) struct Out<S> {
    sink: S,
}

impl<S: Sink<Message> + Unpin> Out<S> {
    /// Queues one JSON frame.
    pub(super) async fn send<T: Serialize>(&mut self, msg: &T) -> Flow {
        let Ok(text) = serde_json::to_string(msg) else {
            return Flow::Continue;
        };
        match self.sink.feed(Message::Text(text.into())).await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Close,
        }
    }

    /// Queues a WebSocket ping.
    pub(super) async fn ping(&mut self) -> Flow {
        match self.sink.feed(Message::Ping(Default::default())).await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Close,
        }
    }

    /// Writes what is queued.
    pub(super) async fn flush(&mut self) -> Flow {
        match self.sink.flush().await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Close,
        }
    }
}

/// What one kind of socket does with its inputs.
pub(super) trait Handler<S>: Send {
    /// The client messages it accepts.
    type In: DeserializeOwned;
    /// What the hub pushes to it.
    type Event: Send;
    /// The `type` tags of `In` (anything else is an unknown type).
    const TYPES: &'static [&'static str];

    /// The next hub event; pending while there is no subscription yet.
    fn next_event(&mut self) -> impl Future<Output = Option<Self::Event>> + Send;
    /// Handles one valid client message.
    fn message(&mut self, out: &mut Out<S>, msg: Self::In) -> impl Future<Output = Flow> + Send;
    /// Forwards one hub event.
    fn event(&mut self, out: &mut Out<S>, event: Self::Event) -> impl Future<Output = Flow> + Send;
    /// Answers a frame that failed the checks (the connection stays open).
    fn invalid(&mut self, out: &mut Out<S>, e: FrameError) -> impl Future<Output = Flow> + Send;
    /// Whether the client has yet to send `hello` (the loop closes the
    /// connection at [`FrameLimits::hello_by`] while it has not).
    fn awaiting_hello(&self) -> bool;
    /// Tells the client the server is restarting (the loop then closes).
    fn restarting(&mut self, out: &mut Out<S>) -> impl Future<Output = Flow> + Send;
    /// Releases what the connection held once it is closed.
    fn closed(self) -> impl Future<Output = ()> + Send;
}

/// The next event of a subscription, or never while there is none yet.
pub(super) async fn subscribed<T>(rx: &mut Option<tokio::sync::mpsc::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Per-connection limits.
pub(super) struct FrameLimits {
    /// Text frames above this size get an error frame.
    pub max_bytes: usize,
    /// Frames beyond this rate get an error frame.
    pub limiter: RateLimiter,
    /// After shutdown begins, work still running this long is cut short so
    /// the client gets `server.restarting` and a close frame within the grace period.
    pub finish_within: Duration,
    /// When a connection without `hello` is closed (`limits.hello_secs`).
    pub hello_by: tokio::time::Instant,
    /// A connection the client left silent this long is closed (`limits.idle_secs`).
    pub idle_after: Duration,
    /// How often the server pings (`limits.ping_secs`).
    pub ping_every: Duration,
}

/// Completes at `deadline` while `waiting`; never otherwise.
async fn until_hello(waiting: bool, deadline: tokio::time::Instant) {
    if waiting {
        tokio::time::sleep_until(deadline).await;
    } else {
        std::future::pending::<()>().await;
    }
}

impl FrameLimits {
    /// The configured limits of a fresh connection.
    pub(super) fn of(state: &super::WebState) -> Self {
        FrameLimits {
            max_bytes: state.server.max_frame_bytes,
            limiter: RateLimiter::new(state.server.messages_per_sec, state.server.message_burst),
            hello_by: super::hello_deadline(state),
            finish_within: Duration::from_secs(state.server.shutdown_grace_secs) / 2,
            idle_after: Duration::from_secs(state.limits.settings().idle_secs.max(1)),
            ping_every: Duration::from_secs(state.limits.settings().ping_secs.max(1)),
        }
    }
}

/// Completes `after` the shutdown began.
async fn overdue(shutdown: &CancellationToken, after: Duration) {
    shutdown.cancelled().await;
    tokio::time::sleep(after).await;
}

/// The close frame of a server that is going away (1001).
fn going_away() -> Message {
    Message::Close(Some(CloseFrame { code: close_code::AWAY, reason: "server restarting".into() }))
}

/// Runs one connection until the client closes, a write fails, the handler
/// asks to close or `shutdown` is cancelled; then sends a close frame and
/// hands the connection back to the handler's `closed`.
pub(super) async fn run<H, S, I, E>(
    mut handler: H,
    sink: S,
    mut input: I,
    mut limits: FrameLimits,
    shutdown: CancellationToken,
) where
    H: Handler<S>,
    S: Sink<Message> + Unpin + Send,
    I: Stream<Item = Result<Message, E>> + Unpin + Send,
    E: std::fmt::Display,
{
    let mut out = Out { sink };
    let finish_within = limits.finish_within;
    let mut close = None;
    let (mut heard, mut pinged) = (tokio::time::Instant::now(), tokio::time::Instant::now());
    let stopping = loop {
        let awaiting_hello = handler.awaiting_hello();
        let wake = (pinged + limits.ping_every).min(heard + limits.idle_after);
        let step = async {
            tokio::select! {
                _ = shutdown.cancelled() => None,
                () = tokio::time::sleep_until(wake) => Some({
                    let now = tokio::time::Instant::now();
                    if now >= heard + limits.idle_after {
                        let _ = handler.invalid(&mut out, FrameError::IdleTimeout).await;
                        Flow::Close
                    } else {
                        pinged = now;
                        out.ping().await
                    }
                }),
                Some(event) = handler.next_event() => Some(handler.event(&mut out, event).await),
                () = until_hello(awaiting_hello, limits.hello_by) => {
                    let _ = handler.invalid(&mut out, FrameError::HelloTimeout).await;
                    Some(Flow::Close)
                }
                frame = input.next() => Some(match frame {
                    Some(Ok(m)) => {
                        if !matches!(m, Message::Pong(_)) {
                            heard = tokio::time::Instant::now();
                        }
                        match inbound::<H::In>(m, limits.max_bytes, &mut limits.limiter, H::TYPES) {
                        Inbound::Msg(msg) => handler.message(&mut out, msg).await,
                        Inbound::Invalid(e) => handler.invalid(&mut out, e).await,
                        Inbound::Close => Flow::Close,
                        Inbound::Ignore => Flow::Continue,
                    }},
                    Some(Err(e)) if too_big(&e) => {
                        close = Some(CloseFrame { code: MESSAGE_TOO_BIG, reason: "消息过大".into() });
                        Flow::Close
                    }
                    _ => Flow::Close,
                }),
            }
        };
        // A step still running well into the shutdown (a long paced answer) is
        // dropped: what it stored stays stored, the client gets its notice.
        let flow = tokio::select! {
            flow = step => flow,
            () = overdue(&shutdown, finish_within) => None,
        };
        match flow {
            None => break true,
            Some(Flow::Close) => break shutdown.is_cancelled(),
            Some(Flow::Continue) if matches!(out.flush().await, Flow::Close) => break false,
            Some(Flow::Continue) => {}
        }
    };
    if stopping {
        let _ = handler.restarting(&mut out).await;
        let _ = out.sink.send(going_away()).await;
    } else {
        let _ = out.sink.send(Message::Close(close)).await;
    }
    handler.closed().await;
}

/// The close code of a message over the transport limit (RFC 6455 §7.4.1).
const MESSAGE_TOO_BIG: u16 = 1009;

/// Whether a read failed because the message or frame exceeded the transport
/// limit (the WebSocket library reports it as a capacity error; its type is
/// the server framework's, so it is recognised by its text).
fn too_big(e: &impl std::fmt::Display) -> bool {
    let text = e.to_string();
    text.contains("Space limit exceeded") || text.contains("too long") || text.contains("too big")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde::Deserialize;
    use tokio::sync::mpsc;

    use super::*;
    use crate::api_error::ErrorCode;

    #[derive(Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Cmd {
        Say { text: String },
        Hang,
        Quit,
    }

    /// Echoes `say`, forwards events, records what happened.
    struct Echo {
        events: mpsc::Receiver<String>,
        log: Arc<Mutex<Vec<String>>>,
    }

    impl<S: Sink<Message> + Unpin + Send> Handler<S> for Echo {
        type In = Cmd;
        type Event = String;
        const TYPES: &'static [&'static str] = &["say", "hang", "quit"];

        async fn next_event(&mut self) -> Option<String> {
            self.events.recv().await
        }
        async fn message(&mut self, out: &mut Out<S>, msg: Cmd) -> Flow {
            match msg {
                Cmd::Say { text } => out.send(&format!("echo:{text}")).await,
                Cmd::Hang => std::future::pending().await,
                Cmd::Quit => Flow::Close,
            }
        }
        async fn event(&mut self, out: &mut Out<S>, event: String) -> Flow {
            out.send(&format!("event:{event}")).await
        }
        async fn invalid(&mut self, out: &mut Out<S>, e: FrameError) -> Flow {
            out.send(&format!("error:{}", e.code().as_str())).await
        }
        fn awaiting_hello(&self) -> bool {
            false
        }
        async fn restarting(&mut self, out: &mut Out<S>) -> Flow {
            out.send(&"restarting").await
        }
        async fn closed(self) {
            self.log.lock().expect("log").push("closed".into());
        }
    }

    struct Harness {
        to_server: mpsc::UnboundedSender<Message>,
        from_server: mpsc::UnboundedReceiver<Message>,
        events: mpsc::Sender<String>,
        shutdown: CancellationToken,
        log: Arc<Mutex<Vec<String>>>,
        task: tokio::task::JoinHandle<()>,
        started: tokio::time::Instant,
    }

    fn start(rate: u32) -> Harness {
        let (to_server, rx_in) = mpsc::unbounded_channel::<Message>();
        let (tx_out, from_server) = mpsc::unbounded_channel::<Message>();
        let (events, rx_events) = mpsc::channel(8);
        let log = Arc::new(Mutex::new(Vec::new()));
        let input = Box::pin(futures_util::stream::unfold(rx_in, |mut rx| async move {
            rx.recv().await.map(|m| (Ok::<_, String>(m), rx))
        }));
        let sink = Box::pin(futures_util::sink::unfold(tx_out, |tx, m: Message| async move {
            tx.send(m).map_err(|_| ())?;
            Ok::<_, ()>(tx)
        }));
        let handler = Echo { events: rx_events, log: Arc::clone(&log) };
        let hello_by = tokio::time::Instant::now() + Duration::from_secs(60);
        let limits = FrameLimits {
            max_bytes: 64,
            limiter: RateLimiter::new(rate, rate),
            hello_by,
            finish_within: Duration::from_millis(100),
            idle_after: Duration::from_secs(120),
            ping_every: Duration::from_secs(30),
        };
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(run(handler, sink, input, limits, shutdown.clone()));
        let started = tokio::time::Instant::now();
        Harness { to_server, from_server, events, shutdown, log, task, started }
    }

    async fn next_text(h: &mut Harness) -> String {
        let m = tokio::time::timeout(Duration::from_secs(5), h.from_server.recv()).await.expect("a frame in time");
        match m.expect("open") {
            Message::Text(t) => serde_json::from_str::<String>(t.as_str()).expect("a JSON string"),
            other => format!("{other:?}"),
        }
    }

    fn text(s: &str) -> Message {
        Message::Text(s.into())
    }

    #[tokio::test]
    async fn messages_events_and_bad_frames_are_handled_in_order() {
        let mut h = start(100);
        h.to_server.send(text(r#"{"type":"say","text":"你好"}"#)).expect("send");
        assert_eq!(next_text(&mut h).await, "echo:你好");
        h.events.send("queued".into()).await.expect("event");
        assert_eq!(next_text(&mut h).await, "event:queued");
        h.to_server.send(text(r#"{"type":"dance"}"#)).expect("send");
        assert_eq!(next_text(&mut h).await, "error:unknown_type");
        h.to_server.send(text(&"长".repeat(40))).expect("send");
        assert_eq!(next_text(&mut h).await, "error:frame_too_large");
        h.to_server.send(Message::Binary(vec![1, 2].into())).expect("send");
        assert_eq!(next_text(&mut h).await, "error:binary_not_supported");
        h.to_server.send(text(r#"{"type":"quit"}"#)).expect("send");
        let close = h.from_server.recv().await.expect("close frame");
        assert!(matches!(close, Message::Close(_)), "{close:?}");
        h.task.await.expect("loop ends");
        assert_eq!(*h.log.lock().expect("log"), vec!["closed".to_owned()]);
    }

    #[tokio::test]
    async fn frames_beyond_the_rate_get_an_error_and_the_socket_stays_open() {
        let mut h = start(1);
        h.to_server.send(text(r#"{"type":"say","text":"一"}"#)).expect("send");
        h.to_server.send(text(r#"{"type":"say","text":"二"}"#)).expect("send");
        assert_eq!(next_text(&mut h).await, "echo:一");
        assert_eq!(next_text(&mut h).await, "error:rate_limited");
        assert!(!h.task.is_finished());
    }

    fn is_going_away(m: Option<Message>) -> bool {
        matches!(m, Some(Message::Close(Some(f))) if f.code == close_code::AWAY)
    }

    #[tokio::test]
    async fn shutdown_tells_the_client_then_closes_with_1001() {
        let mut h = start(10);
        h.shutdown.cancel();
        assert_eq!(next_text(&mut h).await, "restarting");
        assert!(is_going_away(h.from_server.recv().await));
        h.task.await.expect("loop ends");
        assert_eq!(h.log.lock().expect("log").len(), 1);
    }

    #[tokio::test]
    async fn work_that_outlasts_the_shutdown_is_cut_and_the_client_still_told() {
        let mut h = start(10);
        h.to_server.send(text(r#"{"type":"hang"}"#)).expect("send");
        tokio::time::sleep(Duration::from_millis(20)).await;
        h.shutdown.cancel();
        assert_eq!(next_text(&mut h).await, "restarting");
        assert!(is_going_away(h.from_server.recv().await));
        h.task.await.expect("loop ends");
        assert_eq!(h.log.lock().expect("log").len(), 1, "the connection is released");
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_pinged_then_closed_and_its_pongs_do_not_keep_it_open() {
        let mut h = start(10);
        // Pings every 30 s; answering them is not activity.
        for _ in 0..3 {
            let m = h.from_server.recv().await.expect("a frame");
            assert!(matches!(m, Message::Ping(_)), "{m:?}");
            h.to_server.send(Message::Pong(Default::default())).expect("pong");
        }
        match h.from_server.recv().await.expect("the error frame") {
            Message::Text(t) => {
                assert_eq!(serde_json::from_str::<String>(t.as_str()).expect("json"), "error:idle_timeout")
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(h.from_server.recv().await, Some(Message::Close(_))));
        h.task.await.expect("loop ends");
        assert!(tokio::time::Instant::now() >= h.started + Duration::from_secs(120));
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_keeps_talking_stays_open() {
        let mut h = start(10);
        for i in 0..10 {
            tokio::time::sleep(Duration::from_secs(100)).await;
            h.to_server.send(text(&format!(r#"{{"type":"say","text":"{i}"}}"#))).expect("send");
            loop {
                match h.from_server.recv().await.expect("open") {
                    Message::Ping(_) => continue,
                    Message::Text(t) => {
                        assert_eq!(serde_json::from_str::<String>(t.as_str()).expect("json"), format!("echo:{i}"));
                        break;
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
        assert!(!h.task.is_finished());
    }

    #[tokio::test]
    async fn a_client_that_goes_away_ends_the_loop() {
        let h = start(10);
        drop(h.to_server);
        h.task.await.expect("loop ends");
        assert_eq!(h.log.lock().expect("log").len(), 1);
    }
}
