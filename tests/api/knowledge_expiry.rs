//! An entry past its `effective_until` is never served as a current answer:
//! the bot names the document and the end date and offers a human, and the
//! agents' knowledge panel marks it 已失效.

use chrono::NaiveDate;
use serde_json::json;

use crate::admin_client::AdminClient;
use crate::helpers::{AGENT_1, AGENT_PASSWORD, always_answer, ask_answer, spawn_app_on};
use taxbot::channels::web::protocol::ServerMsg;

fn shipped() -> taxbot::kb::KnowledgeBase {
    taxbot::kb::load(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")).expect("kb")
}

#[tokio::test]
async fn an_expired_entry_is_refused_with_its_document_and_end_date_and_a_human_offer() {
    let mut kb = shipped();
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let expired = &mut kb.entries[0];
    expired.effective_from = date("2020-01-01");
    expired.effective_until = Some(date("2020-12-31"));
    let (question, wenhao) = (expired.question.clone(), expired.sources[0].wenhao.clone());
    let current = kb.entries[1].question.clone();
    let app = spawn_app_on(&kb, always_answer).await;
    let (mut c, _) = app.visitor(None).await;

    c.send_json(json!({"type": "ask", "text": question})).await;
    let reply = c.recv_until(|m| matches!(m, ServerMsg::NoMatch { .. } | ServerMsg::AnswerStart { .. })).await;
    let ServerMsg::NoMatch { message_id, text, offer_human } = reply else {
        panic!("an expired entry must not be answered: {reply:?}")
    };
    assert!(offer_human);
    assert!(text.contains("2020年12月31日") && text.contains("失效"), "{text}");
    assert!(text.contains(&wenhao), "the document is named: {text}");
    let stored = app.store.message(message_id).await.expect("reply stored");
    assert_eq!(stored.decision.as_deref(), Some("expired"));
    assert_eq!(stored.body.text, text);

    c.send_json(json!({"type": "request_human"})).await;
    let human = c
        .recv_until(|m| {
            matches!(m, ServerMsg::Queue { .. } | ServerMsg::HandoffOffline { .. } | ServerMsg::Error { .. })
        })
        .await;
    assert!(!matches!(human, ServerMsg::Error { .. }), "the offered human can be requested: {human:?}");

    let (mut other, _) = app.visitor(None).await;
    let (_, _, answer) = ask_answer(&mut other, &current).await;
    assert_eq!(answer, kb.entries[1].answer, "entries in force are still answered");
}

#[tokio::test]
async fn the_agents_knowledge_panel_marks_an_expired_entry_and_never_as_current() {
    let mut kb = shipped();
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let expired = &mut kb.entries[0];
    expired.effective_from = date("2020-01-01");
    expired.effective_until = Some(date("2020-12-31"));
    let (id, question) = (expired.id.to_string(), expired.question.clone());
    let current = kb.entries[1].clone();
    let app = spawn_app_on(&kb, always_answer).await;
    let agent = AdminClient::sign_in(app.addr, AGENT_1, AGENT_PASSWORD).await;

    let (status, body) = agent.post_json("/api/admin/suggest", json!({"text": question})).await;
    assert!(status.is_success(), "{status} {body}");
    let entries = body["entries"].as_array().expect("entries");
    let shown = entries.iter().find(|e| e["id"] == id.as_str()).expect("the expired entry is listed");
    assert_eq!(shown["expired"], json!(true), "{shown}");

    let (_, body) = agent.post_json("/api/admin/suggest", json!({"text": current.question})).await;
    let shown = body["entries"].as_array().and_then(|es| es.iter().find(|e| e["id"] == current.id.as_str()).cloned());
    assert_eq!(shown.expect("the current entry is listed")["expired"], json!(false));
}
