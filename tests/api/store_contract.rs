//! The store contract: the same stories through every method, on SQLite and
//! on PostgreSQL (a fresh database per test, see [`crate::postgres`]).

use chrono::Utc;

use crate::postgres::TestDatabase;
use taxbot::ids::{KnowledgeKind, SessionId, VersionState, VisitorKey, VisitorToken};
use taxbot::store::{
    self, AdminSession, Agent, AuditEntry, AuditFilter, Conversation, ConversationState, Feedback, HandoffChange,
    HandoffRecordChange, NewKnowledge, NewMessage, QueueChange, QueueEntry, Rating, Sender, Store, StoreError, Ticket,
    TicketStatus, User, VisitorIdentity,
};

async fn story(s: &dyn Store) {
    s.ping().await.expect("ping");
    let visitor = VisitorKey::web(&VisitorToken::generate());
    assert_eq!(s.visitor_last_seen(&visitor).await.expect("seen"), None);
    s.touch_visitor(&visitor, Utc::now()).await.expect("touch");
    assert!(s.visitor_last_seen(&visitor).await.expect("seen").is_some());

    let mut c = Conversation {
        id: SessionId::generate(),
        visitor: visitor.clone(),
        channel: "web".into(),
        state: ConversationState::Bot,
        agent_id: None,
        served_by: None,
        awaiting_rating: false,
        resolution: None,
        created_at: Utc::now(),
    };
    s.create_conversation(&c).await.expect("create");
    let latest = s.latest_conversation(&visitor).await.expect("latest").expect("some");
    assert_eq!((&latest.id, latest.state), (&c.id, ConversationState::Bot));

    let q = s.append_message(&NewMessage::plain(&c.id, Sender::Visitor, "问题")).await.expect("append");
    let mut answer = NewMessage::plain(&c.id, Sender::Bot, "答案");
    answer.decision = Some("answer");
    answer.entry_id = Some("VAT-001".into());
    answer.confidence = Some(0.75);
    let a = s.append_message(&answer).await.expect("append");
    assert!(a > q);
    let m = s.message(a).await.expect("message");
    assert_eq!((m.decision.as_deref(), m.body.confidence), (Some("answer"), Some(0.75)));
    assert_eq!(s.messages(&c.id, 1).await.expect("last")[0].id, a);
    let hot = s.hot_counts(Utc::now() - chrono::Duration::days(1), 5).await.expect("hot");
    assert_eq!(hot, [("VAT-001".to_owned(), 1)]);
    assert!(matches!(s.message(a + 100).await, Err(StoreError::NotFound)));

    s.add_feedback(&Feedback { message_id: a, conversation_id: c.id.clone(), helpful: true, comment: None })
        .await
        .expect("feedback");
    s.add_feedback(&Feedback {
        message_id: a,
        conversation_id: c.id.clone(),
        helpful: false,
        comment: Some("没说清楚".into()),
    })
    .await
    .expect("a changed vote");
    assert_eq!(s.votes(&c.id).await.expect("votes"), [(a, false)], "one vote per answer, the latest");

    s.enqueue(&QueueEntry { conversation_id: c.id.clone(), enqueued_at: Utc::now() }).await.expect("enqueue");
    s.enqueue(&QueueEntry { conversation_id: c.id.clone(), enqueued_at: Utc::now() }).await.expect("idempotent");
    assert_eq!(s.queue().await.expect("queue").len(), 1);
    s.dequeue(&c.id).await.expect("dequeue");
    assert!(s.queue().await.expect("queue").is_empty());

    s.upsert_agent(&Agent { id: "a1".into(), name: "小王".into(), max_concurrent: 3 }).await.expect("agent");
    c.state = ConversationState::Human;
    c.agent_id = Some("a1".into());
    s.update_conversation(&c).await.expect("update");
    assert_eq!(s.conversations_in(ConversationState::Human).await.expect("human").len(), 1);
    s.add_rating(&Rating { conversation_id: c.id.clone(), agent_id: Some("a1".into()), stars: 4, comment: None })
        .await
        .expect("rating");
    assert_eq!(s.ratings(&c.id).await.expect("ratings")[0].stars, 4);

    let t = s
        .create_ticket(&Ticket {
            id: 0,
            conversation_id: c.id.clone(),
            visitor: visitor.clone(),
            text: "留言".into(),
            contact: None,
            status: TicketStatus::Open,
            answer: None,
            agent_id: None,
            created_at: Utc::now(),
        })
        .await
        .expect("ticket");
    assert_eq!(s.open_tickets().await.expect("open").len(), 1);
    s.answer_ticket(t.id, "a1", "答复").await.expect("answer");
    assert!(matches!(s.answer_ticket(t.id, "a1", "again").await, Err(StoreError::Conflict(_))));
    assert!(matches!(s.answer_ticket(t.id + 9, "a1", "x").await, Err(StoreError::NotFound)));
    assert_eq!(s.undelivered_answers(&visitor).await.expect("undelivered").len(), 1);
    s.mark_delivered(t.id).await.expect("delivered");
    assert!(s.undelivered_answers(&visitor).await.expect("undelivered").is_empty());
    assert_eq!(s.ticket(t.id).await.expect("ticket").status, TicketStatus::Delivered);
    assert_eq!(s.agents().await.expect("agents").len(), 1);
}

