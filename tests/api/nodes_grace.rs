//! The grace period of a dead node's agents (`handoff.node_grace_secs`): an
//! agent whose node was killed and who reconnects (to another node) within
//! it keeps their conversations; a colleague on the same node who does not
//! reconnect has theirs sent back to the queue.

use serde_json::json;
use sqlx::Connection;

use crate::helpers::{AGENT_1, AGENT_2, Client, TestApp, agent_at};
use crate::nodes::{KillablePair, hand_over, killable_pair};
use crate::postgres::TestDatabase;
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};

/// A taxpayer on `app` handed to `agent`; returns the taxpayer and the conversation id.
async fn served_by(app: &TestApp, agent: &mut Client<AgentServerMsg>) -> (Client<ServerMsg>, String) {
    let (mut v, welcome) = app.visitor(None).await;
    let ServerMsg::Welcome { session_id, .. } = welcome else { unreachable!() };
    hand_over(agent, &mut v, &session_id).await;
    (v, session_id)
}

#[tokio::test]
async fn an_agent_who_reconnects_within_the_grace_period_keeps_their_conversations() {
    let Some(db) = TestDatabase::create().await else { return };
    let KillablePair { a, mut b_process, b, config_dir: _config_dir } = killable_pair(&db.url, 2).await;

    // Both agents on B, each serving a taxpayer connected to A.
    let (mut wang, _) = agent_at(b, AGENT_1).await;
    let (mut wang_taxpayer, wang_session) = served_by(&a, &mut wang).await;
    let (mut li, _) = agent_at(b, AGENT_2).await;
    let (mut li_taxpayer, li_session) = served_by(&a, &mut li).await;

    b_process.kill().await.expect("SIGKILL node B");
    drop((wang, li));
    let before_kill = li_taxpayer.seen.len();

    // 小李 reconnects at once, to A: the conversation is still theirs.
    let (mut li, welcome) = a.agent(AGENT_2).await;
    let AgentServerMsg::Welcome { active, .. } = &welcome else { unreachable!() };
    assert!(active.iter().any(|c| c.session_id == li_session), "still 小李's after the reconnect: {welcome:?}");

    // 小王 does not come back: once B is taken for dead and the grace is
    // over, their taxpayer is queued again, and 小李 (online on A) is shown
    // the queue. That push ends the round that decided about both agents.
    let requeued = wang_taxpayer.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;
    assert!(matches!(requeued, ServerMsg::Queue { position: 1, .. }), "{requeued:?}");
    li.recv_until(
        |m| matches!(m, AgentServerMsg::Queue { items } if items.iter().any(|i| i.session_id == wang_session)),
    )
    .await;

    // 小李's taxpayer was never queued, is still served by 小李 in the store,
    // and the two still reach each other.
    let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let (state, agent): (String, Option<String>) =
        sqlx::query_as("SELECT state, agent_id FROM conversations WHERE id = $1")
            .bind(&li_session)
            .fetch_one(&mut conn)
            .await
            .expect("conversation");
    assert_eq!((state.as_str(), agent.as_deref()), ("human", Some(AGENT_2)));
    li_taxpayer.send_json(json!({"type": "ask", "text": "您还在吗"})).await;
    li.recv_until(|m| matches!(m, AgentServerMsg::VisitorMessage { text, .. } if text == "您还在吗")).await;
    li.send_json(json!({"type": "send", "session_id": li_session, "text": "在的，请讲。"})).await;
    li_taxpayer.recv_until(|m| matches!(m, ServerMsg::AgentMessage { text, .. } if text == "在的，请讲。")).await;
    let after_kill = &li_taxpayer.seen[before_kill..];
    assert!(!after_kill.iter().any(|m| matches!(m, ServerMsg::Queue { .. })), "never queued: {after_kill:?}");
    conn.close().await.expect("close");
    db.drop_now().await;
}
