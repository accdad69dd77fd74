//! The WeChat bridge against the real server: URL verification, plain and
//! safe callbacks, clarification by number, retries, late answers and agent
//! messages through a fake customer-service API on 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::helpers::{AGENT_1, TestApp, always_clarify, spawn_app_with};
use taxbot::channels::web::protocol::AgentServerMsg;
use taxbot::channels::wechat::crypto::{Cryptor, signature};
use taxbot::channels::wechat::{Account, Mode, Secret, xml};
use taxbot::config::Config;
use taxbot::ids::VisitorKey;

const TOKEN: &str = "wx-test-token";
const APPID: &str = "wx0123456789abcdef";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const QUESTION: &str = "新能源汽车车辆购置税2024—2027年的减免政策是什么？";

fn account(path: &str, mode: Mode, api_base: Option<&str>) -> Account {
    Account {
        path: path.into(),
        token: Secret::new(TOKEN),
        appid: APPID.into(),
        encoding_aes_key: Some(Secret::new(KEY)),
        mode,
        app_secret: api_base.map(|_| Secret::new("app-secret")),
        api_base: api_base.unwrap_or("http://127.0.0.1:9").into(),
        menu: [("MENU_CAR".to_owned(), QUESTION.to_owned())].into(),
    }
}

async fn app_with(api_base: Option<&str>, f: impl FnOnce(&mut Config)) -> TestApp {
    let api = api_base.map(str::to_owned);
    spawn_app_with(move |c| {
        c.wechat.accounts =
            vec![account("/wechat", Mode::Plain, api.as_deref()), account("/wechat/safe", Mode::Safe, api.as_deref())];
        f(c);
    })
    .await
}

fn now() -> String {
    chrono::Utc::now().timestamp().to_string()
}

fn text_msg(user: &str, content: &str, msg_id: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>\
         <CreateTime>{}</CreateTime><MsgType><![CDATA[text]]></MsgType>\
         <Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>",
        now()
    )
}

fn event_msg(user: &str, event: &str, key: &str) -> String {
    format!(
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>{user}</FromUserName>\
         <CreateTime>{}</CreateTime><MsgType>event</MsgType><Event>{event}</Event>\
         <EventKey>{key}</EventKey></xml>",
        now()
    )
}

/// Posts a plain-mode callback; returns the status and the reply's content
/// (`None` for `success`).
async fn post_plain(app: &TestApp, body: &str) -> (u16, Option<String>) {
    let (ts, nonce) = (now(), "n-plain".to_owned());
    let sig = signature(&[TOKEN, &ts, &nonce]);
    let r = app
        .http
        .post(app.url("/wechat"))
        .query(&[("signature", sig.as_str()), ("timestamp", &ts), ("nonce", &nonce)])
        .body(body.to_owned())
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, if status == 200 { content_of(&text) } else { Some(text) })
}

fn content_of(text: &str) -> Option<String> {
    if text == "success" {
        return None;
    }
    let f = xml::parse(text.as_bytes()).expect("reply parses");
    assert_eq!(f.get("MsgType"), Some("text"));
    f.get("Content").map(str::to_owned)
}

async fn conversation_messages(app: &TestApp, user: &str) -> Vec<String> {
    let key = VisitorKey::from_stored(format!("wechat:{APPID}:{user}"));
    let c = app.store.latest_conversation(&key).await.expect("store").expect("conversation");
    assert_eq!(c.channel, "wechat");
    let msgs = app.store.messages(&c.id, 100).await.expect("messages");
    msgs.into_iter().map(|m| m.body.text).collect()
}

#[tokio::test]
async fn wechat_url_verification_checks_signature_and_time() {
    let app = app_with(None, |_| {}).await;
    let ts = now();
    let sig = signature(&[TOKEN, &ts, "n1"]);
    let get = |q: Vec<(&'static str, String)>| app.http.get(app.url("/wechat")).query(&q).send();
    let ok = get(vec![
        ("signature", sig.clone()),
        ("timestamp", ts.clone()),
        ("nonce", "n1".into()),
        ("echostr", "e-123".into()),
    ])
    .await
    .expect("get");
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.text().await.expect("body"), "e-123");
    let bad = get(vec![
        ("signature", "0".repeat(40)),
        ("timestamp", ts.clone()),
        ("nonce", "n1".into()),
        ("echostr", "x".into()),
    ])
    .await
    .expect("get");
    assert_eq!(bad.status().as_u16(), 403);
    let old = (chrono::Utc::now().timestamp() - 3600).to_string();
    let stale_sig = signature(&[TOKEN, &old, "n1"]);
    let stale =
        get(vec![("signature", stale_sig), ("timestamp", old), ("nonce", "n1".into()), ("echostr", "x".into())])
            .await
            .expect("get");
    assert_eq!(stale.status().as_u16(), 403);
}

