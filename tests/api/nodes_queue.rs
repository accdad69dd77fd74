//! Queue positions and estimated waits across nodes sharing one PostgreSQL:
//! with the one online agent (on node B) at full capacity, taxpayers queued
//! from both nodes are told one order and, for the same position, the same
//! estimate, whichever node they are on; and every node pushes the same new
//! figures when the agent frees a place and when it takes the head of the
//! queue.

use serde_json::json;

use crate::admin_client::AdminClient;
use crate::helpers::{AGENT_1, AGENT_2, AGENT_PASSWORD, Client, TestApp, visitor_at};
use crate::nodes::{hand_over, node};
use crate::nodes_handoff::{request_queued, seen, until_agents_online, until_queued};
use crate::postgres::TestDatabase;
use taxbot::channels::web::protocol::{AgentServerMsg, HandoffInfo, ServerMsg};

/// `handoff.average_handle_secs` of the test (the default).
const PER: u64 = 240;

/// A taxpayer on `app` who asked for nothing yet: (connection, session id,
/// visitor token).
async fn taxpayer(app: &TestApp) -> (Client<ServerMsg>, String, String) {
    let (v, welcome) = app.visitor(None).await;
    let ServerMsg::Welcome { session_id, visitor_token, .. } = welcome else { unreachable!() };
    (v, session_id, visitor_token)
}

/// Waits until each taxpayer of `queued` (in queue order) is pushed its
/// place and `wait(place)`.
async fn until_told(queued: &mut [(Client<ServerMsg>, String)], wait: impl Fn(usize) -> u64) {
    for (i, (v, id)) in queued.iter_mut().enumerate() {
        let want = ServerMsg::Queue { position: i + 1, estimated_wait_secs: wait(i + 1) };
        let what = format!("{id} told {want:?}");
        seen(&what, v.recv_until(|m| *m == want)).await;
    }
}

#[tokio::test]
async fn taxpayers_queued_on_two_nodes_are_told_one_order_and_the_same_waits() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, |c| c.handoff.average_handle_secs = PER).await;
    let b = node(&db.url, |c| c.handoff.average_handle_secs = PER).await;
    // 小李 watches the queue on A but takes nothing (away); 小王 serves on B.
    let cookie = AdminClient::sign_in(a.addr, AGENT_2, AGENT_PASSWORD).await.cookie;
    let mut watcher =
        Client::<AgentServerMsg>::connect_with_cookie(&format!("ws://{}/ws/agent", a.addr), &cookie).await;
    watcher.send_json(json!({"type": "hello", "status": "away"})).await;
    watcher.recv_until(|m| matches!(m, AgentServerMsg::Welcome { .. })).await;
    let (mut agent, _) = b.agent(AGENT_1).await;
    until_agents_online(&a, 1).await;
    until_agents_online(&b, 1).await;

    // 小王 at full capacity (2): one taxpayer of each node. The one on A
    // goes last, so when A tells it `agent.joined` it has applied both.
    let (mut served_b, id, _) = taxpayer(&b).await;
    hand_over(&mut agent, &mut served_b, &id).await;
    let (mut served_a, served_a_id, _) = taxpayer(&a).await;
    hand_over(&mut agent, &mut served_a, &served_a_id).await;

    // Four taxpayers queue, alternately on A and B: each is told its place
    // in the one queue and one handling time per place ahead of no room.
    let (mut queued, mut tokens) = (Vec::new(), Vec::new());
    for (i, app) in [&a, &b, &a, &b].into_iter().enumerate() {
        let (mut v, id, token) = taxpayer(app).await;
        let told = request_queued(&mut v).await;
        assert_eq!(told, (i + 1, (i as u64 + 1) * PER), "taxpayer {} on node {}", i + 1, ["A", "B"][i % 2]);
        queued.push((v, id));
        tokens.push(token);
    }
    let order: Vec<String> = queued.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(until_queued(&mut agent, &order[3]).await, order, "the queue on B's console");
    assert_eq!(until_queued(&mut watcher, &order[3]).await, order, "the queue on A's console");

    // The third, on A, reloads its page through B: the same place and
    // estimate there, and from now on B pushes its changes.
    let (v, _) = queued.remove(2);
    drop(v);
    let (v, welcome) = visitor_at(b.addr, Some(&tokens[2])).await;
    let ServerMsg::Welcome { session_id, handoff, .. } = &welcome else { unreachable!() };
    assert_eq!(*session_id, order[2]);
    assert_eq!(handoff, &Some(HandoffInfo::Queued { position: 3, estimated_wait_secs: 3 * PER }), "on B");
    queued.insert(2, (v, order[2].clone()));

    // 小王 closes the conversation of A's taxpayer: one place free, so the
    // head waits for nothing and the others one handling time less.
    agent.send_json(json!({"type": "close", "session_id": served_a_id, "resolution": "已解答"})).await;
    served_a.recv_until(|m| matches!(m, ServerMsg::ConversationClosed { .. })).await;
    until_told(&mut queued, |p| (p as u64 - 1) * PER).await;

    // 小王 takes the head (on A): full again, everyone moves up one place.
    agent.send_json(json!({"type": "accept", "session_id": order[0]})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    let (mut head, _) = queued.remove(0);
    seen("agent.joined on A", head.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. }))).await;
    until_told(&mut queued, |p| p as u64 * PER).await;
    for (console, node) in [(&mut agent, "B"), (&mut watcher, "A")] {
        let moved_up = |m: &AgentServerMsg| matches!(m, AgentServerMsg::Queue { items } if items.iter().map(|i| &i.session_id).eq(&order[1..]));
        seen(&format!("the queue on {node}'s console without its head"), console.recv_until(moved_up)).await;
    }
    db.drop_now().await;
}

#[tokio::test]
async fn an_agents_raised_capacity_counts_in_the_estimates_of_every_node() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, |c| c.handoff.average_handle_secs = PER).await;
    let b = node(&db.url, |c| c.handoff.average_handle_secs = PER).await;
    // Both nodes learn 小李 (2 at once) when it signs in on B, then it leaves.
    let (first, _) = b.agent(AGENT_2).await;
    until_agents_online(&a, 1).await;
    drop(first);
    until_agents_online(&a, 0).await;
    until_agents_online(&b, 0).await;

    // An administrator raises its capacity to 3; it signs in again on B.
    let mut user = b.store.user_by_name(AGENT_2).await.expect("store").expect("agent user");
    user.max_concurrent = 3;
    b.store.update_user(&user).await.expect("capacity");
    let (_agent, welcome) = b.agent(AGENT_2).await;
    assert!(matches!(welcome, AgentServerMsg::Welcome { max_concurrent: 3, .. }), "{welcome:?}");
    until_agents_online(&a, 1).await;

    // Three places free on every node: the first three wait for nothing,
    // the fourth one handling time.
    for (i, app) in [&a, &b, &a, &b].into_iter().enumerate() {
        let (mut v, _, _) = taxpayer(app).await;
        let place = i + 1;
        let told = request_queued(&mut v).await;
        assert_eq!(
            told,
            (place, place.saturating_sub(3) as u64 * PER),
            "taxpayer {place} on node {}",
            ["A", "B"][i % 2]
        );
    }
    db.drop_now().await;
}
