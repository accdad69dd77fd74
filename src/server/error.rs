//! HTTP errors: one table from stable codes to statuses; the body is
//! `{"error": {"code": "…", "message": "…"}}` with a Chinese message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::chat::ChatError;

/// An error answered to an HTTP client.
#[derive(Debug)]
pub struct ApiError {
    code: &'static str,
    message: String,
}

/// The status of each code; anything unlisted is a 500.
fn status(code: &str) -> StatusCode {
    match code {
        "bad_json" | "invalid_query" | "empty_text" | "text_too_long" | "invalid_id" | "unknown_choice"
        | "unknown_answer" | "invalid_rating" => StatusCode::BAD_REQUEST,
        "unknown_visitor" | "expired_visitor" | "not_found" => StatusCode::NOT_FOUND,
        "unauthorized" | "bad_credentials" => StatusCode::UNAUTHORIZED,
        "forbidden" | "csrf" | "bad_origin" => StatusCode::FORBIDDEN,
        "too_many_attempts" => StatusCode::TOO_MANY_REQUESTS,
        "weak_password" | "invalid_name" | "invalid_role" => StatusCode::BAD_REQUEST,
        "invalid_entry" | "invalid_import" => StatusCode::BAD_REQUEST,
        "own_draft" => StatusCode::CONFLICT,
        "already_taken" | "not_queued" | "not_assigned" | "at_capacity" | "conflict" | "ticket_answered"
        | "rating_not_allowed" | "target_unavailable" => StatusCode::CONFLICT,
        "overloaded" | "store_unavailable" | "not_ready" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// A body that is not valid JSON for the endpoint.
    pub fn bad_json(e: serde_json::Error) -> Self {
        ApiError { code: "bad_json", message: format!("请求体不是有效的 JSON 或字段有误：{e}") }
    }

    /// Query parameters that do not fit the endpoint.
    pub fn bad_query(detail: String) -> Self {
        ApiError { code: "invalid_query", message: format!("查询参数有误：{detail}") }
    }

    /// Too many connections.
    pub fn overloaded() -> Self {
        ApiError { code: "overloaded", message: "当前咨询人数较多，请稍后再试".into() }
    }

    /// Not ready to serve.
    pub fn not_ready(detail: String) -> Self {
        ApiError { code: "not_ready", message: format!("服务尚未就绪：{detail}") }
    }

    /// An error with a code from the status table and a Chinese message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }

    /// No valid console session.
    pub fn unauthorized() -> Self {
        ApiError { code: "unauthorized", message: "请先登录".into() }
    }

    /// Signed in, but the role does not allow this.
    pub fn forbidden() -> Self {
        ApiError { code: "forbidden", message: "您的账号没有执行此操作的权限".into() }
    }

    /// A state-changing request without the session's CSRF token.
    pub fn csrf() -> Self {
        ApiError {
            code: "csrf", message: "请求缺少有效的安全令牌（CSRF），请刷新页面后重试".into()
        }
    }

    /// Wrong name or password (deliberately not saying which).
    pub fn bad_credentials() -> Self {
        ApiError { code: "bad_credentials", message: "用户名或密码错误".into() }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl From<ChatError> for ApiError {
    fn from(e: ChatError) -> Self {
        ApiError { code: e.code(), message: e.to_string() }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError { code: e.code(), message: e.to_string() }
    }
}

impl From<crate::admin::users::UserError> for ApiError {
    fn from(e: crate::admin::users::UserError) -> Self {
        ApiError { code: e.code(), message: e.to_string() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status(self.code);
        if status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (status, Json(body)).into_response()
    }
}
