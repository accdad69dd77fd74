//! `/ws/chat`: streaming, clarify → choose, resume, isolation, bad input.

use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{always_answer, always_clarify, ask_answer, error_code, spawn_app, spawn_app_with};
use taxbot::channels::web::protocol::ServerMsg;
use taxbot::ids::SessionId;
use taxbot::store::Sender;

fn kb_question() -> String {
    let kb =
        taxbot::kb::load(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")).expect("kb");
    kb.entries[0].question.clone()
}

#[tokio::test]
async fn ask_streams_an_answer_whose_deltas_equal_the_stored_answer() {
    let app = spawn_app_with(|c| {
        always_answer(c);
        c.chat.chunk_chars = 10;
    })
    .await;
    let (mut c, welcome) = app.visitor(None).await;
    let ServerMsg::Welcome { hot_questions, .. } = welcome else { unreachable!() };
    assert!(!hot_questions.is_empty());
    let (answer_id, entry_id, text) = ask_answer(&mut c, &kb_question()).await;
    let deltas = c.seen.iter().filter(|m| matches!(m, ServerMsg::AnswerDelta { .. })).count();
    assert!(deltas > 1, "a long answer streams in several chunks");
    let stored = app.store.message(answer_id).await.expect("answer stored");
    assert_eq!(stored.body.text, text);
    assert_eq!(stored.body.sender, Sender::Bot);
    assert_eq!(stored.decision.as_deref(), Some("answer"));
    assert_eq!(stored.body.entry_id.as_deref(), Some(entry_id.as_str()));
    assert!(stored.body.confidence.is_some());
    let acked = c.seen.iter().find_map(|m| match m {
        ServerMsg::Ack { message_id, .. } => *message_id,
        _ => None,
    });
    let question = app.store.message(acked.expect("ack")).await.expect("question stored");
    assert_eq!(question.body.sender, Sender::Visitor);
}

#[tokio::test]
async fn clarify_then_choose_answers_with_the_chosen_entry() {
    let app = spawn_app_with(always_clarify).await;
    let (mut c, _) = app.visitor(None).await;
    c.send_json(serde_json::json!({"type": "ask", "text": kb_question()})).await;
    let ServerMsg::Clarify { candidates, .. } =
        c.recv_until(|m| matches!(m, ServerMsg::Clarify { .. } | ServerMsg::Error { .. })).await
    else {
        panic!("expected clarify: {:?}", c.seen)
    };
    let pick = candidates.last().expect("a candidate").entry_id.clone();
    c.send_json(serde_json::json!({"type": "choose", "entry_id": "NOT-OFFERED"})).await;
    let e = c.recv_until(|m| error_code(m).is_some()).await;
    assert_eq!(error_code(&e), Some("unknown_choice"));
    c.send_json(serde_json::json!({"type": "choose", "entry_id": pick})).await;
    let (answer_id, entry_id, text) = crate::helpers::collect_answer(&mut c).await;
    assert_eq!(entry_id, pick);
    let stored = app.store.message(answer_id).await.expect("stored");
    assert_eq!(stored.body.text, text);
}

#[tokio::test]
async fn small_talk_no_match_and_unhelpful_answers_offer_a_human() {
    let app = spawn_app().await;
    let (mut c, _) = app.visitor(None).await;
    c.send_json(serde_json::json!({"type": "ask", "text": "你好"})).await;
    let m = c.recv_until(|m| matches!(m, ServerMsg::Text { .. })).await;
    assert!(matches!(m, ServerMsg::Text { .. }));
    // A tax question the base cannot answer offers a human; a question that
    // is not about tax at all is told so (and where to ask), without one.
    c.send_json(serde_json::json!({"type": "ask", "text": "船舶吨税按什么标准征收"})).await;
    let m = c.recv_until(|m| !matches!(m, ServerMsg::Ack { .. })).await;
    assert!(matches!(m, ServerMsg::NoMatch { offer_human: true, .. }), "{m:?}");
    c.send_json(serde_json::json!({"type": "ask", "text": "今天天气怎么样"})).await;
    let m = c.recv_until(|m| !matches!(m, ServerMsg::Ack { .. })).await;
    assert!(matches!(&m, ServerMsg::OutOfScope { text, .. } if text.starts_with("这不属于涉税咨询")), "{m:?}");
    c.send_json(serde_json::json!({"type": "ask", "text": "公积金怎么提取"})).await;
    let m = c.recv_until(|m| !matches!(m, ServerMsg::Ack { .. })).await;
    assert!(matches!(&m, ServerMsg::OutOfScope { text, .. } if text.contains("12329")), "{m:?}");

    let app = spawn_app_with(always_answer).await;
    let (mut c, _) = app.visitor(None).await;
    let q = kb_question();
    let (first, _, _) = ask_answer(&mut c, &q).await;
    let (second, _, _) = ask_answer(&mut c, &q).await;
    for id in [first, second] {
        c.send_json(serde_json::json!({"type": "feedback", "answer_id": id, "helpful": false})).await;
        c.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;
    }
    let offer = c.recv().await;
    assert!(matches!(offer, ServerMsg::HumanOffer { .. }), "{offer:?}");
    c.send_json(serde_json::json!({"type": "feedback", "answer_id": 999_999, "helpful": true})).await;
    let e = c.recv_until(|m| error_code(m).is_some()).await;
    assert_eq!(error_code(&e), Some("unknown_answer"));
}

#[tokio::test]
async fn a_returning_visitor_token_replays_the_conversation() {
    let app = spawn_app_with(always_answer).await;
    let (mut c, welcome) = app.visitor(None).await;
    let ServerMsg::Welcome { visitor_token, session_id, resumed, .. } = welcome else { unreachable!() };
    assert!(!resumed);
    let (_, _, answer) = ask_answer(&mut c, &kb_question()).await;
    drop(c);
    let (_, again) = app.visitor(Some(&visitor_token)).await;
    let ServerMsg::Welcome { session_id: resumed_id, resumed, history, visitor_token: same, .. } = again else {
        unreachable!()
    };
    assert!(resumed);
    assert_eq!((resumed_id, same), (session_id, visitor_token));
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].from, "visitor");
    assert_eq!(history[1].text, answer);
}

