//! Following the other nodes: a publish, rollback or import on any node
//! sharing the store is announced as [`Event::Knowledge`]; every other node
//! rebuilds its own index from the store's published base and swaps it in.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use super::{Knowledge, Result};
use crate::store::Event;

/// How long to wait before trying a failed rebuild again.
const RETRY: Duration = Duration::from_secs(1);

impl Knowledge {
    /// Rebuilds the index from the store's published base and swaps it in
    /// (after any publish of this node in progress, so that an older
    /// snapshot never replaces a newer one).
    pub async fn reload(&self) -> Result<()> {
        let _one = self.publishing.lock().await;
        let snapshot = Self::build(self.published_base().await?).await?;
        self.searcher.replace(snapshot);
        Ok(())
    }

    /// Rebuilds on every knowledge change of another node (and on a resync)
    /// until `stop`. A burst of changes costs one rebuild: whatever arrives
    /// while one is pending is covered by it. A failed rebuild (the store
    /// unreachable) is tried again until it succeeds.
    pub async fn follow(self: Arc<Self>, mut events: Receiver<Event>, stop: CancellationToken) {
        loop {
            let received = tokio::select! {
                () = stop.cancelled() => return,
                r = events.recv() => r,
            };
            let wanted = match received {
                Ok(e) => matches!(e, Event::Knowledge | Event::Resync),
                Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => return,
            };
            if !wanted {
                continue;
            }
            loop {
                while !events.is_empty() {
                    let _ = events.try_recv();
                }
                match self.reload().await {
                    Ok(()) => {
                        tracing::info!("其他节点更新了知识库，已重建本节点索引");
                        break;
                    }
                    Err(e) => tracing::warn!(error = %e, "按其他节点的发布重建索引失败，稍后重试"),
                }
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(RETRY) => {}
                }
            }
        }
    }
}
