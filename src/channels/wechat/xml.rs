//! The callback XML: a flat `<xml>` element whose children carry text or
//! CDATA. Parsing keeps the direct children only (nested elements such as
//! `ScanCodeInfo` are skipped), refuses DOCTYPE declarations (no entity
//! tricks) and never panics; building escapes CDATA terminators.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::Event;

/// Bodies larger than this are refused before parsing (a text message is
/// at most 2,048 bytes of content; encrypted envelopes are about 4/3 of it).
pub const MAX_XML_BYTES: usize = 64 * 1024;

/// Why a body is not a WeChat callback message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Larger than [`MAX_XML_BYTES`].
    #[error("XML 过大")]
    TooLarge,
    /// Not well-formed, not UTF-8, or with a DOCTYPE.
    #[error("XML 格式无效：{0}")]
    Malformed(String),
    /// The root element is missing or a required field is absent.
    #[error("缺少字段 {0}")]
    Missing(&'static str),
}

/// The direct children of the root element, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(HashMap<String, String>);

impl Fields {
    /// A field's text.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A field that must be present.
    pub fn require(&self, name: &'static str) -> Result<&str, XmlError> {
        self.get(name).ok_or(XmlError::Missing(name))
    }
}

/// Parses the direct children of the root element.
pub fn parse(body: &[u8]) -> Result<Fields, XmlError> {
    if body.len() > MAX_XML_BYTES {
        return Err(XmlError::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| XmlError::Malformed("不是 UTF-8".into()))?;
    let mut reader = Reader::from_str(text);
    let bad = |e: &dyn std::fmt::Display| XmlError::Malformed(e.to_string());
    let mut fields = HashMap::new();
    let mut depth = 0usize;
    let mut current: Option<(String, String)> = None;
    let mut saw_root = false;
    loop {
        match reader.read_event().map_err(|e| bad(&e))? {
            Event::Start(e) => {
                depth += 1;
                if depth == 1 {
                    saw_root = true;
                } else if depth == 2 {
                    let name = e.name().as_ref().to_owned();
                    current = Some((name, String::new()));
                }
            }
            Event::Empty(e) if depth == 1 => {
                let name = e.name().as_ref().to_owned();
                fields.insert(name, String::new());
            }
            Event::Empty(_) => saw_root |= depth == 0,
            Event::End(_) => {
                if depth == 2
                    && let Some((name, value)) = current.take()
                {
                    fields.insert(name, value);
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if depth == 2 => {
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&t.xml10_content());
                }
            }
            // Entity and character references arrive as their own events.
            Event::GeneralRef(r) if depth == 2 => {
                let resolved = match r.resolve_char_ref().map_err(|e| bad(&e))? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r)
                        .ok_or_else(|| XmlError::Malformed(format!("未知实体 &{};", &*r)))?
                        .to_owned(),
                };
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&resolved);
                }
            }
            Event::CData(c) if depth == 2 => {
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&c.xml10_content());
                }
            }
            Event::DocType(_) => return Err(XmlError::Malformed("不接受 DOCTYPE".into())),
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root || depth != 0 {
        return Err(XmlError::Missing("xml"));
    }
    Ok(Fields(fields))
}

/// One event pushed by WeChat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// Followed the account (`EventKey` is set when scanning a QR code).
    Subscribe,
    /// Unfollowed.
    Unsubscribe,
    /// A menu button with a key.
    Click(String),
    /// Anything else (VIEW, LOCATION, SCAN…), by name.
    Other(String),
}

/// What the user sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A typed message.
    Text(String),
    /// A voice message, with WeChat's speech recognition when enabled.
    Voice(Option<String>),
    /// An event.
    Event(EventKind),
    /// Images, videos, locations, links…: by `MsgType`.
    Other(String),
}

/// A callback message as the channel needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The account (`ToUserName`, the 原始 ID `gh_…`).
    pub to: String,
    /// The user's OpenID (`FromUserName`).
    pub from: String,
    /// `CreateTime`, seconds.
    pub create_time: i64,
    /// `MsgId` (absent for events).
    pub msg_id: Option<String>,
    /// The payload.
    pub content: Content,
}

impl Inbound {
    /// Reads a decrypted or plain message.
    pub fn from_fields(f: &Fields) -> Result<Self, XmlError> {
        let non_empty = |name: &str| f.get(name).map(str::trim).filter(|s| !s.is_empty());
        let content = match f.require("MsgType")?.trim() {
            "text" => Content::Text(f.require("Content")?.to_owned()),
            "voice" => Content::Voice(non_empty("Recognition").map(str::to_owned)),
            "event" => Content::Event(match f.require("Event")?.trim() {
                "subscribe" => EventKind::Subscribe,
                "unsubscribe" => EventKind::Unsubscribe,
                "CLICK" => EventKind::Click(non_empty("EventKey").unwrap_or_default().to_owned()),
                other => EventKind::Other(other.to_owned()),
            }),
            other => Content::Other(other.to_owned()),
        };
        Ok(Inbound {
            to: f.require("ToUserName")?.trim().to_owned(),
            from: f.require("FromUserName")?.trim().to_owned(),
            create_time: f.get("CreateTime").and_then(|t| t.trim().parse().ok()).unwrap_or(0),
            msg_id: non_empty("MsgId").map(str::to_owned),
            content,
        })
    }

    /// The key retries of this message share: `MsgId`, or sender and time
    /// for events (which have no `MsgId`), with the event so that a
    /// subscribe and a click in the same second stay apart.
    pub fn dedupe_key(&self) -> String {
        match (&self.msg_id, &self.content) {
            (Some(id), _) => format!("m:{id}"),
            (None, Content::Event(e)) => format!("e:{}:{}:{e:?}", self.from, self.create_time),
            (None, c) => format!("e:{}:{}:{c:?}", self.from, self.create_time),
        }
    }
}

/// Wraps `s` in CDATA, splitting any `]]>` so it cannot end the section.
fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

/// A passive text reply.
pub fn text_reply(to: &str, from: &str, create_time: i64, content: &str) -> String {
    format!(
        "<xml><ToUserName>{}</ToUserName><FromUserName>{}</FromUserName>\
         <CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>\
         <Content>{}</Content></xml>",
        cdata(to),
        cdata(from),
        cdata(content)
    )
}

/// The envelope of an encrypted reply.
pub fn encrypted_reply(encrypt: &str, signature: &str, timestamp: &str, nonce: &str) -> String {
    format!(
        "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature>\
         <TimeStamp>{}</TimeStamp><Nonce>{}</Nonce></xml>",
        cdata(encrypt),
        cdata(signature),
        escape(timestamp),
        cdata(nonce)
    )
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod tests;
