//! Several nodes on one PostgreSQL act as one service: a knowledge publish on
//! one node is live on every node within 2 s (each rebuilds its own index
//! from the store), also after a node's listening connection was cut.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Connection;
use tempfile::TempDir;

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{Client, TestApp, always_answer, ask_answer, start_from_store, test_config};
use crate::postgres::TestDatabase;
use taxbot::admin::Role;
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};
use taxbot::config::Config;

const PASSWORD: &str = "editor-password-1";
const MARK: &str = "（本条已在另一节点更新）";

/// How soon a publish must be live on the other nodes.
const FAN_OUT: Duration = Duration::from_secs(2);

/// A node on the database at `url`, built the way `taxbot serve` builds it
/// (its own matcher from the store), with `f` applied to its config.
pub async fn node(url: &str, f: impl FnOnce(&mut Config)) -> TestApp {
    let dir = Arc::new(TempDir::new().expect("tempdir"));
    let mut config = test_config(dir.path().to_path_buf());
    config.store.url = Some(url.to_owned());
    // The tests ask again and again on one connection.
    config.server.messages_per_sec = 1000;
    config.server.message_burst = 1000;
    f(&mut config);
    start_from_store(config, dir).await
}

/// Business hours that never close, so 转人工 queues on a node started as a process.
const ALWAYS_OPEN: &str = r#"
[handoff.hours]
days = [1, 2, 3, 4, 5, 6, 7]
open = "00:00"
close = "24:00"
"#;

/// Two nodes on one database, both with `handoff.node_grace_secs = grace`:
/// A in this process, B a `taxbot serve` process a test can SIGKILL.
pub struct KillablePair {
    /// The node that stays up.
    pub a: TestApp,
    /// Node B's process.
    pub b_process: tokio::process::Child,
    /// Node B's address.
    pub b: std::net::SocketAddr,
    /// B's configuration directory: keep it for as long as B runs.
    pub config_dir: TempDir,
}

/// Starts a [`KillablePair`] on the database at `url`.
pub async fn killable_pair(url: &str, grace: u64) -> KillablePair {
    let a = node(url, |c| c.handoff.node_grace_secs = grace).await;
    let dir = TempDir::new().expect("tempdir");
    std::fs::write(dir.path().join("taxbot.toml"), ALWAYS_OPEN).expect("config");
    let grace = grace.to_string();
    let env = [("TAXBOT_STORE__URL", url), ("TAXBOT_HANDOFF__NODE_GRACE_SECS", grace.as_str())];
    let (b_process, b) = crate::handoff_kill::serve_with(dir.path(), &env).await;
    KillablePair { a, b_process, b: b.parse().expect("address"), config_dir: dir }
}

/// The taxpayer `v` asks for a human (some agent is online), and `agent`
/// accepts conversation `id` once it shows in its queue; the taxpayer is told.
pub async fn hand_over(agent: &mut Client<AgentServerMsg>, v: &mut Client<ServerMsg>, id: &str) {
    v.send_json(json!({"type": "request_human"})).await;
    let m = v.recv_until(|m| matches!(m, ServerMsg::Queue { .. } | ServerMsg::HandoffOffline { .. })).await;
    assert!(matches!(m, ServerMsg::Queue { .. }), "queued: {m:?}");
    agent
        .recv_until(|m| matches!(m, AgentServerMsg::Queue { items } if items.iter().any(|i| i.session_id == id)))
        .await;
    agent.send_json(json!({"type": "accept", "session_id": id})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. })).await;
}

/// Asks `question` on `app` until the answer contains `mark` or `within`
/// has passed; returns how long it took (`None`: never).
async fn served_within(app: &TestApp, question: &str, mark: &str, within: Duration) -> Option<Duration> {
    let (mut visitor, _) = app.visitor(None).await;
    let start = Instant::now();
    loop {
        let (_, _, text) = ask_answer(&mut visitor, question).await;
        if text.contains(mark) {
            return Some(start.elapsed());
        }
        if start.elapsed() > within {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn first_entry() -> (String, String) {
    let kb =
        taxbot::kb::load(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")).expect("kb");
    (kb.entries[0].id.to_string(), kb.entries[0].question.clone())
}

#[tokio::test]
async fn a_publish_on_one_node_is_answered_on_the_other_within_two_seconds() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, always_answer).await;
    let b = node(&db.url, always_answer).await;
    add_user(&*a.store, "编辑甲", Role::Editor, PASSWORD).await;
    let editor = AdminClient::sign_in(a.addr, "编辑甲", PASSWORD).await;
    let (id, question) = first_entry();
    let path = format!("/api/admin/entries/{id}");

    let (_, detail) = editor.get(&path).await;
    let mut entry = detail["published"].clone();
    entry["answer"] = json!(format!("{}\n\n{MARK}", entry["answer"].as_str().expect("answer")));
    let (status, saved) = editor.put_json(&path, entry).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(served_within(&b, &question, MARK, Duration::ZERO).await, None, "a draft is not served on B");

    let (status, published) = editor.post_json(&format!("{path}/publish"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    let took = served_within(&b, &question, MARK, FAN_OUT).await;
    assert!(took.is_some(), "node B answers with the text published on A within {FAN_OUT:?}");
    eprintln!("publish on A served on B after {took:?}");

    let (status, _) = editor.post_json(&format!("{path}/rollback"), json!({"version": 1})).await;
    assert_eq!(status, StatusCode::OK, "rollback on A");
    let (mut visitor, _) = b.visitor(None).await;
    let start = Instant::now();
    loop {
        let (_, _, text) = ask_answer(&mut visitor, &question).await;
        if !text.contains(MARK) {
            break;
        }
        assert!(start.elapsed() < FAN_OUT, "a rollback on A is live on B within {FAN_OUT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    db.drop_now().await;
}

#[tokio::test]
async fn after_its_listening_connection_is_cut_a_node_rereads_the_knowledge_it_may_have_missed() {
    let Some(db) = TestDatabase::create().await else { return };
    let b = node(&db.url, always_answer).await;
    let (id, question) = first_entry();

    // A change that announces nothing: as if its notification had been sent
    // while B's listener was down.
    let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let (version, content): (i64, String) = sqlx::query_as(
        "SELECT version, content FROM knowledge_versions WHERE kind = 'entry' AND key = $1 AND state = 'published'",
    )
    .bind(&id)
    .fetch_one(&mut conn)
    .await
    .expect("published row");
    let mut entry: serde_json::Value = serde_json::from_str(&content).expect("entry json");
    entry["answer"] = json!(format!("{}\n\n{MARK}", entry["answer"].as_str().expect("answer")));
    sqlx::query("UPDATE knowledge_versions SET content = $1 WHERE kind = 'entry' AND key = $2 AND version = $3")
        .bind(entry.to_string())
        .bind(&id)
        .bind(version)
        .execute(&mut conn)
        .await
        .expect("silent change");
    assert_eq!(served_within(&b, &question, MARK, Duration::from_millis(1500)).await, None, "nothing announced it");

    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("terminate the listener");
    assert_eq!(cut, vec![true], "B's one listening connection is cut");
    let took = served_within(&b, &question, MARK, Duration::from_secs(5)).await;
    assert!(took.is_some(), "B reconnects, re-reads the store and serves the change");
    let _ = conn.close().await;
    db.drop_now().await;
}
