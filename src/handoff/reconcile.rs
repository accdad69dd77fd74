//! Start-up repair of handoff state that disagrees with itself: queue entries
//! of conversations that are not queued, queued conversations missing from
//! the queue, and human conversations without an agent. Each repair is one
//! compare-and-set change with a notice in the transcript, so the taxpayer
//! (on their next visit) and the agent see what happened.

use std::collections::HashSet;

use crate::store::{ConversationState, HandoffChange, NewMessage, QueueChange, Sender, Store, StoreError};

/// Told to a taxpayer whose request went back into the queue.
const REQUEUED: &str = "系统恢复后，您的人工服务请求已重新排队，请稍候。";
/// Told to a taxpayer whose stale queue entry was removed.
const DROPPED: &str = "系统恢复后，您之前的转人工请求已失效；如仍需人工服务，请再次点击“转人工”。";

/// Repairs inconsistent handoff state in the store; returns how many
/// conversations were repaired.
pub(super) async fn reconcile(store: &dyn Store) -> Result<usize, StoreError> {
    let agents: HashSet<String> = store.agents().await?.into_iter().map(|a| a.id).collect();
    let queued: HashSet<_> =
        store.conversations_in(ConversationState::Queued).await?.into_iter().map(|c| c.id).collect();
    let entries = store.queue().await?;
    let in_queue: HashSet<_> = entries.iter().map(|e| e.conversation_id.clone()).collect();
    let mut repaired = 0;
    for e in &entries {
        if queued.contains(&e.conversation_id) {
            continue;
        }
        let c = store.conversation(&e.conversation_id).await?;
        store.dequeue(&c.id).await?;
        if c.state == ConversationState::Bot {
            store.append_message(&NewMessage::plain(&c.id, Sender::System, DROPPED)).await?;
        }
        tracing::warn!(conversation = %c.id, state = c.state.as_str(), "queue entry of a conversation that is not queued removed");
        repaired += 1;
    }
    for id in queued.iter().filter(|id| !in_queue.contains(*id)) {
        let change = HandoffChange::new(id, (ConversationState::Queued, None), (ConversationState::Queued, None));
        let at = change.at;
        store.apply_handoff(&change.queue(QueueChange::Enqueue(at)).notice(REQUEUED)).await?;
        tracing::warn!(conversation = %id, "queued conversation missing from the queue put back");
        repaired += 1;
    }
    for c in store.conversations_in(ConversationState::Human).await? {
        if c.agent_id.as_ref().is_some_and(|a| agents.contains(a)) {
            continue;
        }
        let change = HandoffChange::new(
            &c.id,
            (ConversationState::Human, c.agent_id.as_deref()),
            (ConversationState::Queued, None),
        );
        let at = change.at;
        store.apply_handoff(&change.queue(QueueChange::Enqueue(at)).notice(REQUEUED)).await?;
        tracing::warn!(conversation = %c.id, agent = ?c.agent_id, "human conversation without a known agent put back in the queue");
        repaired += 1;
    }
    Ok(repaired)
}