/// Every story, on one store.
pub async fn all_stories(s: &dyn Store) {
    story(s).await;
    handoff_changes(s).await;
    accounts_and_keys(s).await;
    knowledge_versions(s).await;
    analytics_and_retention(s).await;
    identities_and_starters(s).await;
    scans(s).await;
    desk(s).await;
    odd_text(s).await;
    overlapping_publishes(s).await;
}

/// Canned replies per team, and closed conversations listed closed last
/// first, searched by message text or id prefix; a transfer note is stored
/// as an agents-only line with the change.
async fn desk(s: &dyn Store) {
    use store::{HistoryQuery, NewCannedReply};
    let reply = |team: &str, title: &str| NewCannedReply {
        team: team.into(),
        title: title.into(),
        text: format!("{title}的回复"),
        by: "admin".into(),
    };
    let b = s.create_canned_reply(&reply("个税组", "乙")).await.expect("create");
    let a = s.create_canned_reply(&reply("", "甲")).await.expect("create");
    assert_eq!((a.team.as_str(), a.text.as_str()), ("", "甲的回复"));
    let titles = |v: Vec<store::CannedReply>| v.into_iter().map(|r| r.title).collect::<Vec<_>>();
    assert_eq!(titles(s.canned_replies(None).await.expect("all")), ["甲", "乙"], "by team, then title");
    assert_eq!(titles(s.canned_replies(Some("个税组")).await.expect("team")), ["乙"]);
    let changed = s.update_canned_reply(b.id, &reply("个税组", "丙")).await.expect("update");
    assert_eq!((changed.id, changed.title.as_str()), (b.id, "丙"));
    assert!(matches!(s.update_canned_reply(-1, &reply("", "x")).await, Err(StoreError::NotFound)));
    assert_eq!(s.delete_canned_reply(a.id).await.expect("delete").title, "甲");
    assert!(matches!(s.delete_canned_reply(a.id).await, Err(StoreError::NotFound)));

    use ConversationState::{Bot, Human, Queued};
    let visitor = VisitorKey::web(&VisitorToken::generate());
    s.touch_visitor(&visitor, Utc::now()).await.expect("touch");
    let mut closed = Vec::new();
    for (question, note) in [("历史会话甲：车船税怎么交", None), ("历史会话乙：印花税税率", Some("请核对合同类型"))]
    {
        let c = Conversation {
            id: SessionId::generate(),
            visitor: visitor.clone(),
            channel: "web".into(),
            state: Bot,
            agent_id: None,
            served_by: None,
            awaiting_rating: false,
            resolution: None,
            created_at: Utc::now(),
        };
        s.create_conversation(&c).await.expect("create");
        s.append_message(&NewMessage::plain(&c.id, Sender::Visitor, question)).await.expect("ask");
        let steps = [
            HandoffChange::new(&c.id, (Bot, None), (Queued, None)).queue(QueueChange::Enqueue(Utc::now())),
            HandoffChange::new(&c.id, (Queued, None), (Human, Some("a1"))).queue(QueueChange::Remove),
        ];
        for step in steps {
            s.apply_handoff(&step).await.expect("handoff");
        }
        if let Some(note) = note {
            let transfer = HandoffChange::new(&c.id, (Human, Some("a1")), (Human, Some("a2"))).note(note);
            s.apply_handoff(&transfer).await.expect("transfer");
            let stored = s.messages(&c.id, 10).await.expect("messages");
            let line = stored.iter().find(|m| m.body.sender == Sender::Note).expect("the note is stored");
            assert_eq!((line.body.text.as_str(), line.body.agent_id.as_deref()), (note, Some("a1")));
        }
        let agent = if note.is_some() { "a2" } else { "a1" };
        let close = HandoffChange::new(&c.id, (Human, Some(agent)), (Bot, None)).resolution("已解答");
        s.apply_handoff(&close).await.expect("close");
        closed.push(c.id);
    }
    let page = |text: Option<&str>, id_prefixes: Vec<String>, offset, limit| HistoryQuery {
        text: text.map(Into::into),
        id_prefixes,
        offset,
        limit,
    };
    let listed = s.closed_conversations(&page(Some("历史会话"), Vec::new(), 0, 10)).await.expect("history");
    let ids: Vec<&SessionId> = listed.iter().map(|c| &c.session_id).collect();
    assert_eq!(ids, [&closed[1], &closed[0]], "closed last first");
    assert_eq!(listed[1].first_question.as_deref(), Some("历史会话甲：车船税怎么交"));
    assert_eq!((listed[0].served_by.as_deref(), listed[0].resolution.as_deref()), (Some("a2"), Some("已解答")));
    let second = s.closed_conversations(&page(Some("历史会话"), Vec::new(), 1, 1)).await.expect("page 2");
    assert_eq!(second.iter().map(|c| &c.session_id).collect::<Vec<_>>(), [&closed[0]]);
    let by_text = s.closed_conversations(&page(Some("印花税"), Vec::new(), 0, 10)).await.expect("search");
    assert_eq!(by_text.iter().map(|c| &c.session_id).collect::<Vec<_>>(), [&closed[1]]);
    let notes_are_not_searched = s.closed_conversations(&page(Some("请核对合同类型"), Vec::new(), 0, 10)).await;
    assert!(notes_are_not_searched.expect("search").is_empty());
    let prefix = closed[0].as_str()[..4].to_owned();
    let by_prefix = s.closed_conversations(&page(Some("不会出现的词"), vec![prefix], 0, 50)).await.expect("name");
    assert!(by_prefix.iter().any(|c| c.session_id == closed[0]), "text or id prefix");
    // A verified visitor is found by name or masked id; an unverified one by neither.
    let verified = store::VisitorIdentity::Verified { name: "王历史".into(), masked_id: "9144********H123".into() };
    s.set_identity(&closed[0], &verified).await.expect("identity");
    s.set_identity(&closed[1], &store::VisitorIdentity::Unverified).await.expect("identity");
    for q in ["王历史", "H123"] {
        let found = s.closed_conversations(&page(Some(q), Vec::new(), 0, 10)).await.expect("by identity");
        assert_eq!(found.iter().map(|c| &c.session_id).collect::<Vec<_>>(), [&closed[0]], "{q}");
    }
    // A page's identities come in one query; a conversation without one is left out.
    let page_ids = [closed[0].clone(), closed[1].clone(), SessionId::generate()];
    let identities = s.identities(&page_ids).await.expect("identities");
    assert_eq!(identities.len(), 2);
    assert_eq!(identities.get(&closed[0]), Some(&verified));
    assert_eq!(identities.get(&closed[1]), Some(&store::VisitorIdentity::Unverified));
    assert!(s.identities(&[]).await.expect("no ids").is_empty());
}

