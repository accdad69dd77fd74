//! The bridge between WeChat users and the conversation engine: one session
//! per OpenID (so "2" picks clarification candidate 2), the reply budget with
//! its late push, and agent messages forwarded through the customer-service
//! API within WeChat's 48-hour window.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use super::crypto::Cryptor;
use super::custom_service::{CsError, CustomService};
use super::dedupe::{self, Dedupe};
use super::render::{self, PLEASE_TYPE};
use super::xml::{Content, EventKind, Inbound};
use super::{Account, Mode, Settings, WechatState};
use crate::api_error::ErrorCode;
use crate::chat::{Reply, Session, SessionCache, wording};
use crate::handoff::VisitorEvent;
use crate::ids::{Channel, SessionId, VisitorKey};
use crate::store::{ConversationState, Sender};

/// Messages looked at to find the user's last one (for the 48-hour window).
const WINDOW_LOOKBACK: u32 = 50;

/// Longest OpenID accepted (real ones are 28 characters).
const MAX_OPENID: usize = 128;

/// One configured account, ready to serve.
pub(crate) struct Configured {
    pub cfg: Account,
    pub cryptor: Option<Cryptor>,
    pub cs: Option<Arc<CustomService>>,
}

/// Everything the WeChat channel keeps between callbacks.
pub struct Bridge {
    pub(crate) settings: Settings,
    pub(crate) accounts: Vec<Configured>,
    sessions: SessionCache,
    dedupe: Dedupe,
    /// Conversations whose agent events are being forwarded. A `std` mutex:
    /// held to insert or remove, never across `.await`.
    forwarded: Mutex<HashSet<SessionId>>,
}

impl Bridge {
    /// Checks every account (paths, keys) and builds the bridge.
    pub fn new(settings: &Settings) -> Result<Bridge, String> {
        let mut accounts = Vec::new();
        let mut paths = HashSet::new();
        for a in &settings.accounts {
            if !a.path.starts_with('/') || !paths.insert(a.path.clone()) {
                return Err(format!("公众号 {} 的 path「{}」须以 / 开头且不重复", a.appid, a.path));
            }
            let cryptor = match (&a.encoding_aes_key, a.mode) {
                (Some(k), _) => {
                    Some(Cryptor::new(k.expose(), &a.appid).map_err(|e| format!("公众号 {}：{e}", a.appid))?)
                }
                (None, Mode::Plain) => None,
                (None, _) => {
                    return Err(format!("公众号 {} 在兼容或安全模式下须配置 encoding_aes_key", a.appid));
                }
            };
            let timeout = Duration::from_millis(settings.api_timeout_ms.max(1));
            let cs =
                a.app_secret.as_ref().map(|s| Arc::new(CustomService::new(&a.api_base, &a.appid, s.clone(), timeout)));
            accounts.push(Configured { cfg: a.clone(), cryptor, cs });
        }
        Ok(Bridge {
            settings: settings.clone(),
            accounts,
            sessions: SessionCache::new(settings.sessions),
            dedupe: Dedupe::new(dedupe_window(settings), settings.dedupe_capacity),
            forwarded: Mutex::new(HashSet::new()),
        })
    }

    fn key(&self, acc: usize, openid: &str) -> Option<VisitorKey> {
        let ok = !openid.is_empty() && openid.len() <= MAX_OPENID && !openid.chars().any(char::is_control);
        ok.then(|| VisitorKey::from_stored(format!("wechat:{}:{openid}", self.accounts[acc].cfg.appid)))
    }
}

/// The passive reply to a callback (`None`: answer `success`), computed once
/// per message however often WeChat retries it, and pushed later instead
/// when it takes longer than the budget.
pub(crate) async fn reply(state: &WechatState, acc: usize, m: Inbound) -> Option<String> {
    let bridge = &state.wechat;
    let key = format!("{}:{}", bridge.accounts[acc].cfg.appid, m.dedupe_key());
    let (slot, first) = bridge.dedupe.slot(&key);
    if first {
        let (state2, slot2) = (state.clone(), Arc::clone(&slot));
        state.tracker.spawn(async move {
            let openid = m.from.clone();
            let reply = compute(&state2, acc, m).await;
            if let Some(late) = dedupe::finish(&slot2, reply) {
                push_late(&state2, acc, &openid, &late).await;
            }
        });
    }
    let budget = Duration::from_millis(bridge.settings.reply_budget_ms);
    dedupe::wait(&slot, budget).await.flatten()
}

