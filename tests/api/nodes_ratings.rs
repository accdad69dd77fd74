//! Ratings across nodes sharing one PostgreSQL: a 👎 on an answer and the
//! stars for a human conversation, both given by a taxpayer on node A (served
//! by an agent on node B), are in the analytics figures an editor reads
//! through node B once its periodic recount has run.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{AGENT_1, always_answer, ask_answer};
use crate::nodes::{hand_over, node};
use crate::nodes_handoff::{session_of, until_agents_online};
use crate::postgres::TestDatabase;
use taxbot::admin::Role;
use taxbot::channels::web::protocol::ServerMsg;
use taxbot::config::Config;

const COMMENT: &str = "没有说到电子发票";

/// How long the figures on B may take: two recounts of `refresh_secs = 1`.
const RECOUNTED_WITHIN: Duration = Duration::from_secs(5);

fn settings(c: &mut Config) {
    always_answer(c);
    c.analytics.refresh_secs = 1;
}

/// Whether `figures` count the 👎 on `entry_id` and the 4 stars for [`AGENT_1`].
fn counts_both(figures: &Value, entry_id: &str) -> bool {
    let entry = figures["entries"].as_array().and_then(|e| e.iter().find(|e| e["entry_id"] == entry_id));
    let agent = figures["agents"].as_array().and_then(|a| a.iter().find(|a| a["agent_id"] == AGENT_1));
    entry.is_some_and(|e| e["downvotes"] == 1 && e["reasons"] == json!([COMMENT]))
        && agent.is_some_and(|a| a["ratings"] == 1 && a["average_stars"] == 4.0)
}

#[tokio::test]
async fn a_thumbs_down_and_a_rating_on_node_a_are_in_the_figures_read_on_node_b() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, settings).await;
    let b = node(&db.url, settings).await;
    add_user(&*b.store, "编辑乙", Role::Editor, "editor-password").await;
    let editor = AdminClient::sign_in(b.addr, "编辑乙", "editor-password").await;
    let (mut agent, _) = b.agent(AGENT_1).await;
    until_agents_online(&a, 1).await;

    let (mut v, welcome) = a.visitor(None).await;
    let session_id = session_of(&welcome);
    let (answer_id, entry_id, _) = ask_answer(&mut v, "我的发票开错了怎么办").await;
    v.send_json(json!({"type": "feedback", "answer_id": answer_id, "helpful": false, "comment": COMMENT})).await;
    v.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;
    hand_over(&mut agent, &mut v, &session_id).await;
    agent.send_json(json!({"type": "close", "session_id": session_id, "resolution": "已解答"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::ConversationClosed { .. })).await;
    v.send_json(json!({"type": "rate", "stars": 4, "comment": "还行"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;

    // Node B counted before any of it happened (its first recount runs at
    // start), so only a later recount from the shared store shows it.
    let start = Instant::now();
    let figures = loop {
        let (status, body) = editor.get("/api/admin/analytics/figures").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if counts_both(&body["figures"], &entry_id) {
            break body["figures"].clone();
        }
        assert!(start.elapsed() < RECOUNTED_WITHIN, "node B's figures count what happened on A: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!("ratings on A in B's figures after {:?}", start.elapsed());
    let today = &figures["days"][0];
    assert_eq!(today["channel"], "all", "{figures}");
    let counted = ["questions", "answered", "resolved", "downvoted", "handoff_requests", "handoffs_connected"]
        .map(|k| today[k].as_u64().unwrap_or(u64::MAX));
    assert_eq!(counted, [1, 1, 0, 1, 1, 1], "{today}");
    db.drop_now().await;
}