/// A conversation's visitor identity is replaced by the latest hello and
/// forgotten with the texts; starter questions keep their order.
async fn identities_and_starters(s: &dyn Store) {
    let visitor = VisitorKey::web(&VisitorToken::generate());
    s.touch_visitor(&visitor, Utc::now()).await.expect("touch");
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
    s.create_conversation(&c).await.expect("create");
    assert_eq!(s.identity(&c.id).await.expect("identity"), None);
    let verified = VisitorIdentity::Verified { name: "张三".into(), masked_id: "9144********1234".into() };
    s.set_identity(&c.id, &verified).await.expect("set");
    assert_eq!(s.identity(&c.id).await.expect("identity"), Some(verified.clone()));
    s.set_identity(&c.id, &VisitorIdentity::Unverified).await.expect("replace");
    assert_eq!(s.identity(&c.id).await.expect("identity"), Some(VisitorIdentity::Unverified));
    s.set_identity(&c.id, &verified).await.expect("set again");
    s.purge_before(Utc::now() + chrono::Duration::days(1)).await.expect("purge");
    assert_eq!(s.identity(&c.id).await.expect("identity"), None, "a name is forgotten with the texts");

    assert!(s.starter_questions().await.expect("starters").is_empty());
    let ids = ["VAT-007", "IIT-001", "INV-001"].map(String::from);
    s.set_starter_questions(&ids).await.expect("set starters");
    assert_eq!(s.starter_questions().await.expect("starters"), ids);
    s.set_starter_questions(&ids[1..2]).await.expect("replace starters");
    assert_eq!(s.starter_questions().await.expect("starters"), ["IIT-001"]);
    s.set_starter_questions(&[]).await.expect("clear starters");
    assert!(s.starter_questions().await.expect("starters").is_empty());
}

