//! The grace period of a dead node's agents (`handoff.node_grace_secs`): an
//! agent whose node was killed and who reconnects (to another node) within
//! it keeps their conversations; a colleague on the same node who does not
//! reconnect has theirs sent back to the queue.

use std::net::SocketAddr;

use serde_json::json;
use sqlx::Connection;
use tempfile::TempDir;

use crate::handoff_kill::serve_with;
use crate::helpers::{AGENT_1, AGENT_2, Client, agent_at};
use crate::nodes::node;
use crate::postgres::TestDatabase;
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};

const CONFIG: &str = r#"
[handoff.hours]
days = [1, 2, 3, 4, 5, 6, 7]
open = "00:00"
close = "24:00"
"#;

/// A taxpayer on `app` handed to `agent`; returns the taxpayer and the conversation id.
async fn served_by(app: &crate::helpers::TestApp, agent: &mut Client<AgentServerMsg>) -> (Client<ServerMsg>, String) {
    let (mut v, welcome) = app.visitor(None).await;
    let ServerMsg::Welcome { session_id, .. } = welcome else { unreachable!() };
    v.send_json(json!({"type": "request_human"})).await;
    let m = v.recv_until(|m| matches!(m, ServerMsg::Queue { .. } | ServerMsg::HandoffOffline { .. })).await;
    assert!(matches!(m, ServerMsg::Queue { .. }), "queued: {m:?}");
    agent
        .recv_until(
            |m| matches!(m, AgentServerMsg::Queue { items } if items.iter().any(|i| i.session_id == session_id)),
        )
        .await;
    agent.send_json(json!({"type": "accept", "session_id": session_id})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. })).await;
    (v, session_id)
}

#[tokio::test]
async fn an_agent_who_reconnects_within_the_grace_period_keeps_their_conversations() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, |c| c.handoff.node_grace_secs = 2).await;
    let dir = TempDir::new().expect("tempdir");
    std::fs::write(dir.path().join("taxbot.toml"), CONFIG).expect("config");
    let (mut b_process, b_addr) =
        serve_with(dir.path(), &[("TAXBOT_STORE__URL", &db.url), ("TAXBOT_HANDOFF__NODE_GRACE_SECS", "2")]).await;
    let b: SocketAddr = b_addr.parse().expect("address");

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
