//! Sessions follow accounts: disabling an agent, changing its role or signing
//! out closes its open `/ws/agent` socket at once (not at the next sign-in).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{AGENT_1, AGENT_2, AGENT_PASSWORD, Client, TestApp, spawn_app};
use taxbot::admin::Role;
use taxbot::channels::web::protocol::AgentServerMsg;

/// Well below the 30 s periodic check: the close must come from the notice.
const PROMPTLY: Duration = Duration::from_secs(5);

async fn console(app: &TestApp, name: &str) -> (AdminClient, Client<AgentServerMsg>) {
    let signed_in = AdminClient::sign_in(app.addr, name, AGENT_PASSWORD).await;
    let url = format!("ws://{}/ws/agent", app.addr);
    let mut ws = Client::connect_with_cookie(&url, &signed_in.cookie).await;
    ws.send_json(json!({"type": "hello"})).await;
    ws.recv_until(|m| matches!(m, AgentServerMsg::Welcome { .. })).await;
    (signed_in, ws)
}

async fn closed_promptly(ws: &mut Client<AgentServerMsg>, what: &str) {
    let started = Instant::now();
    assert!(ws.closed().await, "{what}: the socket closes");
    assert!(started.elapsed() < PROMPTLY, "{what}: closed after {:?}", started.elapsed());
    let told =
        ws.seen.iter().any(|m| matches!(m, AgentServerMsg::Error { code, .. } if code.as_str() == "unauthorized"));
    assert!(told, "{what}: the console is told why: {:?}", ws.seen);
}

async fn user_id(app: &TestApp, name: &str) -> i64 {
    app.store.user_by_name(name).await.expect("store").expect("user").id
}

#[tokio::test]
async fn disabling_changing_the_role_or_signing_out_closes_the_agent_socket() {
    let app = spawn_app().await;
    add_user(&*app.store, "管理员", Role::Admin, "admin-password").await;
    let admin = AdminClient::sign_in(app.addr, "管理员", "admin-password").await;

    let (_, mut first) = console(&app, AGENT_1).await;
    let (_, mut bystander) = console(&app, AGENT_2).await;
    let id = user_id(&app, AGENT_1).await;
    let (status, body) = admin.put_json(&format!("/api/admin/users/{id}"), json!({"disabled": true})).await;
    assert!(status.is_success(), "{body}");
    closed_promptly(&mut first, "disabled").await;
    bystander.send_json(json!({"type": "ping"})).await;
    bystander.recv_until(|m| matches!(m, AgentServerMsg::Pong)).await;

    let id = user_id(&app, AGENT_2).await;
    let (status, body) = admin.put_json(&format!("/api/admin/users/{id}"), json!({"role": "editor"})).await;
    assert!(status.is_success(), "{body}");
    closed_promptly(&mut bystander, "role changed").await;

    add_user(&*app.store, "小赵", Role::Agent, AGENT_PASSWORD).await;
    let (signed_in, mut third) = console(&app, "小赵").await;
    let (status, body) = signed_in.post_json("/api/admin/logout", json!({})).await;
    assert!(status.is_success(), "{body}");
    closed_promptly(&mut third, "signed out").await;

    let url = format!("ws://{}/ws/agent", app.addr);
    let refused = tokio_tungstenite::connect_async(
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url.as_str())
            .map(|mut r| {
                r.headers_mut().insert("cookie", signed_in.cookie.parse().expect("cookie"));
                r
            })
            .expect("request"),
    )
    .await;
    assert!(refused.is_err(), "the ended session cannot open a new socket");
}
