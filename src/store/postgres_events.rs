//! Cross-node events on PostgreSQL: `NOTIFY` on one channel, and one
//! listening connection per node that hands the other nodes' events to this
//! node's subscribers.
//!
//! A notification sent inside a transaction is delivered only when it
//! commits, so a receiver that re-reads the store always finds the change.
//! Notifications sent while the listening connection is down are lost:
//! after reconnecting the listener delivers [`Event::Resync`] so that
//! subscribers re-read everything once.

use std::time::Duration;

use sqlx::PgConnection;
use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::events::{Event, decode, encode};
use super::{PostgresStore, Result, StoreError};

/// The notification channel every node listens on.
const CHANNEL: &str = "taxbot_events";

/// Events a subscriber has not read yet before it starts missing some (it
/// then sees `Lagged`, which it treats as a resync).
const BUFFER: usize = 1024;

/// How long to wait before connecting again after the listener failed.
const RETRY: Duration = Duration::from_secs(1);

/// Sends `event` from `node` on `conn`; inside a transaction it is delivered
/// when the transaction commits (and never if it rolls back).
pub(super) async fn notify(conn: &mut PgConnection, node: &str, event: &Event) -> Result<()> {
    if let Some(payload) = encode(node, event) {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(conn).await?;
    }
    Ok(())
}

/// A connection listening on [`CHANNEL`].
async fn connect(pool: &PgPool) -> Result<PgListener> {
    let mut listener = PgListener::connect_with(pool)
        .await
        .map_err(|e| StoreError::Backend(format!("无法建立跨节点通知连接：{e}")))?;
    listener.listen(CHANNEL).await.map_err(|e| StoreError::Backend(format!("无法订阅跨节点通知：{e}")))?;
    Ok(listener)
}

impl PostgresStore {
    /// Starts this node's listener (once; it is listening when this
    /// returns) and returns a new receiver of the other nodes' events.
    pub(super) async fn subscribe_events(&self) -> Result<broadcast::Receiver<Event>> {
        let tx = self
            .events
            .get_or_try_init(|| async {
                let listener = connect(self.pool()).await?;
                let (tx, _) = broadcast::channel(BUFFER);
                tokio::spawn(listen(listener, self.pool().clone(), self.node.clone(), tx.clone(), self.stop.clone()));
                Ok::<_, StoreError>(tx)
            })
            .await?;
        Ok(tx.subscribe())
    }
}

/// Hands notifications to `tx` until `stop`, reconnecting when the
/// connection is lost and then sending [`Event::Resync`].
async fn listen(
    mut listener: PgListener,
    pool: PgPool,
    node: String,
    tx: broadcast::Sender<Event>,
    stop: CancellationToken,
) {
    loop {
        let received = tokio::select! {
            () = stop.cancelled() => return,
            r = listener.try_recv() => r,
        };
        match received {
            Ok(Some(n)) => {
                if let Some(event) = decode(n.payload(), &node) {
                    // No receiver yet (or any more) is not an error.
                    let _ = tx.send(event);
                }
                continue;
            }
            Ok(None) => tracing::warn!("跨节点通知连接断开，正在重连"),
            Err(e) => tracing::warn!(error = %e, "跨节点通知连接出错，正在重连"),
        }
        listener = loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(RETRY) => {}
            }
            match connect(&pool).await {
                Ok(l) => break l,
                Err(e) => tracing::warn!(error = %e, "跨节点通知重连失败，稍后重试"),
            }
        };
        tracing::info!("跨节点通知已重连，重新读取共享状态");
        let _ = tx.send(Event::Resync);
    }
}
