//! The agent desk beyond accept/send/close: transfer to a colleague picked
//! from a list with a note, the taxpayer leaving and coming back, canned
//! replies (快捷回复) and the history of closed conversations — on SQLite,
//! and across two nodes sharing PostgreSQL.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{AGENT_1, AGENT_2, AGENT_PASSWORD, Client, TestApp, spawn_app};
use crate::nodes::node;
use crate::postgres::TestDatabase;
use taxbot::admin::Role;
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};
use taxbot::ids::SessionId;
use taxbot::store::{AuditFilter, Sender};

fn session_of(welcome: &ServerMsg) -> (String, String) {
    let ServerMsg::Welcome { session_id, visitor_token, .. } = welcome else { panic!("not a welcome: {welcome:?}") };
    (session_id.clone(), visitor_token.clone())
}

fn agent_error(m: &AgentServerMsg) -> Option<(&str, &str)> {
    match m {
        AgentServerMsg::Error { code, message } => Some((code.as_str(), message.as_str())),
        _ => None,
    }
}

/// A taxpayer on `app` who asked `question`, asked for a human and was
/// accepted by `agent`; returns the taxpayer, its session id and token.
async fn served(
    app: &TestApp,
    agent: &mut Client<AgentServerMsg>,
    question: &str,
) -> (Client<ServerMsg>, String, String) {
    let (mut v, welcome) = app.visitor(None).await;
    let (session_id, token) = session_of(&welcome);
    v.send_json(json!({"type": "ask", "text": question})).await;
    v.recv_until(|m| matches!(m, ServerMsg::NoMatch { .. } | ServerMsg::AnswerEnd { .. } | ServerMsg::Clarify { .. }))
        .await;
    v.send_json(json!({"type": "request_human"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;
    agent
        .recv_until(
            |m| matches!(m, AgentServerMsg::Queue { items } if items.iter().any(|i| i.session_id == session_id)),
        )
        .await;
    agent.send_json(json!({"type": "accept", "session_id": session_id})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    let joined = v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. })).await;
    assert!(matches!(joined, ServerMsg::AgentJoined { transferred: false, .. }), "a first accept: {joined:?}");
    (v, session_id, token)
}

#[tokio::test]
async fn a_transfer_goes_to_a_colleague_from_the_list_with_a_note_only_agents_see() {
    let app = spawn_app().await;
    let (mut first, _) = app.agent(AGENT_1).await;
    let (mut second, _) = app.agent(AGENT_2).await;
    let (mut v, session_id, token) = served(&app, &mut first, "船舶吨税按什么标准征收").await;

    first.send_json(json!({"type": "list_agents"})).await;
    let listed = first.recv_until(|m| matches!(m, AgentServerMsg::Agents { .. })).await;
    let AgentServerMsg::Agents { agents } = listed else { unreachable!() };
    assert_eq!(agents.len(), 1, "the colleague only, not oneself: {agents:?}");
    assert_eq!((agents[0].agent_id.as_str(), agents[0].available), (AGENT_2, true));

    let long = "备".repeat(501);
    first.send_json(json!({"type": "transfer", "session_id": session_id, "to": AGENT_2, "note": long})).await;
    let e = first.recv_until(|m| agent_error(m).is_some()).await;
    assert_eq!(agent_error(&e).map(|(c, _)| c), Some("text_too_long"));
    first.send_json(json!({"type": "transfer", "session_id": session_id, "to": "没有这个人", "note": "x"})).await;
    let e = first.recv_until(|m| agent_error(m).is_some()).await;
    assert_eq!(agent_error(&e).map(|(c, _)| c), Some("target_unavailable"));

    let note = "纳税人问船舶吨税，已确认是国际航行船舶，请协助计算";
    first.send_json(json!({"type": "transfer", "session_id": session_id, "to": AGENT_2, "note": note})).await;
    first.recv_until(|m| matches!(m, AgentServerMsg::Released { session_id: s } if *s == session_id)).await;
    let assigned = second.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    let AgentServerMsg::Assigned { conversation } = assigned else { unreachable!() };
    assert!(conversation.transcript.iter().any(|h| h.text == "船舶吨税按什么标准征收"), "the whole transcript");
    let shown = conversation.transcript.iter().find(|h| h.from == "note").expect("the note is in the transcript");
    assert_eq!(shown.text, format!("转接备注（{AGENT_1} → {AGENT_2}）：{note}"));
    let joined =
        v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { agent_name, .. } if agent_name == AGENT_2)).await;
    assert!(matches!(joined, ServerMsg::AgentJoined { transferred: true, .. }), "a transfer says so: {joined:?}");

    // The taxpayer never sees the note, live or after a reload.
    assert!(v.seen.iter().all(|m| !format!("{m:?}").contains(note)), "{:?}", v.seen);
    drop(v);
    let (_back, welcome) = app.visitor(Some(&token)).await;
    let ServerMsg::Welcome { history, .. } = welcome else { unreachable!() };
    assert!(history.iter().all(|h| h.from != "note" && !h.text.contains(note)), "{history:?}");

    let filter = AuditFilter { action: Some("handoff.transfer".into()), limit: 10, ..Default::default() };
    let audit = app.store.audit(&filter).await.expect("audit");
    assert!(audit.iter().any(|e| e.detail["note"] == note && e.detail["to"] == AGENT_2), "{audit:?}");
}

