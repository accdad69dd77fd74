//! The server: builds the application state from the configuration, binds
//! the listener, routes, and shuts down gracefully (stop accepting, tell
//! connected clients `server.restarting`, let in-flight answers finish, close
//! the store).

mod assets;
mod headers;
mod observe;
mod retention;
mod router;
mod serve;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use crate::config::server::Settings;
pub use router::router;
pub use state::AppState;

use crate::admin::{AdminState, Auth};
use crate::analytics::Analytics;
use crate::channels::http::HttpState;
use crate::channels::web::WebState;
use crate::channels::wechat::Bridge;
use crate::channels::wechat::WechatState;
use crate::chat::{Engine, SessionCache};
use crate::client::{ClientLimits, TrustedProxies};
use crate::config::Config;
use crate::handoff::Hub;
use crate::knowledge::Knowledge;
use crate::metrics::Metrics;
use crate::search::Searcher;
use crate::store::{self, Store};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The knowledge base failed to load.
    #[error("加载知识库 {dir} 失败（用 `taxbot kb check` 查看全部错误）：{message}")]
    KnowledgeBase {
        /// The directory.
        dir: String,
        /// Why.
        message: String,
    },
    /// The store failed to open.
    #[error("打开数据库失败：{0}")]
    Store(#[from] store::StoreError),
    /// The handoff configuration is invalid.
    #[error("人工服务配置无效：{0}")]
    Handoff(String),
    /// `server.trust_proxy` lists something that is not an address or a block.
    #[error("配置无效，键 server.trust_proxy：{0}")]
    Proxies(String),
    /// The WeChat configuration is invalid.
    #[error("微信公众号配置无效：{0}")]
    Wechat(String),
    /// The address could not be bound.
    #[error("无法监听 {addr}：{source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("服务运行出错：{0}")]
    Serve(std::io::Error),
}

/// A built application: bound, not yet serving.
pub struct App {
    listener: TcpListener,
    state: AppState,
    serving: serve::Serving,
}

impl App {
    /// Loads the knowledge base, opens the store and binds the listener.
    /// The store is the source of truth: on first start the shipped base in
    /// `config.kb.dir` is imported as version 1, then the matcher is built from
    /// the store's published base.
    pub async fn build(config: Config) -> Result<App, StartError> {
        App::build_from(config, None).await
    }

    /// Like [`App::build`] with a matcher built elsewhere (tests share one).
    /// The store still imports the shipped base when empty, but `searcher` is kept.
    pub async fn build_with(config: Config, searcher: Arc<Searcher>) -> Result<App, StartError> {
        App::build_from(config, Some(searcher)).await
    }

