//! Human handoff over `/ws/chat` and `/ws/agent`: queue, accept, relay,
//! close, rating, 留言 tickets, restart, least-load assignment.

use serde_json::json;

use crate::helpers::{AGENT_1, AGENT_2, AGENT_PASSWORD, error_code, spawn_app, spawn_app_with};
use taxbot::channels::web::protocol::{AgentServerMsg, HandoffInfo, ServerMsg};
use taxbot::handoff::Assignment;
use taxbot::ids::SessionId;

fn session_of(welcome: &ServerMsg) -> (String, String) {
    let ServerMsg::Welcome { session_id, visitor_token, .. } = welcome else { panic!("not a welcome: {welcome:?}") };
    (session_id.clone(), visitor_token.clone())
}

fn agent_error(m: &AgentServerMsg) -> Option<&str> {
    match m {
        AgentServerMsg::Error { code, .. } => Some(code.as_str()),
        _ => None,
    }
}

#[tokio::test]
async fn no_match_to_agent_and_back_with_a_stored_rating() {
    let app = spawn_app().await;
    let (mut agent, _) = app.agent(AGENT_1).await;
    let (mut other, _) = app.agent(AGENT_2).await;
    let (mut v, welcome) = app.visitor(None).await;
    let (session_id, _) = session_of(&welcome);

    v.send_json(json!({"type": "ask", "text": "船舶吨税按什么标准征收"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::NoMatch { .. })).await;
    v.send_json(json!({"type": "request_human"})).await;
    let q = v.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;
    assert!(matches!(q, ServerMsg::Queue { position: 1, .. }), "{q:?}");

    let queue = agent.recv_until(|m| matches!(m, AgentServerMsg::Queue { items } if !items.is_empty())).await;
    let AgentServerMsg::Queue { items } = queue else { unreachable!() };
    assert_eq!(items[0].session_id, session_id);
    assert!(
        items[0].transcript.iter().any(|h| h.text == "船舶吨税按什么标准征收"),
        "the agent sees the bot transcript"
    );

    agent.send_json(json!({"type": "accept", "session_id": session_id})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    let joined = v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. })).await;
    assert!(matches!(joined, ServerMsg::AgentJoined { agent_name, .. } if agent_name == "小王"));

    other.send_json(json!({"type": "accept", "session_id": session_id})).await;
    let e = other.recv_until(|m| agent_error(m).is_some()).await;
    assert_eq!(agent_error(&e), Some("already_taken"));

    v.send_json(json!({"type": "ask", "text": "我的发票开错了怎么办"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;
    let relayed = agent.recv_until(|m| matches!(m, AgentServerMsg::VisitorMessage { .. })).await;
    assert!(matches!(relayed, AgentServerMsg::VisitorMessage { text, .. } if text == "我的发票开错了怎么办"));

    agent.send_json(json!({"type": "send", "session_id": session_id, "text": "您好，可以作废重开。"})).await;
    let m = v.recv_until(|m| matches!(m, ServerMsg::AgentMessage { .. })).await;
    assert!(matches!(m, ServerMsg::AgentMessage { text, .. } if text == "您好，可以作废重开。"));

    agent.send_json(json!({"type": "close", "session_id": session_id, "resolution": "已解答"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::ConversationClosed { .. })).await;
    v.send_json(json!({"type": "rate", "stars": 9})).await;
    let e = v.recv_until(|m| error_code(m).is_some()).await;
    assert_eq!(error_code(&e), Some("invalid_rating"));
    v.send_json(json!({"type": "rate", "stars": 5, "comment": "很好"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;

    let id = SessionId::try_from(session_id).expect("id");
    let ratings = app.store.ratings(&id).await.expect("ratings");
    assert_eq!(ratings.len(), 1);
    assert_eq!((ratings[0].stars, ratings[0].agent_id.as_deref()), (5, Some(AGENT_1)));
    let texts: Vec<String> =
        app.store.messages(&id, 100).await.expect("messages").into_iter().map(|m| m.body.text).collect();
    assert!(texts.contains(&"我的发票开错了怎么办".to_owned()));
    assert!(texts.contains(&"您好，可以作废重开。".to_owned()));
}

#[tokio::test]
async fn after_hours_ticket_is_answered_and_seen_on_return() {
    let app = spawn_app_with(|c| c.handoff.hours.days = Vec::new()).await;
    let (mut v, welcome) = app.visitor(None).await;
    let (_, token) = session_of(&welcome);
    v.send_json(json!({"type": "request_human"})).await;
    let off = v.recv().await;
    assert!(matches!(&off, ServerMsg::HandoffOffline { reason, .. } if reason == "outside_hours"), "{off:?}");
    v.send_json(json!({"type": "leave_message", "text": "请问退税多久到账？", "contact": "邮箱 a@b.c"})).await;
    let created = v.recv_until(|m| matches!(m, ServerMsg::TicketCreated { .. })).await;
    let ServerMsg::TicketCreated { ticket_id, .. } = created else { unreachable!() };
    drop(v);

    let (mut agent, welcome) = app.agent(AGENT_1).await;
    let AgentServerMsg::Welcome { tickets, .. } = welcome else { unreachable!() };
    assert!(tickets.iter().any(|t| t.ticket_id == ticket_id));
    let (mut colleague, _) = app.agent(AGENT_2).await;
    agent.send_json(json!({"type": "answer_ticket", "ticket_id": ticket_id, "text": "一般 10 个工作日内到账。"})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Ack { .. })).await;
    // The colleague's list drops it at once (it does not go stale until a reload).
    let closed = colleague.recv_until(|m| matches!(m, AgentServerMsg::TicketClosed { .. })).await;
    assert_eq!(closed, AgentServerMsg::TicketClosed { ticket_id, by: AGENT_1.to_owned() });
    agent.send_json(json!({"type": "answer_ticket", "ticket_id": ticket_id, "text": "再答一次"})).await;
    let e = agent.recv_until(|m| agent_error(m).is_some()).await;
    assert_eq!(agent_error(&e), Some("ticket_answered"));

    let (mut back, welcome) = app.visitor(Some(&token)).await;
    let ServerMsg::Welcome { history, .. } = welcome else { unreachable!() };
    assert!(history.iter().any(|h| h.text.contains("一般 10 个工作日内到账。")));
    let answer = back.recv().await;
    assert!(
        matches!(&answer, ServerMsg::TicketAnswerMsg(a) if a.ticket_id == ticket_id && a.answer == "一般 10 个工作日内到账。"),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_ticket_answer_counts_as_delivered_only_when_the_client_confirms_it() {
    let app = spawn_app_with(|c| c.handoff.hours.days = Vec::new()).await;
    let (mut v, welcome) = app.visitor(None).await;
    let (_, token) = session_of(&welcome);
    v.send_json(json!({"type": "leave_message", "text": "请问退税多久到账？"})).await;
    let ServerMsg::TicketCreated { ticket_id, .. } =
        v.recv_until(|m| matches!(m, ServerMsg::TicketCreated { .. })).await
    else {
        unreachable!()
    };

    // Pushed to a connection that is open but never shows it (no ack).
    let (mut agent, _) = app.agent(AGENT_1).await;
    agent.send_json(json!({"type": "answer_ticket", "ticket_id": ticket_id, "text": "十个工作日内。"})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Ack { .. })).await;
    let pushed = v.recv_until(|m| matches!(m, ServerMsg::TicketAnswerMsg(_))).await;
    assert!(matches!(&pushed, ServerMsg::TicketAnswerMsg(a) if a.ticket_id == ticket_id), "{pushed:?}");
    drop(v);

    // The next visit offers it again.
    let (mut back, _) = app.visitor(Some(&token)).await;
    let again = back.recv().await;
    assert!(matches!(&again, ServerMsg::TicketAnswerMsg(a) if a.ticket_id == ticket_id), "{again:?}");

    // Somebody else cannot confirm it for them.
    let (mut other, _) = app.visitor(None).await;
    other.send_json(json!({"type": "ack_ticket", "ticket_id": ticket_id})).await;
    let e = other.recv_until(|m| error_code(m).is_some()).await;
    assert_eq!(error_code(&e), Some("unknown_ticket"));

    back.send_json(json!({"type": "ack_ticket", "ticket_id": ticket_id})).await;
    back.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;
    drop(back);
    let (mut third, _) = app.visitor(Some(&token)).await;
    third.send_json(json!({"type": "ping"})).await;
    let next = third.recv().await;
    assert!(matches!(next, ServerMsg::Pong), "a confirmed answer is not offered again: {next:?}");
}

#[tokio::test]
async fn a_restart_keeps_the_queue_the_tickets_and_the_history() {
    let app = spawn_app().await;
    // An agent who is away: nobody online, so the first visitor leaves a message.
    let mut agent = {
        let (mut a, _) = app.agent(AGENT_1).await;
        a.send_json(json!({"type": "status", "status": "away"})).await;
        a.recv_until(|m| matches!(m, AgentServerMsg::Ack { .. })).await;
        a
    };
    let (mut writer, _) = app.visitor(None).await;
    writer.send_json(json!({"type": "request_human"})).await;
    let off = writer.recv().await;
    assert!(matches!(&off, ServerMsg::HandoffOffline { reason, .. } if reason == "no_agent"), "{off:?}");
    writer.send_json(json!({"type": "leave_message", "text": "发票丢了怎么办"})).await;
    let ServerMsg::TicketCreated { ticket_id, .. } =
        writer.recv_until(|m| matches!(m, ServerMsg::TicketCreated { .. })).await
    else {
        unreachable!()
    };

    agent.send_json(json!({"type": "status", "status": "online"})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Ack { .. })).await;
    let (mut waiting, welcome) = app.visitor(None).await;
    let (session_id, token) = session_of(&welcome);
    waiting.send_json(json!({"type": "ask", "text": "我要咨询出口退税"})).await;
    waiting.recv_until(|m| !matches!(m, ServerMsg::Ack { .. })).await;
    waiting.send_json(json!({"type": "request_human"})).await;
    waiting.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;

    let app = app.restart().await;
    assert!(waiting.closed().await, "old connections end with the old server");

    let (mut agent, welcome) = app.agent(AGENT_1).await;
    let AgentServerMsg::Welcome { tickets, .. } = welcome else { unreachable!() };
    assert!(tickets.iter().any(|t| t.ticket_id == ticket_id));
    let queue = agent.recv_until(|m| matches!(m, AgentServerMsg::Queue { items } if !items.is_empty())).await;
    assert!(matches!(&queue, AgentServerMsg::Queue { items } if items[0].session_id == session_id));

    let (_, welcome) = app.visitor(Some(&token)).await;
    let ServerMsg::Welcome { session_id: again, history, handoff, .. } = welcome else { unreachable!() };
    assert_eq!(again, session_id);
    assert!(history.iter().any(|h| h.text == "我要咨询出口退税"));
    assert!(matches!(handoff, Some(HandoffInfo::Queued { position: 1, .. })), "{handoff:?}");
}

#[tokio::test]
async fn least_load_assignment_spreads_conversations_over_agents() {
    let app = spawn_app_with(|c| c.handoff.assignment = Assignment::LeastLoad).await;
    let (mut a1, _) = app.agent(AGENT_1).await;
    let (mut a2, _) = app.agent(AGENT_2).await;
    let mut names = Vec::new();
    for _ in 0..2 {
        let (mut v, _) = app.visitor(None).await;
        v.send_json(json!({"type": "ask", "text": "转人工"})).await;
        let m = v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. })).await;
        let ServerMsg::AgentJoined { agent_name, .. } = m else { unreachable!() };
        names.push(agent_name);
    }
    names.sort();
    assert_eq!(names, ["小李", "小王"]);
    for a in [&mut a1, &mut a2] {
        a.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    }
}

#[tokio::test]
async fn agents_need_a_console_session_from_the_same_origin() {
    let app = spawn_app().await;
    let (mut a, welcome) = app.agent(AGENT_1).await;
    assert!(matches!(welcome, AgentServerMsg::Welcome { .. }));
    a.send_json(json!({"type": "accept", "session_id": "not-a-session"})).await;
    let e = a.recv_until(|m| agent_error(m).is_some()).await;
    assert_eq!(agent_error(&e), Some("invalid_id"));

    // The upgrade is refused without a session, with a forged cookie, and from another site's page.
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let url = format!("ws://{}/ws/agent", app.addr);
    let cookie = crate::admin_client::AdminClient::sign_in(app.addr, AGENT_2, AGENT_PASSWORD).await.cookie;
    let refused = |cookie: Option<&str>, origin: Option<&str>| {
        let mut req = url.as_str().into_client_request().expect("url");
        if let Some(c) = cookie {
            req.headers_mut().insert("cookie", c.parse().expect("header"));
        }
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().expect("header"));
        }
        async move {
            match tokio_tungstenite::connect_async(req).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(res)) => res.status().as_u16(),
                other => panic!("upgrade should be refused: {:?}", other.map(|(_, r)| r.status())),
            }
        }
    };
    assert_eq!(refused(None, None).await, 401);
    assert_eq!(refused(Some("taxbot_session=forged"), None).await, 401);
    assert_eq!(refused(Some(&cookie), Some("https://evil.example")).await, 403);
    let same = format!("http://{}", app.addr);
    let mut c = crate::helpers::Client::<AgentServerMsg>::connect_with_cookie_and_origin(&url, &cookie, &same).await;
    c.send_json(json!({"type": "accept", "session_id": "x"})).await;
    assert_eq!(agent_error(&c.recv().await), Some("hello_required"));
    c.send_json(json!({"type": "hello"})).await;
    let welcome = c.recv_until(|m| matches!(m, AgentServerMsg::Welcome { .. })).await;
    let AgentServerMsg::Welcome { agent_id, name, max_concurrent, .. } = welcome else { unreachable!() };
    assert_eq!((agent_id.as_str(), name.as_str(), max_concurrent), (AGENT_2, AGENT_2, 2), "from the user account");
}

