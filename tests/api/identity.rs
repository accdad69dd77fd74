//! Verified visitor identity (docs/widget.md): a host site signs who the
//! visitor is; agents see the verified name and the masked 纳税人识别号, and
//! 未验证 for an identity that is unsigned, wrongly signed or expired.

use serde_json::{Value, json};

use crate::admin_client::AdminClient;
use crate::helpers::{AGENT_1, AGENT_PASSWORD, Client, TestApp, spawn_app_with};
use taxbot::channels::web::protocol::{AgentServerMsg, IdentityStatus, ServerMsg, VisitorInfo};
use taxbot::config::wechat::Secret;
use taxbot::config::widget::IdentitySite;
use taxbot::ids::SessionId;
use taxbot::signing::{hex, hmac_sha256};
use taxbot::store::VisitorIdentity;

const SECRET: &str = "etax-shared-secret-2026";
const TIN: &str = "91440300MA5FXXX234";

/// The identity as a host site signs it: `site\nuser_id\nname\nexpires`
/// (written out here, not taken from the server's code, to pin the format).
fn signed(secret: &str, expires: i64) -> Value {
    let text = format!("etax\n{TIN}\n张三\n{expires}");
    let signature = hex(&hmac_sha256(secret.as_bytes(), text.as_bytes()));
    json!({"site": "etax", "user_id": TIN, "name": "张三", "expires": expires, "signature": signature})
}

async fn hello(app: &TestApp, identity: Option<Value>) -> (Client<ServerMsg>, String, Option<IdentityStatus>) {
    let mut c = app.chat().await;
    c.send_json(json!({"type": "hello", "identity": identity})).await;
    let welcome = c.recv_until(|m| matches!(m, ServerMsg::Welcome { .. })).await;
    let ServerMsg::Welcome { session_id, identity, .. } = welcome else { unreachable!() };
    c.send_json(json!({"type": "request_human"})).await;
    c.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;
    (c, session_id, identity)
}

#[tokio::test]
async fn agents_see_a_verified_identity_masked_and_every_other_as_unverified() {
    let app = spawn_app_with(|c| {
        c.widget.identity_sites = vec![IdentitySite { site: "etax".into(), secret: Secret::new(SECRET) }];
    })
    .await;
    // An agent online, so 转人工 queues instead of offering 留言.
    let (mut agent, _) = app.agent(AGENT_1).await;
    let now = chrono::Utc::now().timestamp();
    let (_right, right, status) = hello(&app, Some(signed(SECRET, now + 600))).await;
    assert_eq!(status, Some(IdentityStatus::Verified));
    let (_wrong, wrong, status) = hello(&app, Some(signed("another-secret-of-16+", now + 600))).await;
    assert_eq!(status, Some(IdentityStatus::Unverified));
    let (_old, expired, status) = hello(&app, Some(signed(SECRET, now - 5))).await;
    assert_eq!(status, Some(IdentityStatus::Unverified));
    let (_far, forever, status) = hello(&app, Some(signed(SECRET, now + 10 * 365 * 86_400))).await;
    assert_eq!(status, Some(IdentityStatus::Unverified), "an expiry years ahead is refused");
    let mut unsigned = signed(SECRET, now + 600);
    unsigned["signature"] = json!("");
    let (_unsigned, unsigned, status) = hello(&app, Some(unsigned)).await;
    assert_eq!(status, Some(IdentityStatus::Unverified));
    let (_anon, anonymous, status) = hello(&app, None).await;
    assert_eq!(status, None);

    let queue = agent.recv_until(|m| matches!(m, AgentServerMsg::Queue { items } if items.len() == 6)).await;
    let AgentServerMsg::Queue { items } = queue else { unreachable!() };
    let visitor = |id: &str| items.iter().find(|i| i.session_id == id).expect("queued").visitor.clone();
    let verified =
        VisitorInfo { verified: true, name: Some("张三".into()), masked_id: Some("9144********X234".into()) };
    assert_eq!(visitor(&right), Some(verified));
    let unverified = VisitorInfo { verified: false, name: None, masked_id: None };
    for id in [&wrong, &expired, &forever, &unsigned] {
        assert_eq!(visitor(id), Some(unverified.clone()), "{id}");
    }
    assert_eq!(visitor(&anonymous), None);

    // The desk's frames never carry the full 纳税人识别号, nor does the store.
    let raw = serde_json::to_string(&items).expect("json");
    assert!(!raw.contains(TIN));
    let id = SessionId::try_from(right.clone()).expect("id");
    let stored = app.store.identity(&id).await.expect("read");
    assert_eq!(stored, Some(VisitorIdentity::Verified { name: "张三".into(), masked_id: "9144********X234".into() }));
    let id = SessionId::try_from(wrong.clone()).expect("id");
    assert_eq!(app.store.identity(&id).await.expect("read"), Some(VisitorIdentity::Unverified));

    // Accepted, the conversation shows the same identity.
    agent.send_json(json!({"type": "accept", "session_id": right})).await;
    let assigned = agent.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    let AgentServerMsg::Assigned { conversation } = assigned else { unreachable!() };
    assert_eq!(conversation.visitor.and_then(|v| v.name), Some("张三".into()));

    // Closed, the desk's history still says who it was (and never the full id).
    agent.send_json(json!({"type": "close", "session_id": right, "resolution": "已解答"})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Released { session_id } if *session_id == right)).await;
    let desk = AdminClient::sign_in(app.addr, AGENT_1, AGENT_PASSWORD).await;
    let (_, page) = desk.get("/api/admin/history").await;
    let listed = &page["conversations"][0];
    assert_eq!(listed["session_id"], right.as_str(), "{page}");
    assert_eq!(listed["visitor"], json!({"verified": true, "name": "张三", "masked_id": "9144********X234"}));
    let (_, opened) = desk.get(&format!("/api/admin/history/{right}")).await;
    assert_eq!(opened["visitor"]["name"], "张三", "{opened}");
    assert!(!page.to_string().contains(TIN) && !opened.to_string().contains(TIN));
    // Found by the verified name and by the visible end of the masked id.
    for q in ["%E5%BC%A0%E4%B8%89", "X234"] {
        let (_, found) = desk.get(&format!("/api/admin/history?q={q}")).await;
        assert_eq!(found["conversations"][0]["session_id"], right.as_str(), "{q}: {found}");
    }
}

#[tokio::test]
async fn an_identity_is_unverified_when_no_site_is_configured_and_bad_fields_are_no_error() {
    let app = spawn_app_with(|_| {}).await;
    let (_agent, _) = app.agent(AGENT_1).await;
    let now = chrono::Utc::now().timestamp();
    let (_c, _, status) = hello(&app, Some(signed(SECRET, now + 600))).await;
    assert_eq!(status, Some(IdentityStatus::Unverified));
    let mut huge = signed(SECRET, now + 600);
    huge["name"] = json!("名".repeat(200));
    let (_c, _, status) = hello(&app, Some(huge)).await;
    assert_eq!(status, Some(IdentityStatus::Unverified));
}
