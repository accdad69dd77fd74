//! The store contract: one story through every method, on SQLite (and on
//! PostgreSQL too once that backend exists).

use chrono::Utc;

use taxbot::ids::{SessionId, VisitorKey, VisitorToken};
use taxbot::store::{
    self, Agent, Conversation, ConversationState, Feedback, NewMessage, QueueEntry, Rating, Sender, Store, StoreError,
    Ticket, TicketStatus,
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

    s.add_feedback(&Feedback { message_id: a, conversation_id: c.id.clone(), helpful: false, comment: None })
        .await
        .expect("feedback");

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

#[tokio::test]
async fn sqlite_store_keeps_the_whole_story_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = store::Settings { data_dir: dir.path().join("nested/data"), max_connections: 2, url: None };
    let s = store::open(&settings).await.expect("open creates the directory");
    story(s.as_ref()).await;
    s.close().await;
    let again = store::open(&settings).await.expect("reopen");
    assert_eq!(again.agents().await.expect("agents").len(), 1);
    assert_eq!(again.open_tickets().await.expect("tickets").len(), 0);
}
