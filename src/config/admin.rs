//! `[admin]` settings.

use serde::{Deserialize, Serialize};

/// `[admin] publish_policy`: who may publish a draft.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishPolicy {
    /// Any editor publishes, including their own drafts.
    #[default]
    Single,
    /// A second editor must approve (publish) a draft.
    Review,
}

/// `[admin]` configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// How long a console sign-in lasts.
    #[serde(deserialize_with = "super::valid::positive")]
    pub session_hours: u32,
    /// Always mark the session cookie `Secure` (set when serving over HTTPS).
    pub secure_cookies: bool,
    /// Failed sign-ins allowed per account name and per client address...
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_login_failures: u32,
    /// ...within this many minutes (then 429 until the oldest failure is that old).
    #[serde(deserialize_with = "super::valid::positive")]
    pub login_window_mins: u32,
    /// Who may publish a draft: `single` (any editor) or `review` (a second editor approves).
    pub publish_policy: PublishPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_hours: 12,
            secure_cookies: false,
            max_login_failures: 5,
            login_window_mins: 15,
            publish_policy: PublishPolicy::Single,
        }
    }
}