#[tokio::test]
async fn wechat_plain_text_voice_menu_and_other_messages() {
    let app = app_with(None, |_| {}).await;
    let (status, reply) = post_plain(&app, &text_msg("o_user1", QUESTION, "1001")).await;
    assert_eq!(status, 200);
    let reply = reply.expect("an answer");
    assert!(reply.contains("购置日期") && reply.contains("依据："), "{reply}");
    assert!(!reply.contains("**"), "markdown is flattened: {reply}");

    let voice = format!(
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>o_user1</FromUserName><CreateTime>{}</CreateTime>\
         <MsgType>voice</MsgType><MediaId>m</MediaId><Recognition>{QUESTION}</Recognition><MsgId>1002</MsgId></xml>",
        now()
    );
    let reply = post_plain(&app, &voice).await.1.expect("voice answered");
    assert!(reply.contains("购置日期"), "{reply}");
    let reply = post_plain(&app, &event_msg("o_user1", "CLICK", "MENU_CAR")).await.1.expect("menu answered");
    assert!(reply.contains("购置日期"), "{reply}");

    let image = format!(
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>o_user1</FromUserName><CreateTime>{}</CreateTime>\
         <MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl><MsgId>1003</MsgId></xml>",
        now()
    );
    let reply = post_plain(&app, &image).await.1.expect("polite reply");
    assert!(reply.contains("请直接输入"), "{reply}");

    let welcome = post_plain(&app, &event_msg("o_user2", "subscribe", "")).await.1.expect("welcome");
    assert!(welcome.contains("1. ") && welcome.contains("回复数字选择"), "{welcome}");
    let (status, none) = post_plain(&app, &event_msg("o_user2", "unsubscribe", "")).await;
    assert_eq!((status, none), (200, None));

    let (status, _) = post_plain(&app, "<xml><oops").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn wechat_clarify_then_reply_a_number() {
    let app = app_with(None, always_clarify).await;
    let clarify = post_plain(&app, &text_msg("o_num", "发票", "2001")).await.1.expect("clarify");
    assert!(clarify.contains("回复数字选择") && clarify.contains("\n2. "), "{clarify}");
    let second = clarify.lines().find_map(|l| l.strip_prefix("2. ")).expect("candidate 2").to_owned();
    let answer = post_plain(&app, &text_msg("o_num", "2", "2002")).await.1.expect("answer");
    assert!(answer.contains("依据："), "{answer}");
    let texts = conversation_messages(&app, "o_num").await;
    assert!(texts.contains(&second), "candidate 2 was chosen: {texts:?}");
}

#[tokio::test]
async fn wechat_retries_are_answered_and_stored_once() {
    let app = app_with(None, |_| {}).await;
    let body = text_msg("o_retry", QUESTION, "3001");
    let (a, b, c) = tokio::join!(post_plain(&app, &body), post_plain(&app, &body), post_plain(&app, &body));
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert!(a.1.is_some());
    let again = post_plain(&app, &body).await;
    assert_eq!(again, a);
    let texts = conversation_messages(&app, "o_retry").await;
    assert_eq!(texts.iter().filter(|t| t.as_str() == QUESTION).count(), 1, "{texts:?}");
    assert_eq!(texts.len(), 2, "one question, one answer: {texts:?}");
}

#[tokio::test]
async fn wechat_a_replay_after_the_dedupe_window_is_not_stored_twice() {
    let app = app_with(None, |c| c.wechat.dedupe_secs = 1).await;
    let body = text_msg("o_replay", QUESTION, "3002");
    let first = post_plain(&app, &body).await;
    assert!(first.1.is_some());
    // Past dedupe_secs, well inside the 300 s timestamp window: a captured request replayed.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let replayed = post_plain(&app, &body).await;
    assert_eq!(replayed, first);
    let texts = conversation_messages(&app, "o_replay").await;
    assert_eq!(texts.iter().filter(|t| t.as_str() == QUESTION).count(), 1, "{texts:?}");
}

#[tokio::test]
async fn wechat_safe_mode_decrypts_and_encrypts() {
    let app = app_with(None, |_| {}).await;
    let c = Cryptor::new(KEY, APPID).expect("key");
    let (ts, nonce) = (now(), "n-safe".to_owned());
    let enc = c.encrypt(&text_msg("o_safe", QUESTION, "4001"));
    let body = format!("<xml><ToUserName>gh_test</ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt></xml>");
    let post = |sig: String, body: String| {
        app.http
            .post(app.url("/wechat/safe"))
            .query(&[
                ("msg_signature", sig),
                ("timestamp", ts.clone()),
                ("nonce", nonce.clone()),
                ("encrypt_type", "aes".into()),
            ])
            .body(body)
            .send()
    };
    let r = post(signature(&[TOKEN, &ts, &nonce, &enc]), body.clone()).await.expect("post");
    assert_eq!(r.status().as_u16(), 200);
    let env = xml::parse(r.text().await.expect("body").as_bytes()).expect("envelope");
    let (renc, rsig) = (env.get("Encrypt").expect("Encrypt"), env.get("MsgSignature").expect("sig"));
    let (rts, rnonce) = (env.get("TimeStamp").expect("ts"), env.get("Nonce").expect("nonce"));
    assert_eq!(rsig, signature(&[TOKEN, rts, rnonce, renc]));
    let inner = xml::parse(c.decrypt(renc).expect("decrypts").as_bytes()).expect("reply");
    assert!(inner.get("Content").expect("content").contains("购置日期"));
    assert_eq!(inner.get("ToUserName"), Some("o_safe"));

    let bad = post("0".repeat(40), body).await.expect("post");
    assert_eq!(bad.status().as_u16(), 403);
    let other = Cryptor::new(KEY, "wx_other").expect("key").encrypt(&text_msg("o_safe", "x", "4002"));
    let body = format!("<xml><Encrypt><![CDATA[{other}]]></Encrypt></xml>");
    let foreign = post(signature(&[TOKEN, &ts, &nonce, &other]), body).await.expect("post");
    assert_eq!(foreign.status().as_u16(), 403, "foreign appid refused");
    let plain = post(signature(&[TOKEN, &ts, &nonce]), text_msg("o_safe", "x", "4003")).await.expect("post");
    assert_eq!(plain.status().as_u16(), 403, "safe mode refuses plaintext");
}

/// A fake WeChat API: hands out tokens `t1`, `t2`…, says the first token
/// expired on its first use, and reports every delivered message.
#[derive(Clone)]
struct FakeApi {
    tokens: Arc<Mutex<u32>>,
    expired_once: Arc<Mutex<bool>>,
    sent: mpsc::Sender<(String, Value)>,
}

async fn fake_token(State(s): State<FakeApi>, Query(q): Query<Vec<(String, String)>>) -> Json<Value> {
    assert!(q.iter().any(|(k, v)| k == "secret" && v == "app-secret"));
    let mut n = s.tokens.lock().unwrap_or_else(|p| p.into_inner());
    *n += 1;
    Json(json!({"access_token": format!("t{n}"), "expires_in": 7200}))
}

async fn fake_send(
    State(s): State<FakeApi>,
    Query(q): Query<Vec<(String, String)>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let token = q.into_iter().find(|(k, _)| k == "access_token").map(|(_, v)| v).unwrap_or_default();
    {
        let mut once = s.expired_once.lock().unwrap_or_else(|p| p.into_inner());
        if token == "t1" && !*once {
            *once = true;
            return Json(json!({"errcode": 42001, "errmsg": "access_token expired"}));
        }
    }
    let _ = s.sent.send((token, body)).await;
    Json(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn fake_api() -> (String, mpsc::Receiver<(String, Value)>) {
    let (tx, rx) = mpsc::channel(16);
    let state = FakeApi { tokens: Arc::new(Mutex::new(0)), expired_once: Arc::new(Mutex::new(false)), sent: tx };
    let router = axum::Router::new()
        .route("/cgi-bin/token", get(fake_token))
        .route("/cgi-bin/message/custom/send", post(fake_send))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}"), rx)
}

async fn next_sent(rx: &mut mpsc::Receiver<(String, Value)>) -> (String, Value) {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("a push arrives in time")
        .expect("fake API running")
}

#[tokio::test]
async fn wechat_late_answers_are_pushed_with_a_refreshed_token() {
    let (base, mut sent) = fake_api().await;
    let app = app_with(Some(&base), |c| c.wechat.reply_budget_ms = 0).await;
    let (status, reply) = post_plain(&app, &text_msg("o_late", QUESTION, "5001")).await;
    assert_eq!((status, reply), (200, None), "over budget: success now, push later");
    let (token, body) = next_sent(&mut sent).await;
    assert_eq!(token, "t2", "the expired token was refreshed");
    assert_eq!(body["touser"], "o_late");
    assert!(body["text"]["content"].as_str().expect("text").contains("购置日期"), "{body}");
    let again = post_plain(&app, &text_msg("o_late", QUESTION, "5001")).await;
    assert_eq!(again, (200, None), "a retry after the push is not answered again");
}

#[tokio::test]
async fn wechat_users_reach_agents_and_agents_reach_them() {
    let (base, mut sent) = fake_api().await;
    let app = app_with(Some(&base), |_| {}).await;
    let (mut agent, _) = app.agent(AGENT_1).await;
    let reply = post_plain(&app, &text_msg("o_human", "转人工", "6001")).await.1.expect("queued");
    assert!(reply.contains("人工客服"), "{reply}");
    let queue = agent.recv_until(|m| matches!(m, AgentServerMsg::Queue { items } if !items.is_empty())).await;
    let AgentServerMsg::Queue { items } = queue else { unreachable!() };
    let session_id = items[0].session_id.clone();
    agent.send_json(json!({"type": "accept", "session_id": session_id})).await;
    let (_, joined) = next_sent(&mut sent).await;
    assert!(joined["text"]["content"].as_str().expect("text").contains("小王"), "{joined}");

    let (status, relayed) = post_plain(&app, &text_msg("o_human", "发票开错了", "6002")).await;
    assert_eq!((status, relayed), (200, None), "relayed to the agent, no bot reply");
    agent.recv_until(|m| matches!(m, AgentServerMsg::VisitorMessage { text, .. } if text == "发票开错了")).await;
    agent.send_json(json!({"type": "send", "session_id": session_id, "text": "可以作废重开。"})).await;
    let (_, msg) = next_sent(&mut sent).await;
    assert_eq!(msg["touser"], "o_human");
    assert_eq!(msg["text"]["content"], "可以作废重开。");
}

#[tokio::test]
async fn wechat_agents_are_told_when_the_reply_window_has_passed() {
    let (base, _sent) = fake_api().await;
    let app = app_with(Some(&base), |c| c.wechat.reply_window_hours = 0).await;
    let (mut agent, _) = app.agent(AGENT_1).await;
    post_plain(&app, &text_msg("o_window", "转人工", "7001")).await;
    let queue = agent.recv_until(|m| matches!(m, AgentServerMsg::Queue { items } if !items.is_empty())).await;
    let AgentServerMsg::Queue { items } = queue else { unreachable!() };
    agent.send_json(json!({"type": "accept", "session_id": items[0].session_id})).await;
    let e = agent
        .recv_until(
            |m| matches!(m, AgentServerMsg::Error { code, .. } if code.as_str() == "wechat_reply_window_passed"),
        )
        .await;
    assert!(matches!(e, AgentServerMsg::Error { message, .. } if message.contains("48")));
}

#[tokio::test]
async fn wechat_misconfigured_accounts_refuse_to_start() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let mut c = crate::helpers::test_config(dir.path().to_path_buf());
    let mut a = account("/wechat", Mode::Safe, None);
    a.encoding_aes_key = Some(Secret::new("short"));
    c.wechat.accounts = vec![a];
    let searcher = crate::helpers::searcher(&c.search);
    assert!(taxbot::server::App::build_with(c, searcher).await.is_err());
    assert_eq!(format!("{:?}", Secret::new("s3cret")), "Secret(***)");
}