async fn push_late(state: &WechatState, acc: usize, openid: &str, text: &str) {
    let result = match &state.wechat.accounts[acc].cs {
        Some(cs) => cs.send_text(openid, text).await,
        None => Err(CsError::NotConfigured),
    };
    if let Err(e) = result {
        tracing::warn!(code = %e.code(), error = %e, "微信：超时的答复未能补发");
    }
}

async fn compute(state: &WechatState, acc: usize, m: Inbound) -> Option<String> {
    let text = match m.content {
        Content::Text(t) | Content::Voice(Some(t)) => t,
        Content::Voice(None) | Content::Other(_) => return Some(PLEASE_TYPE.into()),
        Content::Event(EventKind::Subscribe) => return Some(welcome(state, acc, &m.from).await),
        Content::Event(EventKind::Click(key)) => match state.wechat.accounts[acc].cfg.menu.get(&key) {
            Some(q) => q.clone(),
            None => return Some(PLEASE_TYPE.into()),
        },
        Content::Event(_) => return None,
    };
    state.metrics.message(Channel::Wechat);
    ask(state, acc, &m.from, &text).await
}

async fn session(state: &WechatState, acc: usize, openid: &str) -> Result<Session, String> {
    let key = state.wechat.key(acc, openid).ok_or_else(|| "无效的用户".to_owned())?;
    match state.wechat.sessions.take(&key) {
        Some(s) => Ok(s),
        None => state.engine.open_keyed(key, Channel::Wechat).await.map_err(|e| e.to_string()),
    }
}

async fn welcome(state: &WechatState, acc: usize, openid: &str) -> String {
    let greeting = state.engine.settings().greeting.clone();
    let hot = state.engine.hot_questions().await;
    if let Ok(mut s) = session(state, acc, openid).await {
        s.offered = hot.iter().map(|h| h.entry_id.clone()).collect();
        state.wechat.sessions.put(s);
    }
    render::choices(&format!("{greeting}\n\n大家都在问："), &hot)
}

/// `2` or `２` picks the second offered question.
fn choice(text: &str, offered: &[String]) -> Option<String> {
    let digits: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    let n: usize = digits.parse().ok()?;
    offered.get(n.checked_sub(1)?).cloned()
}

/// How long a message id is remembered: `dedupe_secs`, but never less than
/// the time a captured request stays acceptable. A timestamp may be up to
/// `max_clock_skew_secs` ahead of our clock when first delivered and is
/// accepted until it is that far behind, so a replay inside that window must
/// still find the id (otherwise it would be answered and stored twice).
fn dedupe_window(settings: &crate::config::wechat::Settings) -> Duration {
    let replayable = settings.max_clock_skew_secs.saturating_mul(2).saturating_add(1);
    Duration::from_secs(settings.dedupe_secs.max(replayable))
}

async fn ask(state: &WechatState, acc: usize, openid: &str, text: &str) -> Option<String> {
    let mut s = match session(state, acc, openid).await {
        Ok(s) => s,
        Err(e) => return Some(e),
    };
    let engine = &state.engine;
    // WeChat's servers carry every user, so the bound is per user, not per address.
    if !state.limits.allow(&format!("wechat:{openid}")) {
        return Some(wording::TOO_FAST.into());
    }
    let in_bot = engine.hub().state_of(&s.id) == ConversationState::Bot;
    let note = text.trim().strip_prefix("留言").map(str::trim).filter(|t| in_bot && !t.is_empty());
    let result = if note.is_some() && !state.limits.allow_ticket(s.visitor.as_str(), None) {
        Ok(wording::TOO_MANY_TICKETS.to_owned())
    } else if let Some(note) = note {
        engine.leave_message(&s, note, None).await.map(|(_, t)| wording::ticket_created_wechat(t.id))
    } else {
        let asked = match choice(text, &s.offered) {
            Some(id) if in_bot => engine.choose(&mut s, &id).await,
            _ => engine.ask(&mut s, text).await,
        };
        asked.map(|a| {
            state.metrics.decision(a.reply.decision(), crate::ids::Channel::Wechat);
            render_reply(a.reply)
        })
    };
    let id = s.id.clone();
    state.wechat.sessions.put(s);
    if note.is_some() || engine.hub().state_of(&id) != ConversationState::Bot {
        forward(state, acc, openid, &id);
    }
    match result {
        Ok(text) if text.is_empty() => None,
        Ok(text) => Some(text),
        Err(e) => Some(e.to_string()),
    }
}

fn render_reply(reply: Reply) -> String {
    match reply {
        Reply::Answer(a) => render::answer(&a),
        Reply::Clarify { candidates, .. } => render::choices("您是不是想问以下问题？", &candidates),
        Reply::NoMatch { text, .. } => render::no_match(&text),
        Reply::OutOfScope { text, .. } => text,
        Reply::Text { text, .. } => text,
        Reply::Relayed => String::new(),
        Reply::Handoff(s) => render::handoff(&s),
    }
}

