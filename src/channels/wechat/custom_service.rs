//! The customer-service message API (`/cgi-bin/message/custom/send`): how
//! agent messages and late answers reach a WeChat user, with an access-token
//! cache that refreshes before expiry and when WeChat says the token expired.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use super::Secret;
use crate::api_error::{Code, ErrorCode};

/// Refresh the token this long before WeChat's `expires_in` runs out, so a
/// call never carries a token that expires on the way.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Error codes meaning the access token is invalid or expired (40001 invalid
/// credential, 40014 invalid token, 42001 expired).
const TOKEN_ERRORS: [i64; 3] = [40001, 40014, 42001];

/// The user has not written for 48 hours (response out of time limit).
const OUT_OF_WINDOW: i64 = 45015;

/// Why a customer-service message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum CsError {
    /// No AppSecret is configured for the account.
    #[error("未配置 app_secret，无法使用客服消息接口")]
    NotConfigured,
    /// The user's last message is older than the reply window.
    #[error("用户超过 48 小时未与公众号互动，微信不允许再主动发送消息")]
    OutOfWindow,
    /// WeChat answered with an error code.
    #[error("微信接口返回错误 {code}：{message}")]
    Api {
        /// `errcode`.
        code: i64,
        /// `errmsg`.
        message: String,
    },
    /// The call failed on the way.
    #[error("调用微信接口失败：{0}")]
    Transport(String),
}

impl ErrorCode for CsError {
    fn code(&self) -> Code {
        match self {
            CsError::NotConfigured => Code::WechatNotConfigured,
            CsError::OutOfWindow => Code::WechatReplyWindowPassed,
            CsError::Api { .. } => Code::WechatApiError,
            CsError::Transport(_) => Code::WechatUnreachable,
        }
    }
}

#[derive(Deserialize)]
struct ApiReply {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// The API client of one account.
pub struct CustomService {
    http: reqwest::Client,
    base: String,
    appid: String,
    secret: Secret,
    /// The cached token and when to refresh it. An async mutex held across
    /// the token request on purpose: concurrent senders wait for one refresh
    /// instead of each fetching a token (each fetch invalidates the last).
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl CustomService {
    /// A client for `appid` calling `base` (e.g. `https://api.weixin.qq.com`).
    pub fn new(base: &str, appid: &str, secret: Secret, timeout: Duration) -> Self {
        let http = reqwest::Client::builder().timeout(timeout).build().unwrap_or_default();
        CustomService {
            http,
            base: base.trim_end_matches('/').to_owned(),
            appid: appid.to_owned(),
            secret,
            token: tokio::sync::Mutex::new(None),
        }
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<ApiReply, CsError> {
        let resp = req.send().await.map_err(|e| CsError::Transport(e.without_url().to_string()))?;
        resp.json::<ApiReply>().await.map_err(|e| CsError::Transport(e.without_url().to_string()))
    }

    /// The access token, fetched when missing, near expiry or `stale`.
    async fn access_token(&self, stale: Option<&str>) -> Result<String, CsError> {
        let mut cached = self.token.lock().await;
        if let Some((token, refresh_at)) = cached.as_ref()
            && Instant::now() < *refresh_at
            && stale != Some(token.as_str())
        {
            return Ok(token.clone());
        }
        let url = format!("{}/cgi-bin/token", self.base);
        let query =
            [("grant_type", "client_credential"), ("appid", self.appid.as_str()), ("secret", self.secret.expose())];
        let r = self.call(self.http.get(url).query(&query)).await?;
        let Some(token) = r.access_token.filter(|_| r.errcode == 0) else {
            return Err(CsError::Api { code: r.errcode, message: r.errmsg });
        };
        let ttl = Duration::from_secs(r.expires_in.unwrap_or(7200));
        *cached = Some((token.clone(), Instant::now() + ttl.saturating_sub(REFRESH_MARGIN)));
        Ok(token)
    }

    /// Sends a text message to `openid`; refreshes the token once if WeChat
    /// says it expired.
    pub async fn send_text(&self, openid: &str, text: &str) -> Result<(), CsError> {
        let body = json!({"touser": openid, "msgtype": "text", "text": {"content": text}});
        let url = format!("{}/cgi-bin/message/custom/send", self.base);
        let mut stale = None;
        for _ in 0..2 {
            let token = self.access_token(stale.as_deref()).await?;
            let req = self.http.post(&url).query(&[("access_token", &token)]).json(&body);
            let r = self.call(req).await?;
            match r.errcode {
                0 => return Ok(()),
                OUT_OF_WINDOW => return Err(CsError::OutOfWindow),
                c if TOKEN_ERRORS.contains(&c) => stale = Some(token),
                code => {
                    return Err(CsError::Api { code, message: r.errmsg });
                }
            }
        }
        Err(CsError::Api { code: 42001, message: "access_token 刷新后仍无效".into() })
    }
}