/// QR code scans are counted per entry, most first, within the period.
async fn scans(s: &dyn Store) {
    let now = Utc::now();
    for (id, n) in [("SCAN-002", 1), ("SCAN-001", 3), ("SCAN-003", 1)] {
        for _ in 0..n {
            s.record_scan(id, now).await.expect("scan");
        }
    }
    s.record_scan("SCAN-004", now - chrono::Duration::days(40)).await.expect("old scan");
    let counts = s.scan_counts(now - chrono::Duration::days(30), 10).await.expect("counts");
    let ours: Vec<(&str, u64)> =
        counts.iter().filter(|(id, _)| id.starts_with("SCAN-")).map(|(id, n)| (id.as_str(), *n)).collect();
    assert_eq!(ours, [("SCAN-001", 3), ("SCAN-002", 1), ("SCAN-003", 1)]);
    assert_eq!(s.scan_counts(now - chrono::Duration::days(30), 1).await.expect("counts").len(), 1);
}

/// Text PostgreSQL cannot hold as such (NUL) is still stored, not refused.
async fn odd_text(s: &dyn Store) {
    let visitor = VisitorKey::web(&VisitorToken::generate());
    s.touch_visitor(&visitor, Utc::now()).await.expect("touch");
    let c = Conversation {
        id: SessionId::generate(),
        visitor: visitor.clone(),
        channel: "web".into(),
        state: ConversationState::Bot,
        agent_id: None,
        served_by: None,
        awaiting_rating: false,
        resolution: None,
        created_at: Utc::now(),
    };
    s.create_conversation(&c).await.expect("create");
    let odd = "个税\0汇算'; DROP TABLE messages; --";
    let id = s.append_message(&NewMessage::plain(&c.id, Sender::Visitor, odd)).await.expect("a NUL is stored");
    let back = s.message(id).await.expect("message").body.text;
    assert_eq!(back.replace('\u{fffd}', "\0"), odd, "kept, or the NUL as U+FFFD");
    let t = s
        .create_ticket(&Ticket {
            id: 0,
            conversation_id: c.id.clone(),
            visitor,
            text: odd.into(),
            contact: Some("\0".into()),
            status: TicketStatus::Open,
            answer: None,
            agent_id: None,
            created_at: Utc::now(),
        })
        .await
        .expect("ticket with a NUL");
    s.answer_ticket(t.id, "a1", odd).await.expect("answer with a NUL");
    s.dismiss_questions(&[odd.to_owned()], "编辑甲", Utc::now()).await.expect("dismiss a NUL");
}

/// Two writers publishing the same keys in opposite orders both succeed.
async fn overlapping_publishes(s: &dyn Store) {
    let item = |key: &str, n: usize| NewKnowledge {
        kind: KnowledgeKind::Entry,
        key: key.into(),
        content: format!("{key} {n}"),
        summary: String::new(),
    };
    let one = async {
        for n in 0..15 {
            s.knowledge_publish(&[item("K-A", n), item("K-B", n), item("K-C", n)], "甲").await.expect("publish a,b,c");
        }
    };
    let other = async {
        for n in 0..15 {
            s.knowledge_publish(&[item("K-C", n), item("K-B", n), item("K-A", n)], "乙").await.expect("publish c,b,a");
        }
    };
    tokio::join!(one, other);
    for key in ["K-A", "K-B", "K-C"] {
        let versions = s.knowledge_versions(KnowledgeKind::Entry, key).await.expect("versions");
        assert_eq!(versions.len(), 30, "{key}");
        assert_eq!(versions.iter().filter(|v| v.state == VersionState::Published).count(), 1, "{key}");
    }
}

#[tokio::test]
async fn sqlite_store_keeps_the_whole_story_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = store::Settings { data_dir: dir.path().join("nested/data"), max_connections: 2, url: None };
    let s = store::open(&settings).await.expect("open creates the directory");
    all_stories(s.as_ref()).await;
    s.close().await;
    let again = store::open(&settings).await.expect("reopen");
    assert_eq!(again.agents().await.expect("agents").len(), 1);
    assert_eq!(again.open_tickets().await.expect("tickets").len(), 0);
}

