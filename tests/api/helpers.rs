//! `spawn_app` and typed WebSocket clients shared by the tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use taxbot::admin::{Role, users};
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};
use taxbot::config::Config;
use taxbot::handoff::Hours;
use taxbot::search::{self, Searcher, Snapshot};
use taxbot::server::App;
use taxbot::store::Store;

/// How long a test waits for an expected frame before failing (a guard
/// against hangs, not a readiness wait).
const FRAME_TIMEOUT: Duration = Duration::from_secs(20);

/// Matchers built once per test binary, one per distinct setting.
static SEARCHERS: Mutex<Vec<(search::Settings, Arc<Searcher>)>> = Mutex::new(Vec::new());

fn kb_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")
}

/// The shared matcher for `settings` (built on first use: 1-2 s).
pub fn searcher(settings: &search::Settings) -> Arc<Searcher> {
    let mut all = SEARCHERS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, s)) = all.iter().find(|(k, _)| k == settings) {
        return Arc::clone(s);
    }
    let kb = taxbot::kb::load(&kb_dir()).expect("the shipped knowledge base loads");
    let snapshot = Snapshot::from_kb(&kb).expect("index builds");
    let s = Arc::new(Searcher::new(snapshot, settings.clone()));
    all.push((settings.clone(), Arc::clone(&s)));
    s
}

/// Settings under which every question with a candidate is answered.
pub fn always_answer(c: &mut Config) {
    c.search.answer_threshold = 0.0;
    c.search.margin = 0.0;
    c.search.clarify_threshold = 0.0;
}

/// Settings under which every question with a candidate is clarified.
pub fn always_clarify(c: &mut Config) {
    c.search.answer_threshold = 1.01;
    c.search.single_answer_threshold = 1.01;
    c.search.sole_answer_threshold = 1.01;
    c.search.covered_sole_threshold = 1.01;
    c.search.clarify_threshold = 0.0;
}

/// Agent users every test app has (role agent, 2 conversations at once); the
/// name is also the agent id.
pub const AGENT_1: &str = "小王";
/// Second agent.
pub const AGENT_2: &str = "小李";
/// Password of the test agents.
pub const AGENT_PASSWORD: &str = "agent-password";

/// A config for tests: port 0, the given data dir, no streaming delay,
/// agents on duty around the clock.
pub fn test_config(data_dir: PathBuf) -> Config {
    let mut c = Config::default();
    c.kb.dir = kb_dir();
    c.server.bind = "127.0.0.1:0".into();
    c.store.data_dir = data_dir;
    c.chat.stream_delay_ms = 0;
    c.server.drain_secs = 0;
    // Every test client comes from 127.0.0.1: tests that stand for many
    // taxpayers must not share one address's question budget (the abuse
    // tests set their own bounds).
    c.limits.asks_per_sec = 10_000;
    c.limits.ask_burst = 10_000;
    c.handoff.hours =
        Hours { days: (1..=7).collect(), open: "00:00".into(), close: "24:00".into(), ..Hours::default() };
    c
}

