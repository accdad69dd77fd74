//! Errors as clients see them: one [`Code`] enum (the stable code, its HTTP
//! status and its metric label), the [`ErrorCode`] trait that every module
//! error implements, and [`ApiError`], the `{"error": {"code", "message"}}`
//! body. A leaf: it uses no other module of the crate, and any module may use it.

use std::fmt;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Every stable error code a client can receive, over HTTP, WebSocket frames
/// or the WeChat bridge. Serialised in `snake_case`; listed in `docs/api.md`
/// and `docs/protocol.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    // Malformed requests and frames.
    /// Not valid JSON, or not the fields the endpoint expects.
    BadJson,
    /// Query parameters that do not fit the endpoint.
    InvalidQuery,
    /// A WebSocket `type` the endpoint does not know.
    UnknownType,
    /// A WebSocket message of a known type with wrong fields.
    InvalidMessage,
    /// A binary WebSocket frame.
    BinaryNotSupported,
    /// A WebSocket frame over the limit.
    FrameTooLarge,
    /// Too many messages per second.
    RateLimited,
    /// A WebSocket message before `hello`.
    HelloRequired,
    // Conversation.
    /// An empty question or message.
    EmptyText,
    /// A question or message over the length limit.
    TextTooLong,
    /// A visitor token the store does not know.
    UnknownVisitor,
    /// A visitor token whose conversation expired.
    ExpiredVisitor,
    /// A malformed id.
    InvalidId,
    /// Feedback on an answer that does not exist.
    UnknownAnswer,
    /// A choice that was not offered.
    UnknownChoice,
    /// Stars outside 1-5.
    InvalidRating,
    /// The matcher failed.
    SearchFailed,
    // Handoff.
    /// The conversation was taken by another agent.
    AlreadyTaken,
    /// The conversation is not waiting in the queue.
    NotQueued,
    /// The conversation is not served by this agent.
    NotAssigned,
    /// The agent serves the maximum number of conversations.
    AtCapacity,
    /// The transfer target is unknown, offline or full.
    TargetUnavailable,
    /// No such 留言 ticket.
    UnknownTicket,
    /// The ticket was answered already.
    TicketAnswered,
    /// There is nothing to rate.
    RatingNotAllowed,
    // Console accounts and sign-in.
    /// No valid console session.
    Unauthorized,
    /// Wrong name or password.
    BadCredentials,
    /// The role does not allow this.
    Forbidden,
    /// A state-changing request without the CSRF token.
    Csrf,
    /// A request from a foreign origin.
    BadOrigin,
    /// Too many failed sign-ins.
    TooManyAttempts,
    /// A password below the minimum length.
    WeakPassword,
    /// An invalid user name.
    InvalidName,
    /// An unknown role.
    InvalidRole,
    // Knowledge.
    /// An entry that does not validate.
    InvalidEntry,
    /// An import that does not validate.
    InvalidImport,
    /// Publishing one's own draft under the review policy.
    OwnDraft,
    /// The knowledge base could not be read or indexed.
    KnowledgeUnavailable,
    // Generic.
    /// The record does not exist.
    NotFound,
    /// The change conflicts with the stored state.
    Conflict,
    /// Too many connections.
    Overloaded,
    /// The store failed.
    StoreUnavailable,
    /// The server is not ready (starting or shutting down).
    NotReady,
    /// Anything else that failed on the server.
    Internal,
    // WeChat customer-service API (shown to agents, logged).
    /// No AppSecret configured.
    WechatNotConfigured,
    /// The user's 48-hour reply window has passed.
    WechatReplyWindowPassed,
    /// WeChat answered with an error.
    WechatApiError,
    /// WeChat could not be reached.
    WechatUnreachable,
}

