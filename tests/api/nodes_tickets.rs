//! 留言 tickets across nodes sharing one PostgreSQL: a ticket left by a
//! taxpayer on node A shows live in the console of an agent on node B, the
//! answer given there reaches the taxpayer on A, and the ticket leaves the
//! consoles on both nodes.

use serde_json::json;

use crate::helpers::{AGENT_1, AGENT_2, error_code};
use crate::nodes::node;
use crate::nodes_handoff::seen;
use crate::postgres::TestDatabase;
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};
use taxbot::config::Config;

const QUESTION: &str = "请问出口退税多久到账？";
const ANSWER: &str = "一般在 10 个工作日内到账。";

/// Business hours that never open: a request for a human is offered 留言.
fn closed(c: &mut Config) {
    c.handoff.hours.days = Vec::new();
}

#[tokio::test]
async fn a_ticket_left_on_node_a_is_answered_on_node_b_and_leaves_the_consoles_of_both() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, closed).await;
    let b = node(&db.url, closed).await;
    let (mut on_b, _) = b.agent(AGENT_1).await;
    let (mut on_a, _) = a.agent(AGENT_2).await;

    let (mut v, welcome) = a.visitor(None).await;
    let ServerMsg::Welcome { visitor_token, .. } = welcome else { unreachable!() };
    v.send_json(json!({"type": "request_human"})).await;
    let off = v.recv_until(|m| matches!(m, ServerMsg::HandoffOffline { .. } | ServerMsg::Queue { .. })).await;
    assert!(matches!(&off, ServerMsg::HandoffOffline { reason, .. } if reason == "outside_hours"), "{off:?}");
    v.send_json(json!({"type": "leave_message", "text": QUESTION, "contact": "邮箱 a@b.c"})).await;
    let created = v.recv_until(|m| matches!(m, ServerMsg::TicketCreated { .. })).await;
    let ServerMsg::TicketCreated { ticket_id, .. } = created else { unreachable!() };

    // Live in the console on B (and on A, the taxpayer's own node).
    let is_new =
        |m: &AgentServerMsg| matches!(m, AgentServerMsg::TicketNew { ticket } if ticket.ticket_id == ticket_id);
    let new = seen("the ticket in the console on node B", on_b.recv_until(is_new)).await;
    let AgentServerMsg::TicketNew { ticket } = new else { unreachable!() };
    assert_eq!((ticket.text.as_str(), ticket.contact.as_deref()), (QUESTION, Some("邮箱 a@b.c")));
    seen("the ticket in the console on node A", on_a.recv_until(is_new)).await;

    on_b.send_json(json!({"type": "answer_ticket", "ticket_id": ticket_id, "text": ANSWER})).await;
    on_b.recv_until(|m| matches!(m, AgentServerMsg::Ack { .. })).await;

    // The taxpayer, still on A, gets the answer at once.
    let answer = seen(
        "the answer pushed to the taxpayer on node A",
        v.recv_until(|m| matches!(m, ServerMsg::TicketAnswerMsg(_))),
    )
    .await;
    assert!(
        matches!(&answer, ServerMsg::TicketAnswerMsg(t) if t.ticket_id == ticket_id && t.question == QUESTION && t.answer == ANSWER),
        "{answer:?}"
    );
    // Both consoles drop it.
    let closed = AgentServerMsg::TicketClosed { ticket_id, by: AGENT_1.to_owned() };
    let is_closed = |m: &AgentServerMsg| matches!(m, AgentServerMsg::TicketClosed { .. });
    assert_eq!(seen("ticket.closed on node A", on_a.recv_until(is_closed)).await, closed);
    assert_eq!(seen("ticket.closed on node B", on_b.recv_until(is_closed)).await, closed);
    // A colleague on A cannot answer it a second time.
    on_a.send_json(json!({"type": "answer_ticket", "ticket_id": ticket_id, "text": "再答一次"})).await;
    let e = on_a.recv_until(|m| matches!(m, AgentServerMsg::Error { .. })).await;
    assert!(matches!(&e, AgentServerMsg::Error { code, .. } if code.as_str() == "ticket_answered"), "{e:?}");

    // The taxpayer confirms it on A; back through B, the answer is in the
    // history and not offered again.
    v.send_json(json!({"type": "ack_ticket", "ticket_id": ticket_id})).await;
    let ack = v.recv_until(|m| matches!(m, ServerMsg::Ack { .. }) || error_code(m).is_some()).await;
    assert!(matches!(ack, ServerMsg::Ack { .. }), "{ack:?}");
    drop(v);
    let (mut back, welcome) = crate::helpers::visitor_at(b.addr, Some(&visitor_token)).await;
    let ServerMsg::Welcome { history, .. } = welcome else { unreachable!() };
    assert!(history.iter().any(|h| h.text.contains(ANSWER)), "{history:?}");
    back.send_json(json!({"type": "ping"})).await;
    let next = back.recv().await;
    assert!(matches!(next, ServerMsg::Pong), "a confirmed answer is not offered again: {next:?}");

    // A console opened afterwards on either node does not list it.
    drop((on_a, on_b));
    for (node, agent) in [(&a, AGENT_2), (&b, AGENT_1)] {
        let (_, welcome) = node.agent(agent).await;
        let AgentServerMsg::Welcome { tickets, tickets_total, .. } = welcome else { unreachable!() };
        assert!(tickets.is_empty() && tickets_total == 0, "{tickets:?}");
    }
    db.drop_now().await;
}