#[tokio::test]
async fn the_agent_sees_the_taxpayer_leave_and_come_back() {
    let app = spawn_app().await;
    let (mut agent, _) = app.agent(AGENT_1).await;
    let (v, session_id, token) = served(&app, &mut agent, "我的发票开错了怎么办").await;

    drop(v);
    let left = agent.recv_until(|m| matches!(m, AgentServerMsg::VisitorPresence { .. })).await;
    assert_eq!(
        left,
        AgentServerMsg::VisitorPresence {
            session_id: session_id.clone(),
            connected: false,
            text: taxbot::handoff::VISITOR_LEFT.into()
        }
    );
    let (_back, _) = app.visitor(Some(&token)).await;
    let back = agent.recv_until(|m| matches!(m, AgentServerMsg::VisitorPresence { connected: true, .. })).await;
    assert!(matches!(back, AgentServerMsg::VisitorPresence { session_id: s, .. } if s == session_id));

    let id = SessionId::try_from(session_id).expect("id");
    let notes: Vec<String> = app
        .store
        .messages(&id, 100)
        .await
        .expect("messages")
        .into_iter()
        .filter(|m| m.body.sender == Sender::Note)
        .map(|m| m.body.text)
        .collect();
    assert_eq!(notes, [taxbot::handoff::VISITOR_LEFT, taxbot::handoff::VISITOR_BACK], "kept in the transcript");
}

async fn admin(app: &TestApp) -> AdminClient {
    add_user(&*app.store, "管理员", Role::Admin, "admin-password").await;
    AdminClient::sign_in(app.addr, "管理员", "admin-password").await
}

