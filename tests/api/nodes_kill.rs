//! A node killed with SIGKILL mid-conversation, next to another node on the
//! same PostgreSQL: nothing acknowledged is lost, its taxpayer reconnects to
//! the other node with the visitor token and carries on with the same
//! agent, and the conversation its agent served goes back to the queue once
//! the grace period is over.

use std::time::Instant;

use serde_json::json;

use crate::helpers::{AGENT_1, AGENT_2, agent_at, visitor_at};
use crate::nodes::{KillablePair, hand_over, killable_pair};
use crate::postgres::TestDatabase;
use taxbot::channels::web::protocol::{AgentServerMsg, HandoffInfo, ServerMsg};

fn ids_of(welcome: &ServerMsg) -> (String, String) {
    let ServerMsg::Welcome { session_id, visitor_token, .. } = welcome else { panic!("not a welcome: {welcome:?}") };
    (session_id.clone(), visitor_token.clone())
}

#[tokio::test]
async fn a_node_killed_mid_conversation_loses_nothing_and_its_people_carry_on_elsewhere() {
    let Some(db) = TestDatabase::create().await else { return };
    let KillablePair { a, mut b_process, b, config_dir: _config_dir } = killable_pair(&db.url, 1).await;

    let (mut wang, _) = a.agent(AGENT_1).await;
    let (mut li, _) = agent_at(b, AGENT_2).await;

    // A taxpayer on B served by 小王 on A.
    let (mut on_b, welcome) = visitor_at(b, None).await;
    let (b_session, b_token) = ids_of(&welcome);
    hand_over(&mut wang, &mut on_b, &b_session).await;
    on_b.send_json(json!({"type": "ask", "text": "节点停止前的问题"})).await;
    on_b.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;
    wang.recv_until(|m| matches!(m, AgentServerMsg::VisitorMessage { text, .. } if text == "节点停止前的问题")).await;

    // A taxpayer on A served by 小李 on B.
    let (mut on_a, welcome) = a.visitor(None).await;
    let (a_session, _) = ids_of(&welcome);
    hand_over(&mut li, &mut on_a, &a_session).await;

    b_process.kill().await.expect("SIGKILL node B");
    let killed = Instant::now();

    // B's taxpayer comes back through A, finds what it said, and goes on with 小王.
    let (mut back, welcome) = a.visitor(Some(&b_token)).await;
    let ServerMsg::Welcome { session_id, resumed, history, handoff, .. } = &welcome else { unreachable!() };
    assert!(*resumed && *session_id == b_session, "{welcome:?}");
    assert!(history.iter().any(|h| h.text == "节点停止前的问题"), "the acknowledged message is kept: {history:?}");
    assert!(matches!(handoff, Some(HandoffInfo::Connected { agent_name }) if agent_name == AGENT_1), "{handoff:?}");
    back.send_json(json!({"type": "ask", "text": "换了节点还能继续吗"})).await;
    back.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;
    wang.recv_until(|m| matches!(m, AgentServerMsg::VisitorMessage { text, .. } if text == "换了节点还能继续吗")).await;
    wang.send_json(json!({"type": "send", "session_id": b_session, "text": "可以，请继续。"})).await;
    back.recv_until(|m| matches!(m, ServerMsg::AgentMessage { text, .. } if text == "可以，请继续。")).await;

    // 小李 went down with B and does not come back: A's taxpayer is queued
    // again and 小王 sees it in the queue.
    let requeued = on_a.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;
    assert!(matches!(requeued, ServerMsg::Queue { position: 1, .. }), "{requeued:?}");
    wang.recv_until(
        |m| matches!(m, AgentServerMsg::Queue { items } if items.iter().any(|i| i.session_id == a_session)),
    )
    .await;
    eprintln!("conversation of the dead node's agent queued again after {:?}", killed.elapsed());
    db.drop_now().await;
}