/// A running server.
pub struct TestApp {
    /// Its address.
    pub addr: SocketAddr,
    /// An HTTP client.
    pub http: reqwest::Client,
    /// Its store.
    pub store: Arc<dyn Store>,
    /// Its analytics (tests recount with `refresh()` instead of waiting).
    pub analytics: Arc<taxbot::analytics::Analytics>,
    /// The config it runs with (to restart it).
    pub config: Config,
    /// The data directory (kept alive across restarts).
    pub dir: Arc<TempDir>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

/// Starts the app with test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with test defaults changed by `f`.
pub async fn spawn_app_with(f: impl FnOnce(&mut Config)) -> TestApp {
    let dir = Arc::new(TempDir::new().expect("tempdir"));
    let mut config = test_config(dir.path().to_path_buf());
    f(&mut config);
    start(config, dir).await
}

/// Starts the app with test defaults changed by `f`, matching against `kb`
/// instead of the shipped base.
pub async fn spawn_app_on(kb: &taxbot::kb::KnowledgeBase, f: impl FnOnce(&mut Config)) -> TestApp {
    let dir = Arc::new(TempDir::new().expect("tempdir"));
    let mut config = test_config(dir.path().to_path_buf());
    f(&mut config);
    let snapshot = Snapshot::from_kb(kb).expect("index builds");
    let searcher = Arc::new(Searcher::new(snapshot, config.search.clone()));
    start_with(config, dir, searcher).await
}

async fn start(config: Config, dir: Arc<TempDir>) -> TestApp {
    let searcher = searcher(&config.search);
    start_with(config, dir, searcher).await
}

async fn start_with(mut config: Config, dir: Arc<TempDir>, searcher: Arc<Searcher>) -> TestApp {
    on_postgres_if_asked(&mut config).await;
    let app = App::build_with(config.clone(), searcher).await.expect("app builds");
    run(app, config, dir).await
}

/// Starts the app the way `taxbot serve` does: the matcher is built from the store's published base.
pub async fn start_from_store(mut config: Config, dir: Arc<TempDir>) -> TestApp {
    on_postgres_if_asked(&mut config).await;
    let app = App::build(config.clone()).await.expect("app builds");
    run(app, config, dir).await
}

/// With `TAXBOT_TEST_APP_STORE=postgres` (under `scripts/with-postgres`),
/// every test app that has no store url yet gets a fresh PostgreSQL database
/// instead of its SQLite file, so the whole API suite can be run on
/// PostgreSQL. The database stands for the data directory, so an app started
/// again on it finds its data. The databases live as long as the throwaway
/// server.
async fn on_postgres_if_asked(config: &mut Config) {
    if config.store.url.is_none() && std::env::var("TAXBOT_TEST_APP_STORE").is_ok_and(|v| v == "postgres") {
        let db = crate::postgres::TestDatabase::for_data_dir(&config.store.data_dir)
            .await
            .expect("TAXBOT_TEST_APP_STORE=postgres needs a server");
        config.store.url = Some(db.url);
    }
}

async fn run(app: App, config: Config, dir: Arc<TempDir>) -> TestApp {
    let addr = app.local_addr();
    let store = Arc::clone(app.state().store());
    for name in [AGENT_1, AGENT_2] {
        if store.user_by_name(name).await.expect("store answers").is_none() {
            let mut u = users::create(&*store, name, Role::Agent, AGENT_PASSWORD).await.expect("agent user");
            u.max_concurrent = 2;
            store.update_user(&u).await.expect("agent capacity");
        }
    }
    let analytics = Arc::clone(app.state().analytics());
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        app.run_until_stopped(async {
            let _ = rx.await;
        })
        .await
        .expect("server runs");
    });
    TestApp { addr, http: reqwest::Client::new(), store, analytics, config, dir, stop: Some(tx), handle: Some(handle) }
}

impl TestApp {
    /// `http://addr{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server gracefully and waits until it has closed the store.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("server task ends cleanly");
        }
    }

    /// Stops and starts again on the same data directory (new port).
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        start(self.config.clone(), Arc::clone(&self.dir)).await
    }

    /// A taxpayer connection (no hello sent yet).
    pub async fn chat(&self) -> Client<ServerMsg> {
        Client::connect(&format!("ws://{}/ws/chat", self.addr)).await
    }

    /// A taxpayer connection after `hello`; returns it with the welcome.
    pub async fn visitor(&self, token: Option<&str>) -> (Client<ServerMsg>, ServerMsg) {
        visitor_at(self.addr, token).await
    }

    /// The agent console of user `name` (signed in with [`AGENT_PASSWORD`]) after `hello`;
    /// returns it with the welcome.
    pub async fn agent(&self, name: &str) -> (Client<AgentServerMsg>, AgentServerMsg) {
        agent_at(self.addr, name).await
    }
}

/// [`TestApp::visitor`] on the server at `addr` (e.g. a `taxbot serve` child process).
pub async fn visitor_at(addr: SocketAddr, token: Option<&str>) -> (Client<ServerMsg>, ServerMsg) {
    let mut c = Client::connect(&format!("ws://{addr}/ws/chat")).await;
    c.send_json(serde_json::json!({"type": "hello", "visitor_token": token})).await;
    let welcome = c.recv_until(|m| matches!(m, ServerMsg::Welcome { .. })).await;
    (c, welcome)
}

/// [`TestApp::agent`] on the server at `addr`.
pub async fn agent_at(addr: SocketAddr, name: &str) -> (Client<AgentServerMsg>, AgentServerMsg) {
    let cookie = crate::admin_client::AdminClient::sign_in(addr, name, AGENT_PASSWORD).await.cookie;
    let mut c = Client::connect_with_cookie(&format!("ws://{addr}/ws/agent"), &cookie).await;
    c.send_json(serde_json::json!({"type": "hello"})).await;
    let welcome = c.recv_until(|m| matches!(m, AgentServerMsg::Welcome { .. })).await;
    (c, welcome)
}

