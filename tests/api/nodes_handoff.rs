//! The human handoff across nodes sharing one PostgreSQL: agent presence
//! seen everywhere, one queue, a taxpayer on node A served by an agent on
//! node B with messages relayed both ways, and two nodes never assigning
//! the same conversation.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{AGENT_1, AGENT_2, Client, TestApp, agent_at, visitor_at};
use crate::nodes::node;
use crate::postgres::TestDatabase;
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};
use taxbot::store::AccountStore as _;

/// How soon another node must see a change.
pub const SEEN_WITHIN: Duration = Duration::from_secs(2);

pub fn session_of(welcome: &ServerMsg) -> String {
    let ServerMsg::Welcome { session_id, .. } = welcome else { panic!("not a welcome: {welcome:?}") };
    session_id.clone()
}

/// `taxbot_agents_online` on the node at `addr`.
async fn agents_online(addr: std::net::SocketAddr) -> i64 {
    let url = format!("http://{addr}/metrics");
    let body = reqwest::get(url).await.expect("metrics").text().await.expect("body");
    body.lines()
        .find_map(|l| l.strip_prefix("taxbot_agents_online "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the agents-online gauge")
}

/// Waits until `app` counts `n` agents online; panics after [`SEEN_WITHIN`].
pub async fn until_agents_online(app: &TestApp, n: i64) {
    until_agents_online_at(app.addr, n).await;
}

/// [`until_agents_online`] for the node at `addr`.
async fn until_agents_online_at(addr: std::net::SocketAddr, n: i64) {
    let start = Instant::now();
    while agents_online(addr).await != n {
        assert!(start.elapsed() < SEEN_WITHIN, "node sees {n} agents online within {SEEN_WITHIN:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `fut` (a frame another node must cause), failing the test with `what`
/// when it takes longer than [`SEEN_WITHIN`].
pub async fn seen<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(SEEN_WITHIN, fut).await.unwrap_or_else(|_| panic!("{what} within {SEEN_WITHIN:?}"))
}

/// Asks for a human on `v` and returns its queue position.
pub async fn request_human(v: &mut Client<ServerMsg>) -> usize {
    request_queued(v).await.0
}

/// Asks for a human on `v` and returns its queue position and estimated wait.
pub async fn request_queued(v: &mut Client<ServerMsg>) -> (usize, u64) {
    v.send_json(json!({"type": "request_human"})).await;
    match v.recv_until(|m| matches!(m, ServerMsg::Queue { .. } | ServerMsg::HandoffOffline { .. })).await {
        ServerMsg::Queue { position, estimated_wait_secs } => (position, estimated_wait_secs),
        other => panic!("queued, not {other:?}"),
    }
}

/// Waits until the agent's queue lists `session_id`; returns the queue's ids.
pub async fn until_queued(agent: &mut Client<AgentServerMsg>, session_id: &str) -> Vec<String> {
    let q = agent
        .recv_until(
            |m| matches!(m, AgentServerMsg::Queue { items } if items.iter().any(|i| i.session_id == session_id)),
        )
        .await;
    let AgentServerMsg::Queue { items } = q else { unreachable!() };
    items.into_iter().map(|i| i.session_id).collect()
}

#[tokio::test]
async fn a_taxpayer_on_node_a_is_served_by_an_agent_on_node_b() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, |_| {}).await;
    let b = node(&db.url, |_| {}).await;
    let (mut agent, _) = b.agent(AGENT_1).await;
    until_agents_online(&a, 1).await;

    let (mut v, welcome) = a.visitor(None).await;
    let session_id = session_of(&welcome);
    v.send_json(json!({"type": "ask", "text": "船舶吨税按什么标准征收"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::NoMatch { .. } | ServerMsg::AnswerEnd { .. })).await;
    assert_eq!(request_human(&mut v).await, 1);
    let (mut second, welcome) = b.visitor(None).await;
    let second_id = session_of(&welcome);
    assert_eq!(request_human(&mut second).await, 2, "one queue: the taxpayer on B waits behind the one on A");

    assert_eq!(until_queued(&mut agent, &second_id).await, vec![session_id.clone(), second_id.clone()]);
    agent.send_json(json!({"type": "accept", "session_id": session_id})).await;
    let assigned = agent.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    let AgentServerMsg::Assigned { conversation } = assigned else { unreachable!() };
    assert!(
        conversation.transcript.iter().any(|h| h.text == "船舶吨税按什么标准征收"),
        "the agent sees the bot transcript"
    );
    let joined = v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. })).await;
    assert!(matches!(&joined, ServerMsg::AgentJoined { agent_name, .. } if agent_name == AGENT_1));
    assert!(matches!(joined, ServerMsg::AgentJoined { transferred: false, .. }), "an accept, not a transfer");
    // B's taxpayer moves up (a frame with position 2 may still be on its way first).
    second.recv_until(|m| matches!(m, ServerMsg::Queue { position: 1, .. })).await;

    let (to_agent, to_visitor) = relay(&mut v, &mut agent, &session_id, 20).await;
    eprintln!(
        "cross-node relay (20 each way): taxpayer -> agent {}; agent -> taxpayer {}",
        summary(to_agent),
        summary(to_visitor)
    );

    agent.send_json(json!({"type": "close", "session_id": session_id, "resolution": "已解答"})).await;
    v.recv_until(|m| matches!(m, ServerMsg::ConversationClosed { .. })).await;
    v.send_json(json!({"type": "rate", "stars": 5})).await;
    v.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;

    drop(agent);
    until_agents_online(&a, 0).await;
    db.drop_now().await;
}