    async fn build_from(config: Config, searcher: Option<Arc<Searcher>>) -> Result<App, StartError> {
        let wechat = Bridge::new(&config.wechat).map_err(StartError::Wechat)?;
        let proxies = Arc::new(TrustedProxies::parse(&config.server.trust_proxy).map_err(StartError::Proxies)?);
        let limits = ClientLimits::new(config.limits.clone());
        let store: Arc<dyn Store> = store::open(&config.store).await?;
        // Listening before the index is built from the store: a publish on
        // another node from now on is heard, none falls in between.
        let knowledge_events = store.subscribe().await?;
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let fail = |e: crate::knowledge::KnowledgeError| StartError::KnowledgeBase {
            dir: config.kb.dir.display().to_string(),
            message: e.to_string(),
        };
        let shipped = crate::kb::Origin::for_dir(&config.kb.dir);
        if Knowledge::import_if_empty(&*store, &config.kb.dir).await.map_err(fail)? {
            tracing::info!(base = %shipped, "数据库中还没有知识库：已导入 {shipped}");
        } else {
            tracing::info!(shipped = %shipped, "使用数据库中已发布的知识库（{shipped} 只在首次启动时导入）");
        }
        let policy = config.admin.publish_policy;
        let knowledge = match searcher {
            Some(s) => Knowledge::new(Arc::clone(&store), s, policy),
            None => Knowledge::from_store(Arc::clone(&store), config.search.clone(), policy).await.map_err(fail)?,
        };
        let knowledge = knowledge.with_default_starters(config.chat.starter_questions.clone());
        let searcher = knowledge.searcher();
        let knowledge = Arc::new(knowledge);
        if let Some(events) = knowledge_events {
            tracker.spawn(Arc::clone(&knowledge).follow(events, shutdown.clone()));
        }
        let handoff_events = store.subscribe().await?;
        let hub = Arc::new(Hub::start(Arc::clone(&store), config.handoff.clone()).await.map_err(StartError::Handoff)?);
        if let Some(events) = handoff_events {
            tracker.spawn(Arc::clone(&hub).follow(events, shutdown.clone()));
            tracker.spawn(Arc::clone(&hub).watch_nodes(shutdown.clone()));
        }
        let engine = Engine::new(Arc::clone(&searcher), Arc::clone(&store), hub, config.chat.clone())
            .with_identity(crate::chat::Verifier::new(&config.widget));
        let engine = Arc::new(engine);
        let analytics = {
            let engine = Arc::clone(&engine);
            let hot_sink = Box::new(move |hot| engine.set_hot(hot));
            Arc::new(Analytics::new(Arc::clone(&store), searcher, hot_sink, config.analytics.clone()))
        };
        let listener = TcpListener::bind(&config.server.bind)
            .await
            .map_err(|source| StartError::Bind { addr: config.server.bind.clone(), source })?;
        let metrics = Arc::new(Metrics::default());
        let auth = Arc::new(Auth::new(config.admin.clone()));
        let state = AppState {
            web: WebState {
                engine: Arc::clone(&engine),
                store: Arc::clone(&store),
                metrics: Arc::clone(&metrics),
                server: Arc::new(config.server.clone()),
                connections: Arc::new(Semaphore::new(config.server.max_connections.max(1))),
                limits: Arc::clone(&limits),
                revocations: auth.revocations.clone(),
                shutdown: shutdown.clone(),
                tracker: tracker.clone(),
            },
            http: HttpState {
                engine: Arc::clone(&engine),
                metrics: Arc::clone(&metrics),
                api_sessions: Arc::new(SessionCache::new(config.chat.api_sessions)),
                limits: Arc::clone(&limits),
                store: Arc::clone(&store),
                allow_anonymous: config.api.allow_anonymous,
            },
            wechat: WechatState {
                engine,
                store: Arc::clone(&store),
                metrics,
                wechat: Arc::new(wechat),
                limits: Arc::clone(&limits),
                shutdown: shutdown.clone(),
                tracker,
            },
            admin: AdminState { store, admin: auth, knowledge, analytics, import: config.import.clone() },
        };
        retention::spawn(Arc::clone(state.store()), config.privacy.clone(), shutdown.clone(), &state.web.tracker);
        state.analytics().spawn(shutdown);
        let header_read = Duration::from_secs(config.limits.header_read_secs.max(1));
        Ok(App { listener, state, serving: serve::Serving { limits, proxies, header_read } })
    }

    /// The bound address (the real port when configured with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound TCP listener has a local address")
    }

    /// The application state (tests inspect the store through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `stop` completes, then shuts down gracefully.
    pub async fn run_until_stopped(self, stop: impl Future<Output = ()> + Send + 'static) -> Result<(), StartError> {
        let App { listener, state, serving } = self;
        if state.http.allow_anonymous {
            tracing::warn!(
                "api.allow_anonymous = true：/api/v1/ask 不需要 API 密钥（仅适合演示，生产环境请关闭并用 `taxbot apikey add` 发放密钥）"
            );
        }
        tracing::info!(addr = %listener.local_addr().map_err(StartError::Serve)?, "taxbot 已启动");
        let shutdown = state.web.shutdown.clone();
        let tracker = state.web.tracker.clone();
        let store = Arc::clone(state.store());
        let grace = Duration::from_secs(state.web.server.shutdown_grace_secs);
        let drain = Duration::from_secs(state.web.server.drain_secs);
        let app = router(state);
        let signal = {
            let shutdown = shutdown.clone();
            async move {
                tokio::select! {
                    () = stop => {},
                    () = shutdown.cancelled() => {},
                }
                tracing::info!("正在关闭：通知客户端，{drain:?} 后停止接受新连接");
                shutdown.cancel();
                tokio::time::sleep(drain).await;
            }
        };
        serve::serve(listener, app, serving, signal, grace).await;
        tracker.close();
        if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
            tracing::warn!("部分连接在 {grace:?} 内未结束，强制关闭");
        }
        store.close().await;
        tracing::info!("已关闭");
        Ok(())
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