/// A WebSocket client decoding frames into `T`.
pub struct Client<T> {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Every frame received so far.
    pub seen: Vec<T>,
}

impl<T: serde::de::DeserializeOwned + Clone + std::fmt::Debug> Client<T> {
    async fn connect(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket connects");
        Client { ws, seen: Vec::new() }
    }

    /// Connects sending `cookie` (`taxbot_session=…`) with the upgrade request.
    pub async fn connect_with_cookie(url: &str, cookie: &str) -> Self {
        Self::upgrade(url, &[("cookie", cookie)]).await
    }

    /// Connects like a browser page: `cookie` and `origin` headers.
    pub async fn connect_with_cookie_and_origin(url: &str, cookie: &str, origin: &str) -> Self {
        Self::upgrade(url, &[("cookie", cookie), ("origin", origin)]).await
    }

    async fn upgrade(url: &str, headers: &[(&'static str, &str)]) -> Self {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
        let mut req = url.into_client_request().expect("websocket url");
        for (k, v) in headers {
            req.headers_mut().insert(*k, v.parse().expect("header value"));
        }
        let (ws, _) = tokio_tungstenite::connect_async(req).await.expect("websocket connects");
        Client { ws, seen: Vec::new() }
    }

    /// Sends a JSON value as a text frame.
    pub async fn send_json(&mut self, v: serde_json::Value) {
        self.send_raw(Message::text(v.to_string())).await;
    }

    /// Sends any frame.
    pub async fn send_raw(&mut self, m: Message) {
        self.ws.send(m).await.expect("send");
    }

    /// The next decoded frame (fails the test after `FRAME_TIMEOUT`).
    pub async fn recv(&mut self) -> T {
        loop {
            let m = tokio::time::timeout(FRAME_TIMEOUT, self.ws.next())
                .await
                .expect("a frame arrives in time")
                .expect("connection open")
                .expect("frame");
            if let Message::Text(t) = m {
                let v: T = serde_json::from_str(t.as_str()).unwrap_or_else(|e| panic!("undecodable frame {t}: {e}"));
                self.seen.push(v.clone());
                return v;
            }
        }
    }

    /// Frames until one matches `pred`; returns that one.
    pub async fn recv_until(&mut self, pred: impl Fn(&T) -> bool) -> T {
        loop {
            let m = self.recv().await;
            if pred(&m) {
                return m;
            }
        }
    }

    /// Reads until the server closes; returns the close frame's code (None when
    /// the connection ended without a close frame or did not end in time).
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(FRAME_TIMEOUT, self.ws.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
                Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
                Ok(Some(Ok(Message::Text(t)))) => {
                    if let Ok(v) = serde_json::from_str(t.as_str()) {
                        self.seen.push(v);
                    }
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Whether the server closes the connection (reading until it does).
    pub async fn closed(&mut self) -> bool {
        loop {
            match tokio::time::timeout(FRAME_TIMEOUT, self.ws.next()).await {
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(Message::Text(t)))) => {
                    if let Ok(v) = serde_json::from_str(t.as_str()) {
                        self.seen.push(v);
                    }
                }
                Ok(Some(Ok(_))) => {}
                Err(_) => return false,
            }
        }
    }
}

/// Sends `ask` and collects the streamed answer: (answer id, entry id, concatenated deltas).
pub async fn ask_answer(c: &mut Client<ServerMsg>, text: &str) -> (i64, String, String) {
    c.send_json(serde_json::json!({"type": "ask", "text": text})).await;
    collect_answer(c).await
}

/// Collects `answer.start` … `answer.end`.
pub async fn collect_answer(c: &mut Client<ServerMsg>) -> (i64, String, String) {
    let start = c.recv_until(|m| matches!(m, ServerMsg::AnswerStart { .. })).await;
    let ServerMsg::AnswerStart { answer_id, entry_id, .. } = start else { unreachable!() };
    let mut text = String::new();
    loop {
        match c.recv().await {
            ServerMsg::AnswerDelta { answer_id: a, text: t } => {
                assert_eq!(a, answer_id);
                text.push_str(&t);
            }
            ServerMsg::AnswerEnd { answer_id: a, entry_id: e, .. } => {
                assert_eq!((a, &e), (answer_id, &entry_id));
                return (answer_id, entry_id, text);
            }
            other => panic!("unexpected frame inside an answer: {other:?}"),
        }
    }
}

/// The error code of an `error` frame.
pub fn error_code(m: &ServerMsg) -> Option<&str> {
    match m {
        ServerMsg::Error { code, .. } => Some(code.as_str()),
        _ => None,
    }
}
