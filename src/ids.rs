//! Identifiers and small tags shared by every layer: conversations, visitors,
//! tickets, the channel a conversation came through, and the kinds and states
//! of stored knowledge versions. Parsed once at the boundary. A leaf: it uses no
//! other module of the crate.

use std::fmt;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{value}」不是有效的{what}")]
pub struct InvalidIdentifier {
    what: &'static str,
    value: String,
}

/// A conversation (session) id: a UUID chosen by the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(String);

impl SessionId {
    /// A fresh random id.
    pub fn generate() -> Self {
        SessionId(uuid::Uuid::new_v4().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SessionId {
    type Error = InvalidIdentifier;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        match uuid::Uuid::parse_str(&value) {
            Ok(u) => Ok(SessionId(u.to_string())),
            Err(_) => Err(InvalidIdentifier { what: "会话编号", value: truncated(value) }),
        }
    }
}

/// The secret a browser keeps to resume its conversation: 32 hex digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VisitorToken(String);

impl VisitorToken {
    /// A fresh random token.
    pub fn generate() -> Self {
        VisitorToken(uuid::Uuid::new_v4().simple().to_string())
    }

    /// The token as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tokens are secrets: never print them whole.
impl fmt::Debug for VisitorToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VisitorToken({}…)", &self.0[..6.min(self.0.len())])
    }
}

impl TryFrom<String> for VisitorToken {
    type Error = InvalidIdentifier;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(VisitorToken(value.to_ascii_lowercase()))
        } else {
            Err(InvalidIdentifier { what: "访客令牌", value: truncated(value) })
        }
    }
}

/// Who a conversation belongs to, as the store keys it: a web visitor token or
/// an HTTP caller's user id (prefixed so the two can never collide).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VisitorKey(String);

/// Longest user id accepted from HTTP callers.
const MAX_USER_ID: usize = 128;

impl VisitorKey {
    /// The key of a web visitor.
    pub fn web(token: &VisitorToken) -> Self {
        VisitorKey(token.0.clone())
    }

    /// The key of an HTTP API user: 1-128 printable characters.
    pub fn api(user_id: &str) -> Result<Self, InvalidIdentifier> {
        let ok =
            !user_id.is_empty() && user_id.chars().count() <= MAX_USER_ID && !user_id.chars().any(char::is_control);
        if ok {
            Ok(VisitorKey(format!("api:{user_id}")))
        } else {
            Err(InvalidIdentifier {
                what: "用户编号（1-128 个可见字符）", value: truncated(user_id.to_owned())
            })
        }
    }

    /// Rebuilds a key read back from the store.
    pub fn from_stored(key: String) -> Self {
        VisitorKey(key)
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 留言 ticket id, as the store numbers them.
pub type TicketId = i64;

/// Declares a tag enum stored and shown as fixed lower-case words: the enum,
/// `ALL`, `as_str`, `parse` (naming `what` in the error), `Display` and a
/// serde form equal to the tag.
macro_rules! tags {
    (
        $(#[$meta:meta])*
        $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident => $tag:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $tag)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The tag as stored.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $tag,)+
                }
            }

            /// The value of a stored tag.
            pub fn parse(tag: &str) -> Result<Self, InvalidIdentifier> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|k| k.as_str() == tag)
                    .ok_or_else(|| InvalidIdentifier { what: $what, value: truncated(tag.to_owned()) })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

tags! {
    /// The channel a conversation came through (stored, and a metric label).
    /// The engine knows no more of a channel than this tag.
    Channel("渠道") {
        /// The widget over `/ws/chat`.
        Web => "web",
        /// The HTTP API (`/api/v1/ask…`).
        Http => "http",
        /// A WeChat Official Account.
        Wechat => "wechat",
    }
}

tags! {
    /// What a stored knowledge version holds.
    KnowledgeKind("知识版本类型") {
        /// One FAQ entry (keyed by its id).
        Entry => "entry",
        /// The synonym groups (keyed `-`).
        Synonyms => "synonyms",
        /// The tax dictionary (keyed `-`).
        Dictionary => "dictionary",
        /// The stopwords (keyed `-`).
        Stopwords => "stopwords",
    }
}

tags! {
    /// Where a stored knowledge version is in its life.
    VersionState("知识版本状态") {
        /// Saved by an editor, not live.
        Draft => "draft",
        /// Live: the one the bot answers with.
        Published => "published",
        /// Was published, replaced by a newer version.
        Superseded => "superseded",
        /// A draft thrown away.
        Discarded => "discarded",
    }
}

fn truncated(mut value: String) -> String {
    if let Some((i, _)) = value.char_indices().nth(40) {
        value.truncate(i);
        value.push('…');
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_junk() {
        let t = VisitorToken::generate();
        assert_eq!(VisitorToken::try_from(t.as_str().to_owned()).expect("valid"), t);
        assert!(VisitorToken::try_from("abc".to_owned()).is_err());
        assert!(SessionId::try_from("not-a-uuid".to_owned()).is_err());
        assert!(VisitorKey::api("").is_err());
        assert!(VisitorKey::api("u\n1").is_err());
        assert_eq!(VisitorKey::api("u1").expect("valid").as_str(), "api:u1");
        let tags: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(tags, ["web", "http", "wechat"]);
        for &k in KnowledgeKind::ALL {
            assert_eq!(KnowledgeKind::parse(k.as_str()), Ok(k));
            assert_eq!(serde_json::to_value(k).expect("json"), k.as_str());
        }
        for &s in VersionState::ALL {
            assert_eq!(VersionState::parse(s.as_str()), Ok(s));
            assert_eq!(serde_json::to_value(s).expect("json"), s.as_str());
        }
        assert!(KnowledgeKind::parse("recipe").is_err());
        assert!(VersionState::parse("").is_err());
    }
}
