//! The callback routes of each account: `GET` verifies the URL (echoes
//! `echostr` when the signature is right), `POST` receives a message and
//! answers with a passive reply, encrypted when the message was.
//!
//! Bad signatures, stale timestamps, foreign appids and undecryptable
//! messages get 403 and a log line; malformed bodies get 400.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::bridge::{self, Configured};
use super::crypto::{signature, signature_matches};
use super::xml::{self, Fields, Inbound};
use super::{Mode, WechatState};

/// The query WeChat adds to every callback.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    signature: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    echostr: Option<String>,
    msg_signature: Option<String>,
}

/// The routes of every configured account.
pub fn router<S: Clone + Send + Sync + 'static>(state: WechatState) -> Router<S> {
    let mut r = Router::new();
    for (i, a) in state.wechat.accounts.iter().enumerate() {
        let verify_route =
            move |State(s): State<WechatState>, Query(p): Query<Params>| async move { verify(&s, i, &p) };
        let post_route = move |State(s): State<WechatState>, Query(p): Query<Params>, body: Bytes| async move {
            callback(&s, i, &p, &body).await
        };
        r = r.route(&a.cfg.path, get(verify_route).post(post_route));
    }
    r.with_state(state)
}

/// A refused callback: logged once here, answered 403 or 400.
struct Refused(StatusCode, &'static str);

impl Refused {
    fn respond(self, account: &Configured) -> Response {
        tracing::warn!(appid = %account.cfg.appid, reason = self.1, status = self.0.as_u16(), "微信回调被拒绝");
        (self.0, self.1).into_response()
    }
}

fn forbidden(reason: &'static str) -> Refused {
    Refused(StatusCode::FORBIDDEN, reason)
}

/// The timestamp and nonce, with the timestamp within the allowed skew.
fn fresh<'a>(state: &WechatState, p: &'a Params) -> Result<(&'a str, &'a str), Refused> {
    let (Some(ts), Some(nonce)) = (p.timestamp.as_deref(), p.nonce.as_deref()) else {
        return Err(forbidden("缺少 timestamp 或 nonce"));
    };
    let t: i64 = ts.parse().map_err(|_| forbidden("timestamp 无效"))?;
    let skew = i64::try_from(state.wechat.settings.max_clock_skew_secs).unwrap_or(300);
    if (chrono::Utc::now().timestamp() - t).abs() > skew {
        return Err(forbidden("timestamp 过期"));
    }
    Ok((ts, nonce))
}

fn check_plain(account: &Configured, p: &Params, ts: &str, nonce: &str) -> Result<(), Refused> {
    let expected = signature(&[account.cfg.token.expose(), ts, nonce]);
    match p.signature.as_deref() {
        Some(sig) if signature_matches(&expected, sig) => Ok(()),
        _ => Err(forbidden("signature 不符")),
    }
}

fn verify(state: &WechatState, i: usize, p: &Params) -> Response {
    let account = &state.wechat.accounts[i];
    let checked = fresh(state, p).and_then(|(ts, nonce)| check_plain(account, p, ts, nonce));
    match (checked, p.echostr.as_deref()) {
        (Ok(()), Some(echo)) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], echo.to_owned()).into_response()
        }
        (Ok(()), None) => Refused(StatusCode::BAD_REQUEST, "缺少 echostr").respond(account),
        (Err(r), _) => r.respond(account),
    }
}

/// The message fields, decrypted when encrypted; `true` when the reply must
/// be encrypted too.
fn open(account: &Configured, p: &Params, ts: &str, nonce: &str, body: &[u8]) -> Result<(Fields, bool), Refused> {
    let bad = |_| Refused(StatusCode::BAD_REQUEST, "XML 无效");
    let outer = xml::parse(body).map_err(bad)?;
    let encrypted = outer.get("Encrypt").filter(|_| account.cfg.mode != Mode::Plain);
    let Some(encrypt) = encrypted else {
        if account.cfg.mode == Mode::Safe {
            return Err(forbidden("安全模式下消息须加密"));
        }
        check_plain(account, p, ts, nonce)?;
        return Ok((outer, false));
    };
    let expected = signature(&[account.cfg.token.expose(), ts, nonce, encrypt]);
    if !p.msg_signature.as_deref().is_some_and(|s| signature_matches(&expected, s)) {
        return Err(forbidden("msg_signature 不符"));
    }
    let cryptor = account.cryptor.as_ref().ok_or(forbidden("未配置 EncodingAESKey"))?;
    let plain = cryptor.decrypt(encrypt).map_err(|e| match e {
        super::crypto::CryptoError::AppId => forbidden("appid 不符"),
        _ => forbidden("解密失败"),
    })?;
    Ok((xml::parse(plain.as_bytes()).map_err(bad)?, true))
}

async fn callback(state: &WechatState, i: usize, p: &Params, body: &[u8]) -> Response {
    let account = &state.wechat.accounts[i];
    let opened = fresh(state, p).and_then(|(ts, nonce)| open(account, p, ts, nonce, body));
    let (fields, encrypted) = match opened {
        Ok(o) => o,
        Err(r) => return r.respond(account),
    };
    let inbound = match Inbound::from_fields(&fields) {
        Ok(m) => m,
        Err(_) => return Refused(StatusCode::BAD_REQUEST, "消息字段不全").respond(account),
    };
    let (user, me) = (inbound.from.clone(), inbound.to.clone());
    let Some(text) = bridge::reply(state, i, inbound).await else {
        return "success".into_response();
    };
    let now = chrono::Utc::now().timestamp();
    let mut out = xml::text_reply(&user, &me, now, &text);
    if encrypted && let Some(c) = &account.cryptor {
        let enc = c.encrypt(&out);
        let ts = now.to_string();
        let nonce = p.nonce.as_deref().unwrap_or_default();
        let sig = signature(&[account.cfg.token.expose(), &ts, nonce, &enc]);
        out = xml::encrypted_reply(&enc, &sig, &ts, nonce);
    }
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], out).into_response()
}
