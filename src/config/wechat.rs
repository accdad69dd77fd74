//! `[wechat]` settings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A configured secret (token, EncodingAESKey, AppSecret): `Debug` never
/// prints it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for signing and API calls only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The message encryption mode chosen in the WeChat admin panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// 明文模式: no encryption.
    Plain,
    /// 兼容模式: plaintext and ciphertext side by side (for migrating).
    Compatible,
    /// 安全模式: encrypted only (recommended).
    #[default]
    Safe,
}

/// One 公众号.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The callback path (the URL filled in the admin panel ends with it).
    #[serde(default = "default_path")]
    pub path: String,
    /// The Token filled in the admin panel.
    pub token: Secret,
    /// The AppID (开发者ID).
    pub appid: String,
    /// The EncodingAESKey (43 characters); required in compatible and safe mode.
    #[serde(default)]
    pub encoding_aes_key: Option<Secret>,
    /// Plain, compatible or safe.
    #[serde(default)]
    pub mode: Mode,
    /// The AppSecret, for the customer-service message API (agent replies,
    /// late answers); without it those cannot reach the user.
    #[serde(default)]
    pub app_secret: Option<Secret>,
    /// The API base URL (tests point it at a local fake server).
    #[serde(default = "default_api_base")]
    pub api_base: String,
    /// Menu click keys (`EventKey`) mapped to the question they ask.
    #[serde(default)]
    pub menu: BTreeMap<String, String>,
}

fn default_path() -> String {
    "/wechat".into()
}

fn default_api_base() -> String {
    "https://api.weixin.qq.com".into()
}

/// The `[wechat]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[[wechat.accounts]]` tables; none means no WeChat routes.
    pub accounts: Vec<Account>,
    /// How long a callback waits for the answer before replying `success`
    /// and pushing the answer later. WeChat gives up after 5 s; the rest is
    /// left for the network and the reply's encryption. `0` never waits:
    /// every answer not already computed is pushed.
    pub reply_budget_ms: u64,
    /// Callbacks whose timestamp is further than this from our clock are
    /// refused (replayed requests).
    pub max_clock_skew_secs: u64,
    /// How long a message id is remembered: WeChat retries within ~15 s. The
    /// server keeps ids at least `2 × max_clock_skew_secs + 1` seconds, as long
    /// as a replayed request would pass the timestamp check.
    pub dedupe_secs: u64,
    /// Message ids remembered at most (oldest forgotten first).
    pub dedupe_capacity: usize,
    /// WeChat users whose clarification choices are kept in memory.
    pub sessions: usize,
    /// WeChat lets the customer-service API reach a user this long after
    /// their last message.
    pub reply_window_hours: u64,
    /// Timeout of one customer-service API call.
    pub api_timeout_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            accounts: Vec::new(),
            reply_budget_ms: 4_000,
            max_clock_skew_secs: 300,
            dedupe_secs: 60,
            dedupe_capacity: 10_000,
            sessions: 10_000,
            reply_window_hours: 48,
            api_timeout_ms: 3_000,
        }
    }
}
