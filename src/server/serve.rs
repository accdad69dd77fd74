//! The accept loop: HTTP/1.1 with WebSocket upgrades, a deadline for request
//! headers (so a slowloris client cannot hold a connection by trickling
//! bytes), a cap on open connections per peer address, the client's resolved
//! address on every request, and a graceful stop.
//!
//! `axum::serve` offers neither a header deadline nor a per-peer cap, hence
//! this loop over hyper's connection builder (the same one axum uses).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::Service;

use crate::client::{ClientLimits, TrustedProxies};

/// What the accept loop needs besides the router.
pub(super) struct Serving {
    /// Per-address connection counts.
    pub limits: Arc<ClientLimits>,
    /// Whose forwarding headers are believed (and who is exempt from the per-peer cap).
    pub proxies: Arc<TrustedProxies>,
    /// The header deadline.
    pub header_read: Duration,
}

/// Serves `router` on `listener` until `stop` completes; then stops accepting,
/// asks every connection to finish its request and waits for them up to `grace`.
pub(super) async fn serve(
    listener: TcpListener,
    router: Router,
    serving: Serving,
    stop: impl Future<Output = ()>,
    grace: Duration,
) {
    let connections = TaskTracker::new();
    let closing = CancellationToken::new();
    let mut stop = pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // A trusted proxy carries many clients; they are counted by their own
        // addresses where it matters (WebSockets, questions).
        let guard = match serving.proxies.contains(peer.ip()) {
            true => None,
            false => match serving.limits.open(peer.ip()) {
                Some(g) => Some(g),
                None => {
                    drop(tcp);
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        // Every request carries the peer (`ConnectInfo`) and the resolved client (`ClientAddr`).
        let (router, proxies) = (router.clone(), Arc::clone(&serving.proxies));
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let mut req = req.map(Body::new);
            let client = proxies.resolve(peer.ip(), req.headers());
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(client);
            router.clone().call(req)
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(serving.header_read)
            .serve_connection(TokioIo::new(tcp), service)
            .with_upgrades();
        let closing = closing.clone();
        connections.spawn(async move {
            let mut conn = pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                () = closing.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(guard);
        });
    }
    closing.cancel();
    connections.close();
    if tokio::time::timeout(grace, connections.wait()).await.is_err() {
        tracing::warn!("部分 HTTP 连接在 {grace:?} 内未结束，强制关闭");
    }
}