#[tokio::test]
async fn canned_replies_are_kept_per_team_by_admins_and_read_by_agents() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let agent = AdminClient::sign_in(app.addr, AGENT_1, AGENT_PASSWORD).await;

    let (status, hello) =
        admin.post_json("/api/admin/canned", json!({"title": "问候", "text": "您好，请问有什么可以帮您？"})).await;
    assert_eq!(status, StatusCode::OK, "{hello}");
    assert_eq!((hello["team"].as_str(), hello["updated_by"].as_str()), (Some(""), Some("管理员")));
    let (status, vat) = admin
        .post_json(
            "/api/admin/canned",
            json!({"team": "增值税组", "title": "发票作废", "text": "当月开具的发票可以作废。"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{vat}");

    let (status, all) = agent.get("/api/admin/canned").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let titles: Vec<&str> =
        all["replies"].as_array().expect("list").iter().filter_map(|r| r["title"].as_str()).collect();
    assert_eq!(titles, ["问候", "发票作废"], "by team, then title");
    let (_, team) = agent.get("/api/admin/canned?team=%E5%A2%9E%E5%80%BC%E7%A8%8E%E7%BB%84").await;
    assert_eq!(team["replies"].as_array().map(Vec::len), Some(1), "{team}");

    let path = format!("/api/admin/canned/{}", vat["id"]);
    let (status, body) = agent.post_json("/api/admin/canned", json!({"title": "x", "text": "y"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let (status, body) = agent.delete(&path).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, changed) =
        admin.put_json(&path, json!({"team": "增值税组", "title": "发票作废", "text": "跨月发票请开红字发票。"})).await;
    assert_eq!((status, changed["text"].as_str()), (StatusCode::OK, Some("跨月发票请开红字发票。")));

    for (body, code) in [
        (json!({"title": "", "text": "y"}), "invalid_canned_reply"),
        (json!({"title": "两行\n标题", "text": "y"}), "invalid_canned_reply"),
        (json!({"title": "t", "text": "字".repeat(2001)}), "invalid_canned_reply"),
        (json!({"title": "t", "text": "y", "team": "组".repeat(33)}), "invalid_canned_reply"),
        (json!({"title": "t", "text": "y", "extra": 1}), "bad_json"),
    ] {
        let (status, e) = admin.post_json("/api/admin/canned", body).await;
        assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some(code)), "{e}");
        let message = e["error"]["message"].as_str().unwrap_or_default();
        assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "a Chinese message: {message}");
    }
    let (status, e) = admin.put_json("/api/admin/canned/abc", json!({"title": "t", "text": "y"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_id")), "{e}");
    let (status, e) = admin.delete("/api/admin/canned/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");

    let (status, _) = admin.delete(&path).await;
    assert_eq!(status, StatusCode::OK);
    let (_, all) = agent.get("/api/admin/canned").await;
    assert_eq!(all["replies"].as_array().map(Vec::len), Some(1));
    let actions: Vec<String> = app
        .store
        .audit(&AuditFilter { action: Some("canned.".into()), limit: 10, ..Default::default() })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["canned.delete", "canned.update", "canned.add", "canned.add"]);
}

/// Closes `session_id` served by `agent` with `resolution`.
async fn close(agent: &mut Client<AgentServerMsg>, session_id: &str, resolution: &str) {
    agent.send_json(json!({"type": "close", "session_id": session_id, "resolution": resolution})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Released { session_id: s } if s == session_id)).await;
}

fn ids(page: &Value) -> Vec<String> {
    page["conversations"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["session_id"].as_str().map(Into::into))
        .collect()
}

#[tokio::test]
async fn closed_conversations_are_listed_newest_first_searched_and_opened_read_only() {
    let app = spawn_app().await;
    let (mut agent, _) = app.agent(AGENT_1).await;
    let desk = AdminClient::sign_in(app.addr, AGENT_1, AGENT_PASSWORD).await;
    let (_v1, ship, _) = served(&app, &mut agent, "船舶吨税按什么标准征收").await;
    agent.send_json(json!({"type": "send", "session_id": ship, "text": "按船舶净吨位征收。"})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Ack { message_id: Some(_) })).await;
    close(&mut agent, &ship, "已解答").await;
    let (_v2, invoice, _) = served(&app, &mut agent, "我的发票开错了怎么办").await;
    close(&mut agent, &invoice, "需线下办理").await;
    let (_v3, open, _) = served(&app, &mut agent, "还在服务中的问题").await;

    let (status, page) = desk.get("/api/admin/history").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(ids(&page), [invoice.clone(), ship.clone()], "closed ones only, closed last first");
    assert_eq!(page["conversations"][0]["first_question"], "我的发票开错了怎么办");
    assert_eq!(page["conversations"][0]["resolution"], "需线下办理");
    assert_eq!(page["more"], false);
    let (_, first) = desk.get("/api/admin/history?limit=1").await;
    assert_eq!((ids(&first), &first["more"]), (vec![invoice.clone()], &json!(true)));
    let (_, second) = desk.get("/api/admin/history?limit=1&offset=1").await;
    assert_eq!(ids(&second), [ship.as_str()]);

    // By the text of a taxpayer's or an agent's message.
    let (_, found) = desk.get("/api/admin/history?q=%E5%87%80%E5%90%A8%E4%BD%8D").await; // 净吨位
    assert_eq!(ids(&found), [ship.as_str()]);
    // By the visitor name the desk shows.
    let name = page["conversations"][1]["visitor_name"].as_str().expect("name").to_owned();
    let (_, by_name) = desk.get(&format!("/api/admin/history?q={}", urlencode(&name))).await;
    assert!(ids(&by_name).contains(&ship), "{name}: {by_name}");
    let (_, none) = desk.get("/api/admin/history?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E8%AF%9D").await;
    assert_eq!(ids(&none), Vec::<String>::new());

    let (status, opened) = desk.get(&format!("/api/admin/history/{ship}")).await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    let texts: Vec<&str> =
        opened["transcript"].as_array().expect("t").iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(texts.contains(&"船舶吨税按什么标准征收") && texts.contains(&"按船舶净吨位征收。"), "{texts:?}");
    assert_eq!(opened["visitor_name"], name.as_str());
    // A clarification shows the questions it offered, not only their ids.
    let (_, invoice_opened) = desk.get(&format!("/api/admin/history/{invoice}")).await;
    let clarify = invoice_opened["transcript"]
        .as_array()
        .expect("t")
        .iter()
        .find(|m| m["decision"] == "clarify")
        .unwrap_or_else(|| panic!("我的发票开错了怎么办 is clarified: {invoice_opened}"))
        .clone();
    let offered = clarify["candidates"].as_array().expect("candidates");
    assert!(
        !offered.is_empty() && offered.iter().all(|c| c["question"].as_str().is_some_and(|q| q.chars().count() > 6)),
        "{clarify}"
    );

    for (path, status, code) in [
        (format!("/api/admin/history/{open}"), StatusCode::NOT_FOUND, "not_found"),
        ("/api/admin/history/not-an-id".into(), StatusCode::BAD_REQUEST, "invalid_id"),
        ("/api/admin/history?limit=51".into(), StatusCode::BAD_REQUEST, "invalid_query"),
        ("/api/admin/history?limit=0".into(), StatusCode::BAD_REQUEST, "invalid_query"),
        ("/api/admin/history?offset=20000".into(), StatusCode::BAD_REQUEST, "invalid_query"),
        ("/api/admin/history?limit=-1".into(), StatusCode::BAD_REQUEST, "invalid_query"),
        (format!("/api/admin/history?q={}", "%E7%A8%8E".repeat(51)), StatusCode::BAD_REQUEST, "invalid_query"),
        ("/api/admin/history?q=a%0Ab".into(), StatusCode::BAD_REQUEST, "invalid_query"),
    ] {
        let (got, e) = desk.get(&path).await;
        assert_eq!((got, e["error"]["code"].as_str()), (status, Some(code)), "{path}: {e}");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn a_transfer_note_and_the_taxpayer_leaving_reach_an_agent_on_another_node() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, |_| {}).await;
    let b = node(&db.url, |_| {}).await;
    let (mut first, _) = a.agent(AGENT_1).await;
    let (mut second, _) = b.agent(AGENT_2).await;
    let (mut v, session_id, _) = served(&a, &mut first, "船舶吨税按什么标准征收").await;

    // Node A learns of the agent on B through the store.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let colleague = loop {
        assert!(std::time::Instant::now() < deadline, "node A lists the agent on node B");
        first.send_json(json!({"type": "list_agents"})).await;
        let AgentServerMsg::Agents { agents } = first.recv_until(|m| matches!(m, AgentServerMsg::Agents { .. })).await
        else {
            unreachable!()
        };
        if let Some(c) = agents.into_iter().find(|c| c.agent_id == AGENT_2 && c.available) {
            break c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    first
        .send_json(
            json!({"type": "transfer", "session_id": session_id, "to": colleague.agent_id, "note": "请核对吨位"}),
        )
        .await;
    let assigned = second.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    let AgentServerMsg::Assigned { conversation } = assigned else { unreachable!() };
    assert!(conversation.transcript.iter().any(|h| h.from == "note" && h.text.ends_with("请核对吨位")));
    let joined = v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. })).await;
    assert!(
        matches!(&joined, ServerMsg::AgentJoined { agent_name, transferred: true } if agent_name == AGENT_2),
        "the taxpayer hears of the transfer: {joined:?}"
    );

    drop(v); // the taxpayer is on node A, the agent on node B
    let left = second.recv_until(|m| matches!(m, AgentServerMsg::VisitorPresence { .. })).await;
    assert!(matches!(left, AgentServerMsg::VisitorPresence { connected: false, .. }), "{left:?}");
    db.drop_now().await;
}
