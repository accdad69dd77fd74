//! `taxbot migrate`: a SQLite store with rows in every table, copied into an
//! empty PostgreSQL database by the release binary, reads back the same and
//! keeps counting ids after the copied ones.

use std::process::Command;

use chrono::Utc;

use crate::postgres::TestDatabase;
use crate::store_contract::all_stories;
use taxbot::ids::{SessionId, VisitorKey, VisitorToken};
use taxbot::store::{self, AdminSession, Conversation, ConversationState, NewMessage, QueueEntry, Sender};

fn migrate(from: &str, to: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_taxbot"))
        .args(["migrate", "--from", from, "--to", to])
        .env("TAXBOT_LOG", "warn")
        .output()
        .expect("taxbot runs")
}

#[tokio::test]
async fn migrate_copies_every_table_of_a_sqlite_store_into_an_empty_postgres_database() {
    let Some(db) = TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = store::open(&store::Settings { data_dir: dir.path().into(), max_connections: 2, url: None })
        .await
        .expect("sqlite");
    all_stories(sqlite.as_ref()).await;
    // The stories end with some tables emptied again: fill them.
    let visitor = VisitorKey::web(&VisitorToken::generate());
    sqlite.touch_visitor(&visitor, Utc::now()).await.expect("visitor");
    let waiting = Conversation {
        id: SessionId::generate(),
        visitor,
        channel: "web".into(),
        state: ConversationState::Queued,
        agent_id: None,
        served_by: None,
        awaiting_rating: false,
        resolution: None,
        created_at: Utc::now(),
    };
    sqlite.create_conversation(&waiting).await.expect("conversation");
    sqlite.enqueue(&QueueEntry { conversation_id: waiting.id.clone(), enqueued_at: Utc::now() }).await.expect("queue");
    let user = sqlite.user_by_name("Admin").await.expect("user").expect("some");
    let now = Utc::now();
    let session = AdminSession {
        token_hash: "kept".into(),
        user_id: user.id,
        csrf: "c".into(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(1),
        last_seen: now,
    };
    sqlite.create_session(&session).await.expect("session");
    sqlite.dismiss_questions(&["不用管".to_owned()], "编辑甲", now).await.expect("dismiss");
    let last_message =
        sqlite.append_message(&NewMessage::plain(&waiting.id, Sender::Visitor, "在吗")).await.expect("m");
    let before_users = sqlite.users().await.expect("users");
    let before_versions = sqlite.knowledge_current().await.expect("knowledge");
    // A NUL (PostgreSQL text cannot hold it) arrives as U+FFFD.
    let mut before_dismissed: Vec<String> = sqlite
        .dismissed_questions()
        .await
        .expect("dismissed")
        .into_iter()
        .map(|t| t.replace('\0', "\u{fffd}"))
        .collect();
    before_dismissed.sort();
    let sqlite_canned = sqlite.canned_replies(None).await.expect("canned replies");
    assert!(!sqlite_canned.is_empty(), "the stories leave canned replies to copy");
    sqlite.close().await;

    let from = format!("sqlite:{}", dir.path().display());
    let done = migrate(&from, &db.url);
    let stdout = String::from_utf8_lossy(&done.stdout);
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stdout}\n{stderr}");
    let before_canned = sqlite_canned;
    for table in
        ["visitors", "messages", "queue_entries", "admin_sessions", "dismissed_questions", "api_keys", "canned_replies"]
    {
        let line = stdout.lines().find(|l| l.trim_start().starts_with(&format!("{table}\t"))).expect(table);
        assert!(!line.contains("\t0 行"), "{table} has rows to copy: {stdout}");
    }
    assert!(!stdout.contains(db.url.split('@').next().expect("url")), "the password is not printed: {stdout}");

    let pg = store::open(&store::Settings { url: Some(db.url.clone()), ..store::Settings::default() })
        .await
        .expect("postgres");
    assert_eq!(pg.users().await.expect("users"), before_users);
    let after_versions = pg.knowledge_current().await.expect("knowledge");
    assert_eq!(after_versions, before_versions);
    assert_eq!(pg.queue().await.expect("queue")[0].conversation_id, waiting.id);
    assert_eq!(pg.message(last_message).await.expect("message").body.text, "在吗");
    assert_eq!(pg.session("kept").await.expect("session").expect("some").user_id, user.id);
    let mut dismissed = pg.dismissed_questions().await.expect("dismissed");
    dismissed.sort();
    assert_eq!(dismissed, before_dismissed);
    assert!(dismissed.contains(&"不用管".to_owned()));
    assert_eq!(pg.canned_replies(None).await.expect("canned replies"), before_canned);
    let next = pg.append_message(&NewMessage::plain(&waiting.id, Sender::Bot, "在")).await.expect("append");
    assert_eq!(next, last_message + 1, "ids go on after the copied ones");
    let new_user = taxbot::store::User { id: 0, name: "新人".into(), ..before_users[0].clone() };
    assert!(pg.create_user(&new_user).await.expect("user").id > before_users.iter().map(|u| u.id).max().expect("max"));
    pg.close().await;

    let again = migrate(&from, &db.url);
    assert!(!again.status.success(), "a second copy into the same database is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("不是空的"), "{}", String::from_utf8_lossy(&again.stderr));
    db.drop_now().await;
}
