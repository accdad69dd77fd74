//! Several nodes: this node's heartbeat, and what happens to the agents of
//! a node that died (killed, crashed, cut off). Their presence stops being
//! refreshed, so after [`PRESENCE_TTL`] every node takes them for offline;
//! when they have not reconnected to any node within the grace period
//! (`handoff.node_grace_secs`) one node sends their conversations back to
//! the queue. An agent who reconnects in time finds them in `agent.welcome`.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::{HandoffError, Hub};
use crate::store::{ConversationState, HandoffChange, PRESENCE_TTL, QueueChange, StoreError};

/// Told to a taxpayer whose agent's node went away.
const REQUEUED: &str = "客服的连接已中断，您的人工服务请求已重新排队，请稍候。";

impl Hub {
    /// Sends this node's heartbeat and takes back the conversations of dead
    /// nodes' agents, every third of [`PRESENCE_TTL`], until `stop`.
    pub async fn watch_nodes(self: Arc<Self>, stop: CancellationToken) {
        let grace = Duration::from_secs(self.settings.node_grace_secs);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(PRESENCE_TTL / 3) => {}
            }
            if let Err(e) = self.store.presence_heartbeat().await {
                tracing::warn!(error = %e, "无法刷新本节点的客服在线状态");
                continue;
            }
            let result = match self.store.take_dead_presence(PRESENCE_TTL + grace).await {
                Ok(agents) if agents.is_empty() => Ok(()),
                Ok(agents) => self.take_back(agents).await,
                Err(e) => Err(e.into()),
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "处理已断开节点的客服会话失败，稍后重试");
            }
        }
    }

    /// Sends the conversations of `agents` (whose node died) back to the
    /// queue, unless the agent is connected again somewhere.
    async fn take_back(&self, mut agents: Vec<String>) -> Result<(), HandoffError> {
        agents.sort();
        agents.dedup();
        {
            let _turn = self.turn.lock().await;
            self.reload_presence().await?;
            for agent in agents {
                let active = {
                    let live = self.live();
                    match live.agents.get(&agent) {
                        Some(a) if !a.connected() => a.active.iter().cloned().collect::<Vec<_>>(),
                        _ => continue,
                    }
                };
                for id in active {
                    let at = Utc::now();
                    let change = HandoffChange::new(
                        &id,
                        (ConversationState::Human, Some(agent.as_str())),
                        (ConversationState::Queued, None),
                    )
                    .queue(QueueChange::Enqueue(at))
                    .notice(REQUEUED);
                    match self.store.apply_handoff(&change).await {
                        Ok(()) => {
                            self.live().unassign(&id);
                            tracing::warn!(conversation = %id, agent, "客服所在节点已断开，会话重新排队");
                        }
                        // Another node took it back first, or it moved on.
                        Err(StoreError::Conflict(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            self.reload_queue().await?;
            self.assign_waiting().await?;
        }
        self.broadcast_queue().await;
        Ok(())
    }
}
