//! Handoff consistency under concurrency and restarts: agents sending
//! conversations back while least-load assignment hands them out, taxpayers
//! asking and leaving at the same time. Afterwards every conversation's
//! stored state, agent and queue entry agree with the hub, and a hub started
//! again on the same store sees the same picture.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use tempfile::TempDir;

use crate::postgres::TestDatabase;
use taxbot::handoff::{AgentAccount, Assignment, Hours, Hub, Presence, Settings};
use taxbot::ids::{SessionId, VisitorKey, VisitorToken};
use taxbot::store::{Conversation, ConversationState, SqliteStore, Store};

const AGENTS: usize = 6;
const CONVERSATIONS: usize = 24;
const ROUNDS: usize = 120;

fn settings() -> Settings {
    Settings {
        assignment: Assignment::LeastLoad,
        hours: Hours { days: (1..=7).collect(), open: "00:00".into(), close: "24:00".into(), ..Hours::default() },
        event_buffer: 1,
        ..Settings::default()
    }
}

async fn conversation(store: &dyn Store) -> SessionId {
    let visitor = VisitorKey::web(&VisitorToken::generate());
    store.touch_visitor(&visitor, Utc::now()).await.expect("visitor");
    let c = Conversation {
        id: SessionId::generate(),
        visitor,
        channel: "web".into(),
        state: ConversationState::Bot,
        agent_id: None,
        served_by: None,
        awaiting_rating: false,
        resolution: None,
        created_at: Utc::now(),
    };
    store.create_conversation(&c).await.expect("conversation");
    c.id
}

/// Checks that the store and `hub` agree on every conversation; returns the
/// states seen.
async fn check_consistent(store: &dyn Store, hub: &Hub, ids: &[SessionId]) -> HashMap<SessionId, ConversationState> {
    let queued: HashSet<SessionId> =
        store.queue().await.expect("queue").into_iter().map(|e| e.conversation_id).collect();
    let mut states = HashMap::new();
    for id in ids {
        let c = store.conversation(id).await.expect("conversation");
        assert_eq!(c.state, hub.state_of(id), "{id}: stored state and hub disagree");
        assert_eq!(c.agent_id, hub.agent_of(id), "{id}: stored agent and hub disagree");
        assert_eq!(
            queued.contains(id),
            c.state == ConversationState::Queued,
            "{id}: queue entry vs state {:?}",
            c.state
        );
        assert_eq!(c.agent_id.is_some(), c.state == ConversationState::Human, "{id}: agent vs state {:?}", c.state);
        states.insert(id.clone(), c.state);
    }
    states
}

/// Takes SQLite's write lock for a moment every few milliseconds.
async fn hold_write_lock_now_and_then(path: std::path::PathBuf) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("second connection");
    for i in 0u64.. {
        if sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.is_ok() {
            tokio::time::sleep(std::time::Duration::from_micros(800 + i % 7 * 300)).await;
            let _ = sqlx::query("COMMIT").execute(&mut conn).await;
        }
        tokio::time::sleep(std::time::Duration::from_micros(400)).await;
    }
}

/// Takes an exclusive lock on the conversations and the queue for a moment
/// every few milliseconds (PostgreSQL's stand-in for a busy writer).
async fn lock_tables_now_and_then(url: String) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("second connection");
    for i in 0u64.. {
        if sqlx::query("BEGIN").execute(&mut conn).await.is_ok() {
            let _ = sqlx::query("LOCK TABLE conversations, queue_entries IN EXCLUSIVE MODE").execute(&mut conn).await;
            tokio::time::sleep(std::time::Duration::from_micros(800 + i % 7 * 300)).await;
            let _ = sqlx::query("COMMIT").execute(&mut conn).await;
        }
        tokio::time::sleep(std::time::Duration::from_micros(400)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn send_backs_racing_least_load_assignment_keep_store_and_hub_in_step() {
    let dir = TempDir::new().expect("tempdir");
    let path = dir.path().join("taxbot.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path, 4).await.expect("store"));
    // Another writer holds the database now and then, as a busy database
    // does: the store's writes wait a little, at random points of each change.
    race(store, hold_write_lock_now_and_then(path.clone())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_postgres_send_backs_racing_least_load_assignment_keep_store_and_hub_in_step() {
    let Some(db) = TestDatabase::create().await else { return };
    let store: Arc<dyn Store> = Arc::new(taxbot::store::open_url(&db.url, 8).await.expect("store"));
    race(Arc::clone(&store), lock_tables_now_and_then(db.url.clone())).await;
    store.close().await;
    db.drop_now().await;
}

/// The race on `store`, with `busy` (another writer) running meanwhile.
async fn race(store: Arc<dyn Store>, busy: impl std::future::Future<Output = ()> + Send + 'static) {
    let hub = Arc::new(Hub::start(Arc::clone(&store), settings()).await.expect("hub"));
    let mut consoles = Vec::new();
    for i in 0..AGENTS {
        let account = AgentAccount { id: format!("agent-{i}"), name: format!("客服{i}"), max_concurrent: 2 };
        consoles.push(hub.connect_agent(account, Presence::Online).await.expect("agent"));
    }
    let mut ids = Vec::new();
    for _ in 0..CONVERSATIONS {
        ids.push(conversation(store.as_ref()).await);
    }

    let stall = tokio::spawn(busy);

    let mut tasks = Vec::new();
    // Taxpayers ask for a human, some give up and ask again.
    for (n, id) in ids.iter().cloned().enumerate() {
        let hub = Arc::clone(&hub);
        tasks.push(tokio::spawn(async move {
            for round in 0..ROUNDS / 3 {
                let _ = hub.request(&id).await;
                tokio::task::yield_now().await;
                if (n + round) % 3 == 0 {
                    let _ = hub.cancel(&id).await;
                }
            }
        }));
    }
    // Agents send back or pass on what they serve, while assignment runs.
    for i in 0..AGENTS {
        let hub = Arc::clone(&hub);
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            let me = format!("agent-{i}");
            let next = format!("agent-{}", (i + 1) % AGENTS);
            for round in 0..ROUNDS {
                for id in &ids {
                    if hub.agent_of(id).as_deref() != Some(me.as_str()) {
                        continue;
                    }
                    let _ = match round % 4 {
                        0 | 1 => hub.transfer(&me, id, None, None).await,
                        2 => hub.transfer(&me, id, Some(&next), None).await,
                        _ => hub.close(&me, id, "已解答").await,
                    };
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    stall.abort();

    let before = check_consistent(store.as_ref(), &hub, &ids).await;
    assert!(before.values().any(|s| *s == ConversationState::Human), "the race served somebody: {before:?}");

    // A restart (a new hub on the same store) finds the same picture.
    drop(consoles);
    drop(hub);
    let hub = Hub::start(Arc::clone(&store), settings()).await.expect("hub again");
    let after = check_consistent(store.as_ref(), &hub, &ids).await;
    assert_eq!(before, after, "a restart changed handoff states");
}