/// Sends `n` messages each way between the taxpayer `v` and the agent
/// serving `session_id`, one at a time, checking each arrives whole and in
/// order; returns the times from sending to arrival (taxpayer → agent,
/// agent → taxpayer).
async fn relay(
    v: &mut Client<ServerMsg>,
    agent: &mut Client<AgentServerMsg>,
    session_id: &str,
    n: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let (mut to_agent, mut to_visitor) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let text = format!("我的发票开错了怎么办（{i}）");
        let sent = Instant::now();
        v.send_json(json!({"type": "ask", "text": text})).await;
        let relayed = agent.recv_until(|m| matches!(m, AgentServerMsg::VisitorMessage { .. })).await;
        to_agent.push(sent.elapsed());
        assert!(matches!(&relayed, AgentServerMsg::VisitorMessage { text: t, .. } if *t == text), "{relayed:?}");

        let text = format!("您好，可以作废重开。（{i}）");
        let sent = Instant::now();
        agent.send_json(json!({"type": "send", "session_id": session_id, "text": text})).await;
        let m = v.recv_until(|m| matches!(m, ServerMsg::AgentMessage { .. })).await;
        to_visitor.push(sent.elapsed());
        assert!(matches!(&m, ServerMsg::AgentMessage { text: t, .. } if *t == text), "{m:?}");
    }
    (to_agent, to_visitor)
}

/// `p50 … p99 … max` of `times`.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    format!("p50 {:?}, p99 {:?}, max {:?}", at(0.5), at(0.99), at(1.0))
}

/// The cross-node message time for `docs/benchmarks.md`, against two
/// running nodes (`TAXBOT_RELAY_NODES=host:port,host:port`, sharing the
/// PostgreSQL at `TAXBOT_RELAY_STORE`) while they are under load: a
/// taxpayer on the first, an agent (created here) on the second.
#[tokio::test]
#[ignore = "a measurement: run by hand next to `taxbot bench ws`, see docs/benchmarks.md"]
async fn cross_node_message_time_under_load() {
    let nodes = std::env::var("TAXBOT_RELAY_NODES").expect("TAXBOT_RELAY_NODES=host:port,host:port");
    let (a, b) = nodes.split_once(',').expect("two nodes");
    let (a, b): (std::net::SocketAddr, std::net::SocketAddr) = (a.parse().expect("addr"), b.parse().expect("addr"));
    let url = std::env::var("TAXBOT_RELAY_STORE").expect("TAXBOT_RELAY_STORE=postgres://…");
    let store = taxbot::store::open_url(&url, 2).await.expect("store");
    if store.user_by_name(AGENT_1).await.expect("store").is_none() {
        taxbot::admin::users::create(&store, AGENT_1, taxbot::admin::Role::Agent, crate::helpers::AGENT_PASSWORD)
            .await
            .expect("agent");
    }
    let (mut agent, _) = agent_at(b, AGENT_1).await;
    until_agents_online_at(a, 1).await;
    let (mut v, welcome) = visitor_at(a, None).await;
    let session_id = session_of(&welcome);
    request_human(&mut v).await;
    until_queued(&mut agent, &session_id).await;
    agent.send_json(json!({"type": "accept", "session_id": session_id})).await;
    v.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. })).await;
    let (to_agent, to_visitor) = relay(&mut v, &mut agent, &session_id, 200).await;
    println!("taxpayer on A -> agent on B: {}", summary(to_agent));
    println!("agent on B -> taxpayer on A: {}", summary(to_visitor));
    agent.send_json(json!({"type": "close", "session_id": session_id, "resolution": "测量结束"})).await;
}

#[tokio::test]
async fn two_agents_on_two_nodes_accepting_at_once_get_the_conversation_once() {
    let Some(db) = TestDatabase::create().await else { return };
    let a = node(&db.url, |_| {}).await;
    let b = node(&db.url, |_| {}).await;
    let (mut on_a, _) = a.agent(AGENT_2).await;
    let (mut on_b, _) = b.agent(AGENT_1).await;
    until_agents_online(&a, 2).await;
    until_agents_online(&b, 2).await;
    for round in 0..5 {
        let (mut v, welcome) = a.visitor(None).await;
        let id = session_of(&welcome);
        request_human(&mut v).await;
        until_queued(&mut on_a, &id).await;
        until_queued(&mut on_b, &id).await;
        let accept = json!({"type": "accept", "session_id": id});
        tokio::join!(on_a.send_json(accept.clone()), on_b.send_json(accept));
        let outcome = |m: &AgentServerMsg| {
            matches!(m, AgentServerMsg::Assigned { conversation } if conversation.session_id == id)
                || matches!(m, AgentServerMsg::Error { .. })
        };
        let (ra, rb) = tokio::join!(on_a.recv_until(outcome), on_b.recv_until(outcome));
        let a_won = matches!(ra, AgentServerMsg::Assigned { .. });
        let b_won = matches!(rb, AgentServerMsg::Assigned { .. });
        assert!(a_won != b_won, "round {round}: exactly one agent gets it: {ra:?} / {rb:?}");
        let (lost, winner) = if a_won { (&rb, &mut on_a) } else { (&ra, &mut on_b) };
        assert!(
            matches!(lost, AgentServerMsg::Error { code, .. } if code.as_str() == "already_taken"),
            "round {round}: {lost:?}"
        );
        winner.send_json(json!({"type": "close", "session_id": id, "resolution": "已解答"})).await;
        winner.recv_until(|m| matches!(m, AgentServerMsg::Released { session_id } if *session_id == id)).await;
    }
    db.drop_now().await;
}