/// Starts forwarding agent events of `id` to the user, once per conversation.
fn forward(state: &WechatState, acc: usize, openid: &str, id: &SessionId) {
    {
        let mut f = state.wechat.forwarded.lock().unwrap_or_else(|p| p.into_inner());
        if !f.insert(id.clone()) {
            return;
        }
    }
    let rx = state.engine.hub().attach_visitor(id);
    let (state2, openid, id) = (state.clone(), openid.to_owned(), id.clone());
    state.tracker.spawn(async move {
        run_forwarder(&state2, acc, &openid, &id, rx).await;
        let hub = state2.engine.hub();
        hub.detach_visitor(&id);
        let mut f = state2.wechat.forwarded.lock().unwrap_or_else(|p| p.into_inner());
        f.remove(&id);
    });
}

async fn run_forwarder(
    state: &WechatState,
    acc: usize,
    openid: &str,
    id: &SessionId,
    mut rx: mpsc::Receiver<VisitorEvent>,
) {
    loop {
        let event = tokio::select! {
            () = state.shutdown.cancelled() => return,
            e = rx.recv() => e,
        };
        let Some(event) = event else { return };
        let mut ticket = None;
        let (text, last) = match event {
            VisitorEvent::Queue(_) => continue,
            VisitorEvent::AgentJoined { agent_name, transferred: false } => {
                (format!("客服 {agent_name} 为您服务，可以看到您之前的对话。"), false)
            }
            VisitorEvent::AgentJoined { agent_name, transferred: true } => {
                (format!("已为您转接客服 {agent_name}，对方可以看到之前的对话，无需重复描述。"), false)
            }
            VisitorEvent::AgentMessage { text, .. } => (text, false),
            VisitorEvent::Closed { .. } => ("人工服务已结束。如还有问题，请直接输入。".to_owned(), true),
            VisitorEvent::TicketAnswered(t) => {
                let text = format!("【留言 {} 的答复】{}", t.id, t.answer.as_deref().unwrap_or_default());
                ticket = Some(t);
                (text, state.engine.hub().state_of(id) == ConversationState::Bot)
            }
        };
        let delivered = deliver(state, acc, openid, id, &text).await;
        if let Some(t) = ticket.filter(|_| delivered)
            && let Err(e) = state.engine.hub().ack_ticket(&t.visitor, t.id).await
        {
            tracing::warn!(error = %e, ticket = t.id, "微信：留言答复已送达，但未能记为已送达");
        }
        if last {
            drop(rx);
            return;
        }
    }
}

/// Sends `text` through the customer-service API, or tells the agent why not;
/// true when WeChat accepted it.
async fn deliver(state: &WechatState, acc: usize, openid: &str, id: &SessionId, text: &str) -> bool {
    let result = match &state.wechat.accounts[acc].cs {
        None => Err(CsError::NotConfigured),
        Some(_) if !within_window(state, id).await => Err(CsError::OutOfWindow),
        Some(cs) => cs.send_text(openid, &render::fit(text)).await,
    };
    let Err(e) = result else { return true };
    tracing::warn!(code = %e.code(), error = %e, "微信：消息未能送达用户");
    let hub = state.engine.hub();
    if let Err(e2) = hub.undeliverable(id, e.code(), &e.to_string()).await {
        tracing::warn!(error = %e2, "微信：无法通知客服消息未送达");
    }
    false
}

/// Whether the user wrote within the reply window (WeChat refuses pushes after).
async fn within_window(state: &WechatState, id: &SessionId) -> bool {
    let window = chrono::Duration::hours(i64::try_from(state.wechat.settings.reply_window_hours).unwrap_or(48));
    let Ok(messages) = state.store.messages(id, WINDOW_LOOKBACK).await else {
        return true;
    };
    messages
        .iter()
        .rev()
        .find(|m| m.body.sender == Sender::Visitor)
        .is_some_and(|m| Utc::now() - m.body.created_at < window)
}

#[cfg(test)]
mod tests {
    use super::choice;

    #[test]
    fn numbers_pick_offered_questions() {
        let offered = vec!["A".to_owned(), "B".to_owned()];
        assert_eq!(choice("2", &offered).as_deref(), Some("B"));
        assert_eq!(choice(" １ ", &offered).as_deref(), Some("A"));
        assert_eq!(choice("0", &offered), None);
        assert_eq!(choice("3", &offered), None);
        assert_eq!(choice("2个人", &offered), None);
    }
}
