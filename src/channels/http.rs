//! The HTTP API for bots bridged to WeChat and other systems:
//! `POST /api/v1/ask` (JSON) and `GET /api/v1/ask/stream` (server-sent
//! events carrying the same frames as the WebSocket protocol).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::web::convert;
use super::web::protocol::{QuestionRef, ServerMsg, SourceRef};
use crate::api_error::{ApiError, Code};
use crate::chat::{Asked, Engine, Reply, Session, SessionCache};
use crate::client::ClientAddr;
use crate::ids::Channel;
use crate::json_body::JsonBody;
use crate::metrics::Metrics;

/// What the HTTP API needs of the application (handed out by the server with `FromRef`).
#[derive(Clone)]
pub struct HttpState {
    /// The conversation engine.
    pub engine: Arc<Engine>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Follow-up context of HTTP API users.
    pub api_sessions: Arc<SessionCache>,
    /// Questions per second per address.
    pub limits: Arc<crate::client::ClientLimits>,
    /// API keys.
    pub store: Arc<dyn crate::store::Store>,
    /// Whether requests without an API key are served (`api.allow_anonymous`).
    pub allow_anonymous: bool,
}

/// `POST /api/v1/ask` body, and `GET /api/v1/ask/stream` query.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AskRequest {
    /// The caller's id for the end user; the conversation continues per id.
    pub user_id: String,
    /// The question (or a message for the agent serving the user).
    #[serde(default)]
    pub text: Option<String>,
    /// Instead of `text`: an entry id offered by an earlier `clarify`.
    #[serde(default)]
    pub choose: Option<String>,
    /// The API key, for the SSE route only (`EventSource` cannot set headers);
    /// otherwise send `Authorization: Bearer tbk_…`.
    #[serde(default, skip_serializing)]
    pub api_key: Option<String>,
}

/// `POST /api/v1/ask` response.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AskResponse {
    /// Conversation id.
    pub session_id: String,
    /// Stored id of the user's message.
    pub message_id: i64,
    /// `answer`, `clarify`, `no_match`, `out_of_scope`, `text`, `handoff` or `relayed`.
    pub decision: String,
    /// Answers: the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    /// Answers: the stored answer id (for feedback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_id: Option<i64>,
    /// Answers: the entry's question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Answers: the Markdown answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Answers: the matcher's confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// Answers: cited policy documents.
    #[serde(default)]
    pub sources: Vec<SourceRef>,
    /// Clarifications: the candidates (send one back as `choose`).
    #[serde(default)]
    pub candidates: Vec<QuestionRef>,
    /// Answers: related questions.
    #[serde(default)]
    pub related: Vec<QuestionRef>,
    /// Prompt or short reply for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Handoff status (`queue` or `handoff.offline` frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<ServerMsg>,
}

/// The user id as stored: scoped to the caller's API key (`k<key number>/<user_id>`),
/// so one integration cannot speak as another's users, and a pseudonym when it
/// holds a personal number (a bridged bot may use an ID card or phone number).
async fn scoped_user(state: &HttpState, headers: &HeaderMap, req: &AskRequest) -> Result<String, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
        .or(req.api_key.as_deref());
    let scoped = match bearer {
        Some(raw) => {
            let key = crate::admin::api_keys::verify(&*state.store, raw).await?;
            format!("k{}/{}", key.id, req.user_id)
        }
        None if !state.allow_anonymous => {
            return Err(ApiError::new(Code::ApiKeyRequired, "需要 API 密钥：请求头 Authorization: Bearer tbk_…"));
        }
        None if looks_keyed(&req.user_id) => {
            return Err(ApiError::new(Code::InvalidId, "匿名请求的用户编号不能以「k数字/」开头"));
        }
        None => req.user_id.clone(),
    };
    Ok(crate::text::pseudonym(&scoped, 128))
}

