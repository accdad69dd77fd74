//! `taxbot serve` killed with SIGKILL in the middle of handoff traffic
//! (requests, cancels, least-load assignment, send-backs, transfers, closes)
//! leaves every conversation's stored handoff state whole: queued exactly
//! when it has a queue entry, served exactly when it has an agent. A restart
//! on the same database serves again and keeps it that way.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sqlx::{Connection, Row, SqliteConnection};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use taxbot::admin::{Role, users};
use taxbot::store::{AccountStore, SqliteStore, Store};

use crate::admin_client::AdminClient;

const AGENTS: [&str; 3] = ["甲", "乙", "丙"];
const PASSWORD: &str = "kill-test-password";
const VISITORS: usize = 10;
const KILLS: u64 = 6;

const CONFIG: &str = r#"
[handoff]
assignment = "least_load"

[handoff.hours]
days = [1, 2, 3, 4, 5, 6, 7]
open = "00:00"
close = "24:00"

[limits]
asks_per_sec = 1000
ask_burst = 1000

[server]
messages_per_sec = 1000
message_burst = 1000
"#;

/// Starts `taxbot serve` on the data directory `dir`; returns it with its address.
async fn serve(dir: &Path) -> (tokio::process::Child, String) {
    serve_with(dir, &[]).await
}

/// Starts `taxbot serve` with the config file `dir/taxbot.toml`, the data
/// directory `dir` and the environment overrides `env`; returns it with its address.
pub async fn serve_with(dir: &Path, env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_taxbot"))
        .arg("serve")
        .arg("--config")
        .arg(dir.join("taxbot.toml"))
        .envs(env.iter().copied())
        .env("TAXBOT_STORE__DATA_DIR", dir)
        .env("TAXBOT_SERVER__BIND", "127.0.0.1:0")
        .env("TAXBOT_KB__DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-base"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("taxbot serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("stderr") {
            if let Some(url) = line.split("http://").nth(1) {
                return url.trim().to_owned();
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server listens in time");
    // Keep draining stderr so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// One agent console: every conversation it is given it sends back to the
/// queue, passes to a colleague or closes, in turn.
async fn agent(addr: String, name: &'static str, next: &'static str, seed: u64) {
    let Ok(client) = AdminClient::try_sign_in(addr.parse().expect("addr"), name, PASSWORD).await else {
        return;
    };
    let mut req = format!("ws://{addr}/ws/agent").into_client_request().expect("url");
    req.headers_mut().insert("cookie", client.cookie.parse().expect("cookie"));
    let Ok((mut ws, _)) = tokio_tungstenite::connect_async(req).await else { return };
    if ws.send(Message::text(json!({"type": "hello"}).to_string())).await.is_err() {
        return;
    }
    let mut turn = seed;
    while let Some(Ok(m)) = ws.next().await {
        let Message::Text(t) = m else { continue };
        let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
        if v["type"] != "assigned" {
            continue;
        }
        let id = v["conversation"]["session_id"].clone();
        turn += 1;
        let action = match turn % 4 {
            0 | 1 => json!({"type": "transfer", "session_id": id, "to": null}),
            2 => json!({"type": "transfer", "session_id": id, "to": next}),
            _ => json!({"type": "close", "session_id": id, "resolution": "已解答"}),
        };
        if ws.send(Message::text(action.to_string())).await.is_err() {
            return;
        }
    }
}

/// One taxpayer: asks for a human, now and then gives up and asks again.
async fn visitor(addr: String, seed: u64) {
    let Ok((ws, _)) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws/chat")).await else { return };
    let (mut tx, mut rx) = ws.split();
    tokio::spawn(async move { while let Some(Ok(_)) = rx.next().await {} });
    if tx.send(Message::text(json!({"type": "hello"}).to_string())).await.is_err() {
        return;
    }
    for round in 0u64.. {
        let kind = if (round + seed) % 3 == 2 { "cancel_human" } else { "request_human" };
        if tx.send(Message::text(json!({"type": kind}).to_string())).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20 + (round * 7 + seed * 13) % 60)).await;
    }
}

/// Checks every stored conversation: queued exactly when it has a queue
/// entry, served (human) exactly when it has an agent. Returns how many
/// conversations were queued and served.
async fn check_whole(db: &Path, when: &str) -> (usize, usize) {
    let url = format!("sqlite://{}", db.display());
    let mut conn = SqliteConnection::connect(&url).await.expect("database opens");
    let rows = sqlx::query(
        "SELECT c.id, c.state, c.agent_id, \
         EXISTS (SELECT 1 FROM queue_entries q WHERE q.conversation_id = c.id) AS has_entry FROM conversations c",
    )
    .fetch_all(&mut conn)
    .await
    .expect("conversations");
    let (mut queued, mut served) = (0, 0);
    for r in &rows {
        let id: String = r.get("id");
        let state: String = r.get("state");
        let agent: Option<String> = r.get("agent_id");
        let has_entry: bool = r.get::<i64, _>("has_entry") != 0;
        assert_eq!(has_entry, state == "queued", "{when}: {id} is {state} with queue entry {has_entry}");
        assert_eq!(agent.is_some(), state == "human", "{when}: {id} is {state} with agent {agent:?}");
        queued += usize::from(state == "queued");
        served += usize::from(state == "human");
    }
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM queue_entries q WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = q.conversation_id)",
    )
    .fetch_one(&mut conn)
    .await
    .expect("orphans");
    assert_eq!(orphans, 0, "{when}: queue entries without a conversation");
    let handoffs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM handoffs").fetch_one(&mut conn).await.expect("count");
    let notices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE sender = 'system'")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    eprintln!(
        "{when}: {} conversations, {queued} queued, {served} served; {handoffs} handoffs, {notices} notices so far",
        rows.len()
    );
    (queued, served)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_handoff_leaves_every_conversation_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("taxbot.toml"), CONFIG).expect("config");
    let db = dir.path().join("taxbot.db");
    {
        let store = SqliteStore::open(&db, 1).await.expect("store");
        for name in AGENTS {
            let mut u = users::create(&store, name, Role::Agent, PASSWORD).await.expect("agent");
            u.max_concurrent = 2;
            store.update_user(&u).await.expect("capacity");
        }
        store.close().await;
    }

    let mut seen_served = 0;
    for kill in 0..KILLS {
        let (mut child, addr) = serve(dir.path()).await;
        let mut tasks = Vec::new();
        for (i, name) in AGENTS.iter().enumerate() {
            tasks.push(tokio::spawn(agent(addr.clone(), name, AGENTS[(i + 1) % AGENTS.len()], kill + i as u64)));
        }
        for v in 0..VISITORS {
            tasks.push(tokio::spawn(visitor(addr.clone(), kill * 31 + v as u64)));
        }
        // Let the traffic run a different while each time, then SIGKILL.
        tokio::time::sleep(Duration::from_millis(700 + kill * 230 % 900)).await;
        child.start_kill().expect("SIGKILL");
        child.wait().await.expect("the server dies");
        for t in tasks {
            t.abort();
        }
        let (_, served) = check_whole(&db, &format!("after kill {kill}")).await;
        seen_served += served;
    }
    assert!(seen_served > 0, "the kills landed while agents were serving");

    // A restart serves again on the same database and keeps it whole.
    let (mut child, addr) = serve(dir.path()).await;
    let http = reqwest::Client::new();
    let ready = http.get(format!("http://{addr}/readyz")).send().await.expect("readyz");
    assert!(ready.status().is_success(), "{}", ready.status());
    check_whole(&db, "after the restart").await;
    child.start_kill().expect("stop");
    let _ = child.wait().await;
}