impl Code {
    /// The code as sent to clients.
    pub fn as_str(self) -> &'static str {
        use Code::*;
        match self {
            BadJson => "bad_json",
            InvalidQuery => "invalid_query",
            UnknownType => "unknown_type",
            InvalidMessage => "invalid_message",
            BinaryNotSupported => "binary_not_supported",
            FrameTooLarge => "frame_too_large",
            RateLimited => "rate_limited",
            HelloRequired => "hello_required",
            EmptyText => "empty_text",
            TextTooLong => "text_too_long",
            UnknownVisitor => "unknown_visitor",
            ExpiredVisitor => "expired_visitor",
            InvalidId => "invalid_id",
            UnknownAnswer => "unknown_answer",
            UnknownChoice => "unknown_choice",
            InvalidRating => "invalid_rating",
            SearchFailed => "search_failed",
            AlreadyTaken => "already_taken",
            NotQueued => "not_queued",
            NotAssigned => "not_assigned",
            AtCapacity => "at_capacity",
            TargetUnavailable => "target_unavailable",
            UnknownTicket => "unknown_ticket",
            TicketAnswered => "ticket_answered",
            RatingNotAllowed => "rating_not_allowed",
            Unauthorized => "unauthorized",
            BadCredentials => "bad_credentials",
            Forbidden => "forbidden",
            Csrf => "csrf",
            BadOrigin => "bad_origin",
            TooManyAttempts => "too_many_attempts",
            WeakPassword => "weak_password",
            InvalidName => "invalid_name",
            InvalidRole => "invalid_role",
            InvalidEntry => "invalid_entry",
            InvalidImport => "invalid_import",
            OwnDraft => "own_draft",
            KnowledgeUnavailable => "knowledge_unavailable",
            NotFound => "not_found",
            Conflict => "conflict",
            Overloaded => "overloaded",
            StoreUnavailable => "store_unavailable",
            NotReady => "not_ready",
            Internal => "internal",
            WechatNotConfigured => "wechat_not_configured",
            WechatReplyWindowPassed => "wechat_reply_window_passed",
            WechatApiError => "wechat_api_error",
            WechatUnreachable => "wechat_unreachable",
        }
    }

    /// The HTTP status of a response carrying this code.
    pub fn status(self) -> StatusCode {
        use Code::*;
        match self {
            BadJson | InvalidQuery | UnknownType | InvalidMessage | BinaryNotSupported | FrameTooLarge
            | HelloRequired | EmptyText | TextTooLong | InvalidId | UnknownAnswer | UnknownChoice | InvalidRating
            | WeakPassword | InvalidName | InvalidRole | InvalidEntry | InvalidImport => StatusCode::BAD_REQUEST,
            UnknownVisitor | ExpiredVisitor | NotFound | UnknownTicket => StatusCode::NOT_FOUND,
            Unauthorized | BadCredentials => StatusCode::UNAUTHORIZED,
            Forbidden | Csrf | BadOrigin => StatusCode::FORBIDDEN,
            TooManyAttempts | RateLimited => StatusCode::TOO_MANY_REQUESTS,
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

    /// Every code, for documentation checks and metrics.
    pub const ALL: [Code; 48] = {
        use Code::*;
        [
            BadJson,
            InvalidQuery,
            UnknownType,
            InvalidMessage,
            BinaryNotSupported,
            FrameTooLarge,
            RateLimited,
            HelloRequired,
            EmptyText,
            TextTooLong,
            UnknownVisitor,
            ExpiredVisitor,
            InvalidId,
            UnknownAnswer,
            UnknownChoice,
            InvalidRating,
            SearchFailed,
            AlreadyTaken,
            NotQueued,
            NotAssigned,
            AtCapacity,
            TargetUnavailable,
            UnknownTicket,
            TicketAnswered,
            RatingNotAllowed,
            Unauthorized,
            BadCredentials,
            Forbidden,
            Csrf,
            BadOrigin,
            TooManyAttempts,
            WeakPassword,
            InvalidName,
            InvalidRole,
            InvalidEntry,
            InvalidImport,
            OwnDraft,
            KnowledgeUnavailable,
            NotFound,
            Conflict,
            Overloaded,
            StoreUnavailable,
            NotReady,
            Internal,
            WechatNotConfigured,
            WechatReplyWindowPassed,
            WechatApiError,
            WechatUnreachable,
        ]
    };
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
        if status.is_server_error() {
            tracing::error!(code = %self.code, message = %self.message, "request failed");
        }
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_stable_text_and_are_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
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