#[tokio::test]
async fn concurrent_sessions_do_not_see_each_others_messages() {
    let app = spawn_app_with(always_answer).await;
    let mut tasks = Vec::new();
    for i in 0..4 {
        let (mut c, welcome) = app.visitor(None).await;
        let ServerMsg::Welcome { session_id, .. } = welcome else { unreachable!() };
        let q = if i % 2 == 0 { kb_question() } else { "个体户怎么开发票".to_owned() };
        tasks.push(tokio::spawn(async move {
            for _ in 0..3 {
                ask_answer(&mut c, &q).await;
            }
            (session_id, c.seen)
        }));
    }
    for t in tasks {
        let (session_id, seen) = t.await.expect("task");
        let session = SessionId::try_from(session_id).expect("id");
        let own: Vec<i64> = app.store.messages(&session, 100).await.expect("messages").iter().map(|m| m.id).collect();
        assert_eq!(own.len(), 6);
        for m in seen {
            let id = match m {
                ServerMsg::Ack { message_id, .. } => message_id,
                ServerMsg::AnswerStart { answer_id, .. } => Some(answer_id),
                ServerMsg::AnswerDelta { answer_id, .. } => Some(answer_id),
                _ => None,
            };
            if let Some(id) = id {
                assert!(own.contains(&id), "frame of another session: {id}");
            }
        }
    }
}

#[tokio::test]
async fn bad_input_gets_error_frames_and_the_connection_survives() {
    let app = spawn_app_with(|c| c.server.max_frame_bytes = 1024).await;
    let mut c = app.chat().await;
    c.send_json(serde_json::json!({"type": "ask", "text": "增值税"})).await;
    assert_eq!(error_code(&c.recv().await), Some("hello_required"));
    c.send_json(serde_json::json!({"type": "hello", "visitor_token": "0123456789abcdef0123456789abcdef"})).await;
    assert_eq!(error_code(&c.recv().await), Some("unknown_visitor"));
    assert!(matches!(c.recv().await, ServerMsg::Welcome { .. }));
    let cases: [(Message, &str); 5] = [
        (Message::text("{not json"), "bad_json"),
        (Message::text(r#"{"type":"dance"}"#), "unknown_type"),
        (Message::text(r#"{"type":"rate","stars":"five"}"#), "invalid_message"),
        (Message::binary(vec![1u8, 2, 3]), "binary_not_supported"),
        (Message::text(format!(r#"{{"type":"ask","text":"{}"}}"#, "税".repeat(600))), "frame_too_large"),
    ];
    for (frame, code) in cases {
        c.send_raw(frame).await;
        assert_eq!(error_code(&c.recv().await), Some(code));
    }
    c.send_json(serde_json::json!({"type": "ask", "text": "  "})).await;
    assert_eq!(error_code(&c.recv().await), Some("empty_text"));
    c.send_json(serde_json::json!({"type": "rate", "stars": 5})).await;
    assert_eq!(error_code(&c.recv().await), Some("rating_not_allowed"));
    c.send_json(serde_json::json!({"type": "ping"})).await;
    assert!(matches!(c.recv().await, ServerMsg::Pong));
}

#[tokio::test]
async fn too_many_messages_per_second_are_refused_without_closing() {
    let app = spawn_app_with(|c| {
        c.server.messages_per_sec = 1;
        c.server.message_burst = 3;
    })
    .await;
    let mut c = app.chat().await;
    for _ in 0..6 {
        c.send_json(serde_json::json!({"type": "ping"})).await;
    }
    let mut limited = 0;
    for _ in 0..6 {
        if error_code(&c.recv().await) == Some("rate_limited") {
            limited += 1;
        }
    }
    assert!(limited >= 2, "{:?}", c.seen);
}

#[tokio::test]
async fn shutdown_tells_clients_the_server_is_restarting() {
    let mut app = spawn_app().await;
    let (mut c, _) = app.visitor(None).await;
    app.stop().await;
    assert!(c.closed().await);
    assert!(c.seen.iter().any(|m| matches!(m, ServerMsg::Restarting { .. })));
}

#[tokio::test]
async fn an_expired_visitor_token_starts_a_new_conversation() {
    let app = spawn_app_with(|c| c.chat.visitor_ttl_days = 0).await;
    let (_, welcome) = app.visitor(None).await;
    let ServerMsg::Welcome { visitor_token, .. } = welcome else { unreachable!() };
    let mut c = app.chat().await;
    c.send_json(serde_json::json!({"type": "hello", "visitor_token": visitor_token})).await;
    assert_eq!(error_code(&c.recv().await), Some("expired_visitor"));
    let ServerMsg::Welcome { visitor_token: fresh, resumed, .. } = c.recv().await else { panic!("welcome expected") };
    assert!(!resumed);
    assert_ne!(fresh, visitor_token);
}