/// `k12/…`: the form of a keyed user id, which anonymous callers may not borrow.
fn looks_keyed(user_id: &str) -> bool {
    user_id
        .strip_prefix('k')
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(digits, _)| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

async fn run(
    state: &HttpState,
    client: ClientAddr,
    headers: &HeaderMap,
    req: &AskRequest,
) -> Result<(Session, Asked), ApiError> {
    if !state.limits.allow(&format!("ip:{}", client.ip)) {
        return Err(ApiError::new(Code::RateLimited, "提问过于频繁，请稍后再试"));
    }
    let engine = &state.engine;
    crate::ids::VisitorKey::api(&req.user_id).map_err(crate::chat::ChatError::from)?;
    let user_id = scoped_user(state, headers, req).await?;
    let key = crate::ids::VisitorKey::api(&user_id).map_err(crate::chat::ChatError::from)?;
    let mut session = match state.api_sessions.take(&key) {
        Some(s) => s,
        None => engine.open_api(&user_id).await?,
    };
    state.metrics.message(Channel::Http);
    let asked = match (&req.choose, &req.text) {
        (Some(entry), _) => engine.choose(&mut session, entry).await,
        (None, Some(text)) => engine.ask(&mut session, text).await,
        (None, None) => Err(crate::chat::ChatError::EmptyText),
    };
    if let Ok(a) = &asked {
        state.metrics.decision(a.reply.decision(), Channel::Http);
    }
    state.api_sessions.put(session.clone());
    Ok((session, asked?))
}

fn response(session: &Session, asked: Asked) -> AskResponse {
    let mut r =
        AskResponse { session_id: session.id.to_string(), message_id: asked.message_id, ..AskResponse::default() };
    match asked.reply {
        Reply::Answer(a) => {
            r.decision = "answer".into();
            r.entry_id = Some(a.entry.id.to_string());
            r.answer_id = Some(a.answer_id);
            r.question = Some(a.entry.question.clone());
            r.answer = Some(a.entry.answer.clone());
            r.confidence = Some(a.confidence);
            if let ServerMsg::AnswerEnd { sources, .. } = convert::answer_end(&a) {
                r.sources = sources;
            }
            r.related = convert::questions(&a.related);
        }
        Reply::Clarify { text, candidates, .. } => {
            r.decision = "clarify".into();
            r.text = Some(text);
            r.candidates = convert::questions(&candidates);
        }
        Reply::NoMatch { text, .. } => {
            r.decision = "no_match".into();
            r.text = Some(text);
        }
        Reply::OutOfScope { text, .. } => {
            r.decision = "out_of_scope".into();
            r.text = Some(text);
        }
        Reply::Text { text, .. } => {
            r.decision = "text".into();
            r.text = Some(text);
        }
        Reply::Relayed => r.decision = "relayed".into(),
        Reply::Handoff(s) => {
            r.decision = "handoff".into();
            r.handoff = Some(convert::handoff(&s));
        }
    }
    r
}

/// `POST /api/v1/ask`.
pub async fn ask(
    State(state): State<HttpState>,
    client: ClientAddr,
    headers: HeaderMap,
    JsonBody(req): JsonBody<AskRequest>,
) -> Result<Json<AskResponse>, ApiError> {
    let (session, asked) = run(&state, client, &headers, &req).await?;
    Ok(Json(response(&session, asked)))
}

/// The frames of a reply, each with whether to pause before it.
fn frames(asked: Asked) -> Vec<(ServerMsg, bool)> {
    let ack = ServerMsg::Ack { reference: None, message_id: Some(asked.message_id) };
    let mut out = vec![(ack, false)];
    match asked.reply {
        Reply::Answer(a) => {
            out.push((convert::answer_start(&a), false));
            for (i, chunk) in a.chunks.iter().enumerate() {
                let delta = ServerMsg::AnswerDelta { answer_id: a.answer_id, text: chunk.clone() };
                out.push((delta, i > 0));
            }
            out.push((convert::answer_end(&a), false));
        }
        Reply::Clarify { message_id, text, candidates } => {
            out.push((ServerMsg::Clarify { message_id, text, candidates: convert::questions(&candidates) }, false))
        }
        Reply::NoMatch { message_id, text } => {
            out.push((ServerMsg::NoMatch { message_id, text, offer_human: true }, false))
        }
        Reply::OutOfScope { message_id, text } => out.push((ServerMsg::OutOfScope { message_id, text }, false)),
        Reply::Text { message_id, text } => out.push((ServerMsg::Text { message_id, text }, false)),
        Reply::Handoff(s) => out.push((convert::handoff(&s), false)),
        Reply::Relayed => {}
    }
    out
}

fn event(msg: &ServerMsg) -> Event {
    let json = serde_json::to_value(msg).unwrap_or_default();
    let kind = json.get("type").and_then(|t| t.as_str()).unwrap_or("message");
    Event::default().event(kind).data(json.to_string())
}

/// `GET /api/v1/ask/stream?user_id=…&text=…`: the reply as server-sent
/// events named like the WebSocket frames, paced like the widget's stream.
pub async fn ask_stream(
    State(state): State<HttpState>,
    client: ClientAddr,
    headers: HeaderMap,
    query: Result<Query<AskRequest>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Query(req) = match query {
        Ok(q) => q,
        Err(e) => return ApiError::bad_query(e.body_text()).into_response(),
    };
    let asked = match run(&state, client, &headers, &req).await {
        Ok((_, asked)) => asked,
        Err(e) => return e.into_response(),
    };
    let delay = Duration::from_millis(state.engine.settings().stream_delay_ms);
    let stream = futures_util::stream::iter(frames(asked)).then(move |(msg, pause)| async move {
        if pause && !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok::<_, Infallible>(event(&msg))
    });
    Sse::new(stream).into_response()
}