#[tokio::test]
async fn an_agent_transfers_a_conversation_to_a_colleague() {
    let app = spawn_app().await;
    let (mut a1, _) = app.agent(AGENT_1).await;
    let (mut a2, _) = app.agent(AGENT_2).await;
    let (mut v, welcome) = app.visitor(None).await;
    let (session_id, _) = session_of(&welcome);
    v.send_json(json!({"type": "request_human"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;
    a1.send_json(json!({"type": "accept", "session_id": session_id})).await;
    a1.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    a1.send_json(json!({"type": "transfer", "session_id": session_id, "to": "nobody"})).await;
    let e = a1.recv_until(|m| agent_error(m).is_some()).await;
    assert_eq!(agent_error(&e), Some("target_unavailable"));
    a1.send_json(json!({"type": "transfer", "session_id": session_id, "to": AGENT_2})).await;
    a1.recv_until(|m| matches!(m, AgentServerMsg::Released { .. })).await;
    a2.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    let joined = v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { agent_name, .. } if agent_name == "小李")).await;
    assert!(matches!(joined, ServerMsg::AgentJoined { .. }));
    a1.send_json(json!({"type": "send", "session_id": session_id, "text": "还在吗"})).await;
    let e = a1.recv_until(|m| agent_error(m).is_some()).await;
    assert_eq!(agent_error(&e), Some("not_assigned"));
    a2.send_json(json!({"type": "transfer", "session_id": session_id})).await;
    a2.recv_until(|m| matches!(m, AgentServerMsg::Released { .. })).await;
    let q = v.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;
    assert!(matches!(q, ServerMsg::Queue { position: 1, .. }), "{q:?}");
}