#[tokio::test]
async fn postgres_store_keeps_the_whole_story_across_reopen() {
    let Some(db) = TestDatabase::create().await else { return };
    let settings =
        store::Settings { data_dir: "unused-by-postgres".into(), max_connections: 4, url: Some(db.url.clone()) };
    let s = store::open(&settings).await.expect("open migrates the empty database");
    all_stories(s.as_ref()).await;
    s.close().await;
    let again = store::open(&settings).await.expect("reopen (migrations already applied)");
    assert_eq!(again.agents().await.expect("agents").len(), 1);
    assert_eq!(again.open_tickets().await.expect("tickets").len(), 0);
    again.close().await;
    assert!(!std::path::Path::new("unused-by-postgres").exists(), "PostgreSQL creates no data directory");
    db.drop_now().await;
}

#[tokio::test]
async fn a_store_url_that_is_not_postgres_is_refused_without_its_password() {
    let settings = store::Settings {
        data_dir: "unused".into(),
        max_connections: 1,
        url: Some("mysql://admin:s3cret@db.example/taxbot".into()),
    };
    let Err(e) = store::open(&settings).await else { panic!("a mysql url must be refused") };
    let text = e.to_string();
    assert!(text.contains("mysql://admin:***@db.example/taxbot") && !text.contains("s3cret"), "{text}");
}

/// Handoff changes apply whole or not at all, checked against the stored state.
async fn handoff_changes(s: &dyn Store) {
    use ConversationState::{Bot, Human, Queued};
    let visitor = VisitorKey::web(&VisitorToken::generate());
    s.touch_visitor(&visitor, Utc::now()).await.expect("touch");
    let c = Conversation {
        id: SessionId::generate(),
        visitor,
        channel: "web".into(),
        state: Bot,
        agent_id: None,
        served_by: None,
        awaiting_rating: false,
        resolution: None,
        created_at: Utc::now(),
    };
    s.create_conversation(&c).await.expect("create");
    let messages = async || s.messages(&c.id, 100).await.expect("messages").len();
    let queued_at = Utc::now();
    let request = HandoffChange::new(&c.id, (Bot, None), (Queued, None))
        .queue(QueueChange::Enqueue(queued_at))
        .record(HandoffRecordChange::Requested)
        .notice("已为您转接人工客服，请稍候。");
    s.apply_handoff(&request).await.expect("request");
    assert_eq!(s.conversation(&c.id).await.expect("c").state, Queued);
    assert_eq!(s.queue().await.expect("queue").iter().filter(|e| e.conversation_id == c.id).count(), 1);
    assert_eq!(messages().await, 1, "the notice is stored with the change");
    assert!(matches!(s.apply_handoff(&request).await, Err(StoreError::Conflict(_))), "not bot any more");
    assert_eq!(messages().await, 1, "a refused change writes nothing");

    let wrong_agent = HandoffChange::new(&c.id, (Human, Some("a9")), (Bot, None)).resolution("x");
    assert!(matches!(s.apply_handoff(&wrong_agent).await, Err(StoreError::Conflict(_))));
    let assign = HandoffChange::new(&c.id, (Queued, None), (Human, Some("a1")))
        .queue(QueueChange::Remove)
        .record(HandoffRecordChange::Connected);
    s.apply_handoff(&assign).await.expect("assign");
    let served = s.conversation(&c.id).await.expect("c");
    assert_eq!(
        (served.state, served.agent_id.as_deref(), served.served_by.as_deref()),
        (Human, Some("a1"), Some("a1"))
    );
    assert!(s.queue().await.expect("queue").iter().all(|e| e.conversation_id != c.id));
    let by_other = HandoffChange::new(&c.id, (Human, Some("a2")), (Bot, None)).resolution("x");
    assert!(matches!(s.apply_handoff(&by_other).await, Err(StoreError::Conflict(_))), "served by a1, not a2");

    let close = HandoffChange::new(&c.id, (Human, Some("a1")), (Bot, None)).resolution("已解答").notice("结束");
    s.apply_handoff(&close).await.expect("close");
    let closed = s.conversation(&c.id).await.expect("c");
    assert_eq!(
        (
            closed.state,
            closed.agent_id,
            closed.served_by.as_deref(),
            closed.awaiting_rating,
            closed.resolution.as_deref()
        ),
        (Bot, None, Some("a1"), true, Some("已解答"))
    );
    let missing = HandoffChange::new(&SessionId::generate(), (Bot, None), (Queued, None));
    assert!(matches!(s.apply_handoff(&missing).await, Err(StoreError::NotFound)));
}

