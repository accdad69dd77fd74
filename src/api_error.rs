//! Errors as clients see them: one [`Code`] enum (the stable code, its HTTP
//! status and its metric label), the [`ErrorCode`] trait that every module
//! error implements, and [`ApiError`], the `{"error": {"code", "message"}}`
//! body. A leaf: it uses no other module of the crate, and any module may use it.

use std::fmt;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Declares [`Code`] once: each variant with its stable text, from which the
/// enum, [`Code::as_str`] and [`Code::ALL`] are generated.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)*) => {
        /// Every stable error code a client can receive, over HTTP, WebSocket frames
        /// or the WeChat bridge. Serialised as its text; listed in `docs/api.md`
        /// and `docs/protocol.md`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Code {
            $($(#[$doc])* #[serde(rename = $text)] $variant,)*
        }

        impl Code {
            /// Every code.
            pub const ALL: &[Code] = &[$(Code::$variant),*];

            /// The code as sent to clients.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    // Malformed requests and frames.
    /// Not valid JSON, or not the fields the endpoint expects.
    BadJson => "bad_json",
    /// Query parameters that do not fit the endpoint.
    InvalidQuery => "invalid_query",
    /// A WebSocket `type` the endpoint does not know.
    UnknownType => "unknown_type",
    /// A WebSocket message of a known type with wrong fields.
    InvalidMessage => "invalid_message",
    /// A binary WebSocket frame.
    BinaryNotSupported => "binary_not_supported",
    /// A WebSocket frame over the limit.
    FrameTooLarge => "frame_too_large",
    /// Too many messages per second.
    RateLimited => "rate_limited",
    /// A WebSocket message before `hello`.
    HelloRequired => "hello_required",
    /// No `hello` within `limits.hello_secs` of connecting.
    HelloTimeout => "hello_timeout",
    /// Nothing from the client within `limits.idle_secs`.
    IdleTimeout => "idle_timeout",
    /// Too many open connections from one address.
    TooManyConnections => "too_many_connections",
    /// Too many 留言 tickets from one visitor or address today.
    TooManyTickets => "too_many_tickets",
    // Conversation.
    /// An empty question or message.
    EmptyText => "empty_text",
    /// A question or message over the length limit.
    TextTooLong => "text_too_long",
    /// A visitor token the store does not know.
    UnknownVisitor => "unknown_visitor",
    /// A visitor token whose conversation expired.
    ExpiredVisitor => "expired_visitor",
    /// A malformed id.
    InvalidId => "invalid_id",
    /// Feedback on an answer that does not exist.
    UnknownAnswer => "unknown_answer",
    /// A choice that was not offered.
    UnknownChoice => "unknown_choice",
    /// Stars outside 1-5.
    InvalidRating => "invalid_rating",
    /// The matcher failed.
    SearchFailed => "search_failed",
    // Handoff.
    /// The conversation was taken by another agent.
    AlreadyTaken => "already_taken",
    /// The conversation is not waiting in the queue.
    NotQueued => "not_queued",
    /// The conversation is not served by this agent.
    NotAssigned => "not_assigned",
    /// The agent serves the maximum number of conversations.
    AtCapacity => "at_capacity",
    /// The transfer target is unknown, offline or full.
    TargetUnavailable => "target_unavailable",
    /// No such 留言 ticket.
    UnknownTicket => "unknown_ticket",
    /// The ticket was answered already.
    TicketAnswered => "ticket_answered",
    /// There is nothing to rate.
    RatingNotAllowed => "rating_not_allowed",
    // Console accounts and sign-in.
    /// No valid console session.
    Unauthorized => "unauthorized",
    /// Wrong name or password.
    BadCredentials => "bad_credentials",
    /// The role does not allow this.
    Forbidden => "forbidden",
    /// A state-changing request without the CSRF token.
    Csrf => "csrf",
    /// A request from a foreign origin.
    BadOrigin => "bad_origin",
    /// Too many failed sign-ins.
    TooManyAttempts => "too_many_attempts",
    /// The HTTP API needs an API key (`api.allow_anonymous = false`).
    ApiKeyRequired => "api_key_required",
    /// An unknown or revoked API key.
    InvalidApiKey => "invalid_api_key",
    /// A password below the minimum length.
    WeakPassword => "weak_password",
    /// An invalid user name.
    InvalidName => "invalid_name",
    /// An unknown role.
    InvalidRole => "invalid_role",
    // Agent desk.
    /// A canned reply's title, text or team does not fit.
    InvalidCannedReply => "invalid_canned_reply",
    // Knowledge.
    /// An entry that does not validate.
    InvalidEntry => "invalid_entry",
    /// An import that does not validate.
    InvalidImport => "invalid_import",
    /// An imported file over one of the `[import]` bounds.
    ImportTooLarge => "import_too_large",
    /// Publishing one's own draft under the review policy.
    OwnDraft => "own_draft",
    /// The knowledge base could not be read or indexed.
    KnowledgeUnavailable => "knowledge_unavailable",
    // Generic.
    /// The record does not exist.
    NotFound => "not_found",
    /// The change conflicts with the stored state.
    Conflict => "conflict",
    /// Too many connections.
    Overloaded => "overloaded",
    /// The store failed.
    StoreUnavailable => "store_unavailable",
    /// The server is not ready (starting or shutting down).
    NotReady => "not_ready",
    /// Anything else that failed on the server.
    Internal => "internal",
    // WeChat customer-service API (shown to agents, logged).
    /// No AppSecret configured.
    WechatNotConfigured => "wechat_not_configured",
    /// The user's 48-hour reply window has passed.
    WechatReplyWindowPassed => "wechat_reply_window_passed",
    /// WeChat answered with an error.
    WechatApiError => "wechat_api_error",
    /// WeChat could not be reached.
    WechatUnreachable => "wechat_unreachable",
}

impl Code {
    /// The HTTP status of a response carrying this code.
    pub fn status(self) -> StatusCode {
        use Code::*;
        match self {
            BadJson | InvalidQuery | UnknownType | InvalidMessage | BinaryNotSupported | FrameTooLarge
            | HelloRequired | EmptyText | TextTooLong | InvalidId | UnknownAnswer | UnknownChoice | InvalidRating
            | WeakPassword | InvalidName | InvalidRole | InvalidCannedReply | InvalidEntry | InvalidImport => {
                StatusCode::BAD_REQUEST
            }
            UnknownVisitor | ExpiredVisitor | NotFound | UnknownTicket => StatusCode::NOT_FOUND,
            ImportTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Unauthorized | BadCredentials | ApiKeyRequired | InvalidApiKey => StatusCode::UNAUTHORIZED,
            Forbidden | Csrf | BadOrigin => StatusCode::FORBIDDEN,
            TooManyAttempts | RateLimited | TooManyConnections | TooManyTickets => StatusCode::TOO_MANY_REQUESTS,
            HelloTimeout | IdleTimeout => StatusCode::REQUEST_TIMEOUT,
            OwnDraft | AlreadyTaken | NotQueued | NotAssigned | AtCapacity | Conflict | TicketAnswered
            | RatingNotAllowed | TargetUnavailable => StatusCode::CONFLICT,
            Overloaded | StoreUnavailable | NotReady => StatusCode::SERVICE_UNAVAILABLE,
            WechatReplyWindowPassed => StatusCode::CONFLICT,
            SearchFailed | KnowledgeUnavailable | Internal | WechatNotConfigured | WechatApiError
            | WechatUnreachable => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `code` label of `taxbot_errors_total` (the codes are a fixed set,
    /// so the label's cardinality is bounded).
    pub fn metric_label(self) -> &'static str {
        self.as_str()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A module error that clients may see: its stable code; its `Display` is the
/// Chinese message a user can act on.
pub trait ErrorCode: fmt::Display {
    /// The stable code.
    fn code(&self) -> Code;
}

/// An error answered to an HTTP client.
#[derive(Debug)]
pub struct ApiError {
    code: Code,
    message: String,
}

impl ApiError {
    /// An error with a code and a Chinese message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }

    /// A body that is not valid JSON for the endpoint.
    pub fn bad_json(detail: impl fmt::Display) -> Self {
        ApiError::new(Code::BadJson, format!("请求体不是有效的 JSON 或字段有误：{detail}"))
    }

    /// Query parameters that do not fit the endpoint.
    pub fn bad_query(detail: impl fmt::Display) -> Self {
        ApiError::new(Code::InvalidQuery, format!("查询参数有误：{detail}"))
    }

    /// Too many connections.
    pub fn overloaded() -> Self {
        ApiError::new(Code::Overloaded, "当前咨询人数较多，请稍后再试")
    }

    /// Not ready to serve.
    pub fn not_ready(detail: impl fmt::Display) -> Self {
        ApiError::new(Code::NotReady, format!("服务尚未就绪：{detail}"))
    }

    /// No valid console session.
    pub fn unauthorized() -> Self {
        ApiError::new(Code::Unauthorized, "请先登录")
    }

    /// Signed in, but the role does not allow this.
    pub fn forbidden() -> Self {
        ApiError::new(Code::Forbidden, "您的账号没有执行此操作的权限")
    }

    /// A state-changing request without the session's CSRF token.
    pub fn csrf() -> Self {
        ApiError::new(Code::Csrf, "请求缺少有效的安全令牌（CSRF），请刷新页面后重试")
    }

    /// Wrong name or password (deliberately not saying which).
    pub fn bad_credentials() -> Self {
        ApiError::new(Code::BadCredentials, "用户名或密码错误")
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The message for people.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Every module error converts the same way: its code and its message.
impl<E: ErrorCode> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError { code: e.code(), message: e.to_string() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        if status.is_server_error()
            && let Some(suppressed) = error_log::admit(self.code)
        {
            tracing::error!(code = %self.code, message = %self.message, suppressed, "request failed");
        }
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        let mut response = (status, Json(body)).into_response();
        // For the request middleware, which counts errors by code.
        response.extensions_mut().insert(self.code);
        response
    }
}

/// Rate limit of repeated error lines: during an outage every request fails
/// the same way, and one line per request buries the log.
pub mod error_log {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    use super::Code;

    /// At most one line per code in this window.
    const WINDOW: Duration = Duration::from_secs(10);

    static SEEN: Mutex<Option<HashMap<Code, (Instant, u64)>>> = Mutex::new(None);

    /// Whether an error with `code` is logged now; `Some(n)` with the number
    /// of lines of this code left out since the last one logged.
    pub fn admit(code: Code) -> Option<u64> {
        admit_at(code, Instant::now())
    }

    fn admit_at(code: Code, now: Instant) -> Option<u64> {
        let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
        let seen = seen.get_or_insert_with(HashMap::new);
        match seen.get_mut(&code) {
            Some((last, left_out)) if now.duration_since(*last) < WINDOW => {
                *left_out += 1;
                None
            }
            Some((last, left_out)) => {
                *last = now;
                Some(std::mem::take(left_out))
            }
            None => {
                seen.insert(code, (now, 0));
                Some(0)
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn one_line_per_code_per_window_with_the_count_left_out() {
            let t = Instant::now();
            assert_eq!(admit_at(Code::SearchFailed, t), Some(0));
            for i in 1..=700 {
                assert_eq!(admit_at(Code::SearchFailed, t + Duration::from_millis(i)), None);
            }
            assert_eq!(admit_at(Code::WechatUnreachable, t), Some(0), "another code has its own window");
            assert_eq!(admit_at(Code::SearchFailed, t + WINDOW + Duration::from_millis(1)), Some(700));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_stable_text_and_are_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for &code in Code::ALL {
            assert_eq!(serde_json::to_value(code).expect("serialise"), serde_json::json!(code.as_str()));
            assert!(seen.insert(code.as_str()), "{code} listed twice");
        }
    }

    #[test]
    fn client_mistakes_are_4xx_and_server_faults_5xx() {
        assert_eq!(Code::BadJson.status(), StatusCode::BAD_REQUEST);
        assert_eq!(Code::Unauthorized.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(Code::StoreUnavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(Code::ALL.iter().filter(|c| c.status().is_server_error()).all(|c| matches!(
            c,
            Code::SearchFailed
                | Code::Internal
                | Code::Overloaded
                | Code::StoreUnavailable
                | Code::NotReady
                | Code::KnowledgeUnavailable
                | Code::WechatNotConfigured
                | Code::WechatApiError
                | Code::WechatUnreachable
        )));
    }
}
