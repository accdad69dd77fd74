//! Domain values → wire messages.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::SecondsFormat;

use super::protocol::{
    Citation, ColleagueInfo, ConversationInfo, HandoffInfo, HistoryItem, QuestionRef, ServerMsg, SignedIdentity,
    SourceRef, TicketAnswer, TicketInfo, VisitorInfo,
};
use crate::chat::{Answer, IdentityClaim, Suggestion};
use crate::handoff::{Colleague, ConversationView, HandoffStatus, OfflineReason, VisitorEvent};
use crate::kb::Entry;
use crate::store::{Message, Ticket, VisitorIdentity};

pub(crate) fn question(s: &Suggestion) -> QuestionRef {
    QuestionRef { entry_id: s.entry_id.clone(), question: s.question.clone() }
}

pub(crate) fn questions(s: &[Suggestion]) -> Vec<QuestionRef> {
    s.iter().map(question).collect()
}

pub(crate) fn history(m: &Message) -> HistoryItem {
    HistoryItem {
        id: m.id,
        from: m.body.sender.as_str().to_owned(),
        text: m.body.text.clone(),
        decision: m.decision.clone(),
        entry_id: m.body.entry_id.clone(),
        citation: None,
        helpful: None,
        candidates: Vec::new(),
        at: m.body.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    }
}

/// A conversation for an agent's console; `entries` (from
/// `Engine::entries_named`) give a clarification's offered questions.
pub(crate) fn conversation(v: &ConversationView, entries: &HashMap<String, Arc<Entry>>) -> ConversationInfo {
    ConversationInfo {
        session_id: v.session_id.to_string(),
        waiting_since: v.waiting_since.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
        transcript: v
            .transcript
            .iter()
            .map(|m| HistoryItem { candidates: offered(m, entries), ..history(m) })
            .collect(),
        visitor: v.identity.as_ref().map(visitor),
    }
}

pub(crate) fn colleague(c: &Colleague) -> ColleagueInfo {
    ColleagueInfo {
        agent_id: c.agent_id.clone(),
        name: c.name.clone(),
        presence: c.presence,
        load: c.load,
        max_concurrent: c.max_concurrent,
        available: c.available,
    }
}

fn visitor(i: &VisitorIdentity) -> VisitorInfo {
    match i {
        VisitorIdentity::Verified { name, masked_id } => {
            VisitorInfo { verified: true, name: Some(name.clone()), masked_id: Some(masked_id.clone()) }
        }
        VisitorIdentity::Unverified => VisitorInfo { verified: false, name: None, masked_id: None },
    }
}

pub(crate) fn identity_claim(i: SignedIdentity) -> IdentityClaim {
    IdentityClaim { site: i.site, user_id: i.user_id, name: i.name, expires: i.expires, signature: i.signature }
}

pub(crate) fn ticket(t: &Ticket) -> TicketInfo {
    TicketInfo {
        ticket_id: t.id,
        session_id: t.conversation_id.to_string(),
        text: t.text.clone(),
        contact: t.contact.clone(),
        created_at: t.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    }
}

pub(crate) fn ticket_answer(t: &Ticket) -> ServerMsg {
    ServerMsg::TicketAnswerMsg(TicketAnswer {
        ticket_id: t.id,
        question: t.text.clone(),
        answer: t.answer.clone().unwrap_or_default(),
    })
}

/// The frames of an answer: `answer.start`, one `answer.delta` per chunk, `answer.end`.
pub(crate) fn answer_start(a: &Answer) -> ServerMsg {
    ServerMsg::AnswerStart {
        answer_id: a.answer_id,
        entry_id: a.entry.id.to_string(),
        question: a.entry.question.clone(),
        confidence: a.confidence,
    }
}

