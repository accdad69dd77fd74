//! Reading a text frame as a client message: bad JSON, unknown types and
//! invalid fields told apart, never a panic.

use crate::api_error::{Code, ErrorCode};

/// Why a frame could not be read as a message.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// Not JSON, or not an object with a string `type`.
    #[error("消息不是有效的 JSON 对象（需要 {{\"type\": …}}）：{0}")]
    BadJson(String),
    /// A `type` this endpoint does not know.
    #[error("未知的消息类型「{0}」，请参阅 docs/protocol.md")]
    UnknownType(String),
    /// The right type with wrong fields.
    #[error("消息字段有误：{0}")]
    Invalid(String),
    /// A binary frame.
    #[error("只接受文本帧（JSON），不接受二进制帧")]
    Binary,
    /// A frame over the configured limit.
    #[error("消息过大（上限 {0} 字节），请缩短后重发")]
    TooLarge(usize),
    /// Too many messages per second.
    #[error("发送太频繁，请稍后再试")]
    RateLimited,
    /// Anything before `hello`.
    #[error("请先发送 hello 消息")]
    HelloRequired,
    /// No `hello` within `limits.hello_secs` (the socket is then closed).
    #[error("{}", crate::chat::wording::HELLO_TIMEOUT)]
    HelloTimeout,
    /// Nothing from the client within `limits.idle_secs` (the socket is then closed).
    #[error("{}", crate::chat::wording::IDLE_TIMEOUT)]
    IdleTimeout,
}

impl ErrorCode for FrameError {
    fn code(&self) -> Code {
        match self {
            FrameError::BadJson(_) => Code::BadJson,
            FrameError::UnknownType(_) => Code::UnknownType,
            FrameError::Invalid(_) => Code::InvalidMessage,
            FrameError::Binary => Code::BinaryNotSupported,
            FrameError::TooLarge(_) => Code::FrameTooLarge,
            FrameError::RateLimited => Code::RateLimited,
            FrameError::HelloRequired => Code::HelloRequired,
            FrameError::HelloTimeout => Code::HelloTimeout,
            FrameError::IdleTimeout => Code::IdleTimeout,
        }
    }
}

/// Client message types of `/ws/chat`.
pub const CHAT_TYPES: [&str; 11] = [
    "hello",
    "ask",
    "choose",
    "feedback",
    "request_human",
    "cancel_human",
    "leave_message",
    "ack_ticket",
    "rate",
    "open_entry",
    "ping",
];

/// Client message types of `/ws/agent`.
pub const AGENT_TYPES: [&str; 10] =
    ["hello", "status", "accept", "send", "transfer", "close", "answer_ticket", "list_tickets", "list_agents", "ping"];

/// Decodes a text frame into `T`, telling bad JSON, unknown types and
/// invalid fields apart. Never panics.
pub fn decode<T: serde::de::DeserializeOwned>(text: &str, known: &[&str]) -> Result<T, FrameError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| FrameError::BadJson(e.to_string()))?;
    let Some(kind) = value.get("type").and_then(|t| t.as_str()) else {
        return Err(FrameError::BadJson("缺少字符串字段 type".into()));
    };
    if !known.contains(&kind) {
        let mut shown: String = kind.chars().take(40).collect();
        if kind.chars().count() > 40 {
            shown.push('…');
        }
        return Err(FrameError::UnknownType(shown));
    }
    serde_json::from_value(value).map_err(|e| FrameError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::web::protocol::{AgentClientMsg, ClientMsg};
    use proptest::prelude::*;

    #[test]
    fn decoding_tells_errors_apart() {
        let ok: ClientMsg = decode(r#"{"type":"ask","text":"你好"}"#, &CHAT_TYPES).expect("ask");
        assert!(matches!(ok, ClientMsg::Ask { .. }));
        let e = decode::<ClientMsg>("{", &CHAT_TYPES).expect_err("bad");
        assert_eq!(e.code(), Code::BadJson);
        let e = decode::<ClientMsg>(r#"{"type":"dance"}"#, &CHAT_TYPES).expect_err("unknown");
        assert_eq!(e.code(), Code::UnknownType);
        let e = decode::<ClientMsg>(r#"{"type":"ask"}"#, &CHAT_TYPES).expect_err("invalid");
        assert_eq!(e.code(), Code::InvalidMessage);
        let p: ClientMsg = decode(r#"{"type":"request_human"}"#, &CHAT_TYPES).expect("unit");
        assert_eq!(p, ClientMsg::RequestHuman);
    }

    proptest! {
        #[test]
        fn decoding_never_panics(text in "\\PC{0,200}") {
            let _ = decode::<ClientMsg>(&text, &CHAT_TYPES);
            let _ = decode::<AgentClientMsg>(&text, &AGENT_TYPES);
        }
    }
}