/// Users, sign-in sessions, the audit log and API keys.
async fn accounts_and_keys(s: &dyn Store) {
    let now = Utc::now();
    let new = User {
        id: 0,
        name: "审核员乙".into(),
        role: "editor".into(),
        password_hash: "hash".into(),
        max_concurrent: 2,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    let u = s.create_user(&new).await.expect("user");
    assert!(u.id > 0);
    assert!(matches!(s.create_user(&new).await, Err(StoreError::Conflict(_))), "names are unique");
    let other = s.create_user(&User { name: "Admin".into(), role: "admin".into(), ..new.clone() }).await.expect("u2");
    let names: Vec<String> = s.users().await.expect("users").into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["Admin", "审核员乙"], "byte order, as SQLite sorts");
    let mut read = s.user_by_name("审核员乙").await.expect("by name").expect("some");
    assert_eq!((read.id, read.max_concurrent, read.disabled), (u.id, 2, false));
    assert_eq!(read.created_at.timestamp_millis(), u.created_at.timestamp_millis());
    read.disabled = true;
    read.max_concurrent = 5;
    s.update_user(&read).await.expect("update");
    let read = s.user(u.id).await.expect("user");
    assert_eq!((read.disabled, read.max_concurrent), (true, 5));
    assert!(matches!(s.user(other.id + 100).await, Err(StoreError::NotFound)));
    assert!(matches!(s.update_user(&User { id: other.id + 100, ..read.clone() }).await, Err(StoreError::NotFound)));
    assert!(s.user_by_name("nobody").await.expect("by name").is_none());

    let session = AdminSession {
        token_hash: "t1".into(),
        user_id: u.id,
        csrf: "c".into(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(8),
        last_seen: now,
    };
    s.create_session(&session).await.expect("session");
    s.create_session(&AdminSession { token_hash: "t2".into(), ..session.clone() }).await.expect("session 2");
    let later = now + chrono::Duration::minutes(5);
    s.touch_session("t1", later).await.expect("touch");
    let got = s.session("t1").await.expect("session").expect("some");
    assert_eq!((got.user_id, got.last_seen.timestamp_millis()), (u.id, later.timestamp_millis()));
    assert_eq!(got.expires_at.timestamp_millis(), session.expires_at.timestamp_millis());
    s.delete_session("t1").await.expect("delete");
    assert!(s.session("t1").await.expect("session").is_none());
    assert_eq!(s.delete_user_sessions(u.id).await.expect("delete all"), 1);

    let entry = |action: &str, actor: &str| AuditEntry {
        id: 0,
        at: now,
        actor: actor.into(),
        action: action.into(),
        target: "审核员乙".into(),
        detail: serde_json::json!({"role": "editor"}),
        ip: Some("127.0.0.1".into()),
    };
    let first = s.add_audit(&entry("user.create", "admin")).await.expect("audit");
    let second = s.add_audit(&entry("user.update", "admin")).await.expect("audit");
    s.add_audit(&entry("login.failed", "?")).await.expect("audit");
    assert!(second > first);
    let all = s.audit(&AuditFilter { limit: 10, ..AuditFilter::default() }).await.expect("audit");
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].detail, serde_json::json!({"role": "editor"}));
    let users = s
        .audit(&AuditFilter { action: Some("user.".into()), limit: 10, ..AuditFilter::default() })
        .await
        .expect("audit");
    assert_eq!(users.iter().map(|e| e.id).collect::<Vec<_>>(), [second, first], "newest first, by prefix");
    let exact = s
        .audit(&AuditFilter { action: Some("user.create".into()), limit: 10, ..AuditFilter::default() })
        .await
        .expect("audit");
    assert_eq!(exact.len(), 1);
    let shouted = s
        .audit(&AuditFilter { action: Some("USER.".into()), limit: 10, ..AuditFilter::default() })
        .await
        .expect("audit");
    assert_eq!(shouted.len(), 2, "the prefix ignores ASCII case on both stores");
    let by_actor = s
        .audit(&AuditFilter {
            actor: Some("?".into()),
            from: Some(now - chrono::Duration::seconds(1)),
            until: Some(now + chrono::Duration::seconds(1)),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(by_actor.len(), 1);
    let none = s
        .audit(&AuditFilter { from: Some(now + chrono::Duration::seconds(1)), limit: 10, ..AuditFilter::default() })
        .await
        .expect("audit");
    assert!(none.is_empty());

    let key = s.create_api_key("机器人", "kh1").await.expect("api key");
    assert!(key.revoked_at.is_none());
    assert!(matches!(s.create_api_key("机器人", "kh2").await, Err(StoreError::Conflict(_))));
    assert_eq!(s.api_key_by_hash("kh1").await.expect("by hash").expect("some").id, key.id);
    assert!(s.api_key_by_hash("nope").await.expect("by hash").is_none());
    let revoked = s.revoke_api_key(key.id).await.expect("revoke");
    assert!(revoked.revoked_at.is_some());
    assert_eq!(s.revoke_api_key(key.id).await.expect("again").revoked_at, revoked.revoked_at, "revoked once");
    assert!(matches!(s.revoke_api_key(key.id + 100).await, Err(StoreError::NotFound)));
    assert_eq!(s.api_keys().await.expect("keys").len(), 1);
}

/// Knowledge versions: publish, drafts, review, discard.
async fn knowledge_versions(s: &dyn Store) {
    let item = |content: &str| NewKnowledge {
        kind: KnowledgeKind::Entry,
        key: "VAT-001".into(),
        content: content.into(),
        summary: "改".into(),
    };
    assert!(!s.knowledge_has_entries().await.expect("has"));
    let words = NewKnowledge {
        kind: KnowledgeKind::Synonyms,
        key: "-".into(),
        content: "个税 个人所得税".into(),
        summary: String::new(),
    };
    assert_eq!(s.knowledge_publish(&[item("一"), words], "编辑甲").await.expect("publish"), [1, 1]);
    assert!(s.knowledge_has_entries().await.expect("has"));
    assert_eq!(s.knowledge_save_draft(&item("二"), "编辑甲").await.expect("draft"), 2);
    assert_eq!(s.knowledge_save_draft(&item("三"), "编辑甲").await.expect("same draft"), 2);
    let current = s.knowledge_current().await.expect("current");
    let states: Vec<(KnowledgeKind, i64, VersionState)> =
        current.iter().map(|v| (v.kind, v.version, v.state)).collect();
    assert_eq!(
        states,
        [
            (KnowledgeKind::Entry, 1, VersionState::Published),
            (KnowledgeKind::Entry, 2, VersionState::Draft),
            (KnowledgeKind::Synonyms, 1, VersionState::Published)
        ]
    );
    assert_eq!(s.knowledge_version(KnowledgeKind::Entry, "VAT-001", 2).await.expect("v2").content, "三");
    assert_eq!(s.knowledge_publish_draft(&item("三"), 2, "编辑甲", "审核员乙").await.expect("publish draft"), 2);
    let versions = s.knowledge_versions(KnowledgeKind::Entry, "VAT-001").await.expect("versions");
    let listed: Vec<(i64, VersionState, Option<&str>)> =
        versions.iter().map(|v| (v.version, v.state, v.reviewed_by.as_deref())).collect();
    assert_eq!(listed, [(2, VersionState::Published, Some("审核员乙")), (1, VersionState::Superseded, None)]);
    assert_eq!(s.knowledge_save_draft(&item("四"), "编辑甲").await.expect("draft"), 3);
    assert_eq!(
        s.knowledge_publish_draft(&item("四，又改"), 3, "编辑甲", "审核员乙").await.expect("changed draft"),
        4,
        "a draft changed since review is published as a new version"
    );
    assert_eq!(
        s.knowledge_save_draft(&item("五"), "编辑甲").await.expect("draft"),
        3,
        "the draft published as another version stays the draft"
    );
    s.knowledge_discard_draft(KnowledgeKind::Entry, "VAT-001").await.expect("discard");
    assert!(matches!(s.knowledge_discard_draft(KnowledgeKind::Entry, "VAT-001").await, Err(StoreError::NotFound)));
    assert!(matches!(s.knowledge_version(KnowledgeKind::Entry, "VAT-001", 99).await, Err(StoreError::NotFound)));
    let live: Vec<i64> = s.knowledge_current().await.expect("current").iter().map(|v| v.version).collect();
    assert_eq!(live, [4, 1]);
}

/// Questions, handoff records, ratings, dismissed questions and the purge.
async fn analytics_and_retention(s: &dyn Store) {
    let since = Utc::now() - chrono::Duration::minutes(1);
    let visitor = VisitorKey::web(&VisitorToken::generate());
    s.touch_visitor(&visitor, Utc::now()).await.expect("touch");
    let c = Conversation {
        id: SessionId::generate(),
        visitor: visitor.clone(),
        channel: "wechat".into(),
        state: ConversationState::Bot,
        agent_id: None,
        served_by: None,
        awaiting_rating: false,
        resolution: None,
        created_at: Utc::now(),
    };
    s.create_conversation(&c).await.expect("create");
    let mut reply = NewMessage::plain(&c.id, Sender::Bot, "没有找到");
    reply.decision = Some("no_match");
    let ids =
        s.append_messages(&[NewMessage::plain(&c.id, Sender::Visitor, "出口退税怎么办"), reply]).await.expect("append");
    assert!(ids[1] > ids[0]);
    s.add_feedback(&Feedback {
        message_id: ids[1],
        conversation_id: c.id.clone(),
        helpful: false,
        comment: Some("没用".into()),
    })
    .await
    .expect("feedback");
    s.handoff_requested(&c.id, Utc::now(), taxbot::store::handoff_outcome::QUEUED).await.expect("requested");
    s.handoff_connected(&c.id, "a1", Utc::now()).await.expect("connected");
    s.add_rating(&Rating {
        conversation_id: c.id.clone(),
        agent_id: Some("a1".into()),
        stars: 5,
        comment: Some("好".into()),
    })
    .await
    .expect("rating");

    let questions = s.questions_since(since, 100).await.expect("questions");
    let q = questions.iter().find(|q| q.conversation_id == c.id.as_str()).expect("the question is listed");
    assert_eq!(
        (q.message_id, q.text.as_str(), q.channel.as_str(), q.decision.as_str()),
        (ids[0], "出口退税怎么办", "wechat", "no_match")
    );
    assert!(q.downvoted && q.handed_off, "{q:?}");
    assert_eq!(q.comment.as_deref(), Some("没用"));
    let handoffs = s.handoffs_since(since).await.expect("handoffs");
    let h = handoffs.iter().find(|h| h.conversation_id == c.id.as_str()).expect("handoff");
    assert_eq!((h.agent_id.as_deref(), h.outcome.as_str(), h.channel.as_str()), (Some("a1"), "connected", "wechat"));
    assert!(h.accepted_at.is_some());
    assert!(s.ratings_since(since).await.expect("ratings").iter().any(|r| r.stars == 5));
    assert!(s.ratings_since(Utc::now() + chrono::Duration::minutes(1)).await.expect("ratings").is_empty());

    let texts = vec!["出口退税怎么办".to_owned(), "出口退税怎么办".to_owned(), "别的".to_owned()];
    s.dismiss_questions(&texts, "编辑甲", Utc::now()).await.expect("dismiss");
    s.dismiss_questions(&texts[..1], "编辑乙", Utc::now()).await.expect("dismiss again");
    let mut dismissed = s.dismissed_questions().await.expect("dismissed");
    dismissed.sort();
    assert_eq!(dismissed, ["出口退税怎么办", "别的"]);

    let purged = s.purge_before(Utc::now() + chrono::Duration::days(1)).await.expect("purge");
    assert!(purged.messages >= 2 && purged.comments >= 2 && purged.audit >= 1, "{purged:?}");
    assert!(s.dismissed_questions().await.expect("dismissed").is_empty());
    assert_eq!(s.message(ids[0]).await.expect("message").body.text, taxbot::store::FORGOTTEN);
    let again = s.purge_before(Utc::now() + chrono::Duration::days(1)).await.expect("purge again");
    assert_eq!((again.messages, again.tickets, again.comments, again.audit), (0, 0, 0, 0), "{again:?}");
}

#[tokio::test]
async fn the_server_runs_on_postgres_and_finds_its_knowledge_again_after_a_restart() {
    use crate::helpers::{always_answer, ask_answer, spawn_app_with};
    let Some(db) = TestDatabase::create().await else { return };
    let url = db.url.clone();
    let app = spawn_app_with(|c| {
        always_answer(c);
        c.store.url = Some(url);
    })
    .await;
    assert!(app.store.knowledge_has_entries().await.expect("has"), "the shipped base is imported into PostgreSQL");
    let (mut c, _) = app.visitor(None).await;
    let (answer_id, entry_id, text) = ask_answer(&mut c, "小规模纳税人增值税免征额是多少").await;
    let stored = app.store.message(answer_id).await.expect("answer stored");
    assert_eq!((stored.body.text.as_str(), stored.body.entry_id.as_deref()), (text.as_str(), Some(entry_id.as_str())));
    drop(c);
    let entries = app.store.knowledge_current().await.expect("current").len();
    let mut app = app.restart().await;
    assert_eq!(app.store.knowledge_current().await.expect("current").len(), entries, "not imported twice");
    let (mut c, _) = app.visitor(None).await;
    let (again, _, _) = ask_answer(&mut c, "小规模纳税人增值税免征额是多少").await;
    assert!(again > answer_id);
    drop(c);
    app.stop().await;
    db.drop_now().await;
}