pub(crate) fn answer_end(a: &Answer) -> ServerMsg {
    let Citation { sources, effective_from, effective_until, reviewed } = citation(&a.entry);
    ServerMsg::AnswerEnd {
        answer_id: a.answer_id,
        entry_id: a.entry.id.to_string(),
        sources,
        related: questions(&a.related),
        effective_from,
        effective_until,
        reviewed,
    }
}

/// The sources and dates of `entry`.
pub(crate) fn citation(entry: &Entry) -> Citation {
    Citation {
        sources: entry.sources.iter().map(|s| SourceRef { title: s.title.clone(), wenhao: s.wenhao.clone() }).collect(),
        effective_from: entry.effective_from.to_string(),
        effective_until: entry.effective_until.map(|d| d.to_string()),
        reviewed: entry.reviewed.to_string(),
    }
}

/// A history item replayed to the taxpayer: answers carry their citation
/// and the taxpayer's vote.
pub(crate) fn replayed(m: &Message, entries: &HashMap<String, Arc<Entry>>, votes: &HashMap<i64, bool>) -> HistoryItem {
    let mut item = history(m);
    if item.decision.as_deref() == Some("answer") {
        item.citation = item.entry_id.as_ref().and_then(|id| entries.get(id)).map(|e| citation(e));
        item.helpful = votes.get(&m.id).copied();
    }
    item.candidates = offered(m, entries);
    item
}

/// The questions a clarification offered (those still in the base); empty
/// for any other message.
pub(crate) fn offered(m: &Message, entries: &HashMap<String, Arc<Entry>>) -> Vec<QuestionRef> {
    if m.decision.as_deref() != Some("clarify") {
        return Vec::new();
    }
    m.body
        .entry_ids()
        .filter_map(|id| entries.get(id))
        .map(|e| QuestionRef { entry_id: e.id.to_string(), question: e.question.clone() })
        .collect()
}

pub(crate) fn handoff_info(s: &HandoffStatus) -> Option<HandoffInfo> {
    match s {
        HandoffStatus::Queued(q) => {
            Some(HandoffInfo::Queued { position: q.position, estimated_wait_secs: q.estimated_wait_secs })
        }
        HandoffStatus::Connected { agent_name } => Some(HandoffInfo::Connected { agent_name: agent_name.clone() }),
        HandoffStatus::Offline { .. } => None,
    }
}

pub(crate) fn handoff(s: &HandoffStatus) -> ServerMsg {
    match s {
        HandoffStatus::Queued(q) => {
            ServerMsg::Queue { position: q.position, estimated_wait_secs: q.estimated_wait_secs }
        }
        HandoffStatus::Connected { agent_name } => {
            ServerMsg::AgentJoined { agent_name: agent_name.clone(), transferred: false }
        }
        HandoffStatus::Offline { reason, hours } => {
            let (reason, text) = match reason {
                OfflineReason::OutsideHours => {
                    ("outside_hours", format!("现在不是人工服务时间（{hours}）。请留言，客服上班后会答复您。"))
                }
                OfflineReason::NoAgent => ("no_agent", "人工客服暂时都不在线。请留言，客服会尽快答复您。".to_owned()),
            };
            ServerMsg::HandoffOffline { reason: reason.into(), hours: hours.clone(), text }
        }
    }
}

pub(crate) fn visitor_event(e: &VisitorEvent) -> ServerMsg {
    match e {
        VisitorEvent::Queue(q) => ServerMsg::Queue { position: q.position, estimated_wait_secs: q.estimated_wait_secs },
        VisitorEvent::AgentJoined { agent_name, transferred } => {
            ServerMsg::AgentJoined { agent_name: agent_name.clone(), transferred: *transferred }
        }
        VisitorEvent::AgentMessage { message_id, text } => {
            ServerMsg::AgentMessage { message_id: *message_id, text: text.clone() }
        }
        VisitorEvent::Closed { resolution } => {
            ServerMsg::ConversationClosed { resolution: resolution.clone(), can_rate: true }
        }
        VisitorEvent::TicketAnswered(t) => ticket_answer(t),
    }
}
