//! `taxbot backup` while taxpayers are chatting: the copy is consistent and
//! holds every message acknowledged before it started; `taxbot restore` puts
//! it in place of a database (refusing to overwrite one without --force).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use sqlx::{Connection, SqliteConnection};

use crate::helpers::{always_answer, spawn_app_with};
use taxbot::channels::web::protocol::ServerMsg;

fn taxbot(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_taxbot")).args(args).output().expect("taxbot runs")
}

async fn message_ids(db: &std::path::Path) -> HashSet<i64> {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display())).await.expect("opens");
    sqlx::query_scalar::<_, i64>("SELECT id FROM messages")
        .fetch_all(&mut conn)
        .await
        .expect("ids")
        .into_iter()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_holds_every_acknowledged_message_and_restores() {
    let app = spawn_app_with(always_answer).await;
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let mut load = Vec::new();
    for i in 0..6 {
        let (mut v, _) = app.visitor(None).await;
        let acked = Arc::clone(&acked);
        load.push(tokio::spawn(async move {
            for n in 0.. {
                v.send_json(json!({"type": "ask", "text": format!("个体工商户怎么开具发票？{i}-{n}")})).await;
                let m = v.recv_until(|m| matches!(m, ServerMsg::Ack { message_id: Some(_), .. })).await;
                if let ServerMsg::Ack { message_id: Some(id), .. } = m {
                    acked.lock().expect("lock").insert(id);
                }
                v.recv_until(|m| matches!(m, ServerMsg::AnswerEnd { .. })).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;

    let before: HashSet<i64> = acked.lock().expect("lock").clone();
    assert!(before.len() >= 6, "the load is running: {} acknowledged", before.len());
    let out_dir = tempfile::tempdir().expect("tempdir");
    let dest = out_dir.path().join("taxbot-backup.db");
    let data_dir = app.dir.path().to_str().expect("utf-8").to_owned();
    let dest_arg = dest.to_str().expect("utf-8").to_owned();
    let backup = tokio::task::spawn_blocking(move || taxbot(&["backup", &dest_arg, "--data-dir", &data_dir]))
        .await
        .expect("backup");
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    assert!(String::from_utf8_lossy(&backup.stdout).contains("已备份"));
    for t in &load {
        t.abort();
    }

    let saved = message_ids(&dest).await;
    let missing: Vec<_> = before.difference(&saved).collect();
    assert!(missing.is_empty(), "acknowledged before the backup but not in it: {missing:?}");

    // A second backup to the same file is refused, not overwritten.
    let again =
        taxbot(&["backup", dest.to_str().expect("utf-8"), "--data-dir", app.dir.path().to_str().expect("utf-8")]);
    assert!(!again.status.success());

    // Restore into a fresh directory; over an existing database only with --force.
    let target = tempfile::tempdir().expect("tempdir");
    let target_dir = target.path().to_str().expect("utf-8");
    let restored = taxbot(&["restore", dest.to_str().expect("utf-8"), "--data-dir", target_dir]);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    assert_eq!(message_ids(&target.path().join("taxbot.db")).await, saved);
    let refused = taxbot(&["restore", dest.to_str().expect("utf-8"), "--data-dir", target_dir]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let not_ours = out_dir.path().join("not-a-backup.db");
    std::fs::write(&not_ours, "hello").expect("write");
    let bad = taxbot(&["restore", not_ours.to_str().expect("utf-8"), "--data-dir", target_dir, "--force"]);
    assert!(!bad.status.success());
    assert_eq!(message_ids(&target.path().join("taxbot.db")).await, saved, "a bad file changes nothing");
}
