use super::*;
use proptest::prelude::*;

const TEXT: &str = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n\
<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n\
<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n\
<Content><![CDATA[个税 & 社保 <税率>]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>";

#[test]
fn reads_a_text_message() {
    let m = Inbound::from_fields(&parse(TEXT.as_bytes()).expect("parses")).expect("valid");
    assert_eq!(m.to, "gh_10f6c3c3ac5a");
    assert_eq!(m.from, "oyORnuP8q7ou2gfYjqLzSIWZf0rs");
    assert_eq!(m.create_time, 1409735668);
    assert_eq!(m.msg_id.as_deref(), Some("6054768590064713728"));
    assert_eq!(m.content, Content::Text("个税 & 社保 <税率>".into()));
    assert_eq!(m.dedupe_key(), "m:6054768590064713728");
}

#[test]
fn reads_voice_events_and_escaped_text() {
    let voice = "<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName>\
        <CreateTime>1</CreateTime><MsgType>voice</MsgType><MediaId>m</MediaId>\
        <Format>amr</Format><Recognition>发票怎么开&amp;</Recognition><MsgId>9</MsgId></xml>";
    let m = Inbound::from_fields(&parse(voice.as_bytes()).expect("parses")).expect("valid");
    assert_eq!(m.content, Content::Voice(Some("发票怎么开&".into())));
    let click = "<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName>\
        <CreateTime>7</CreateTime><MsgType>event</MsgType><Event>CLICK</Event>\
        <EventKey><![CDATA[HOT_VAT]]></EventKey><ScanCodeInfo><ScanType>x</ScanType></ScanCodeInfo></xml>";
    let m = Inbound::from_fields(&parse(click.as_bytes()).expect("parses")).expect("valid");
    assert_eq!(m.content, Content::Event(EventKind::Click("HOT_VAT".into())));
    assert!(m.dedupe_key().starts_with("e:u:7:"), "{}", m.dedupe_key());
}

#[test]
fn refuses_malformed_bodies() {
    assert!(parse(b"").is_err());
    assert!(parse(b"not xml").is_err());
    assert!(parse(b"<xml><a>1</a>").is_err());
    assert!(parse(&[b'<', b'x', 0xff, b'>']).is_err());
    assert!(parse(&vec![b' '; MAX_XML_BYTES + 1]).is_err());
    let doctype = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><a>&e;</a></xml>";
    assert!(parse(doctype.as_bytes()).is_err());
    let missing = parse(b"<xml><MsgType>text</MsgType></xml>").expect("parses");
    assert!(Inbound::from_fields(&missing).is_err());
}

#[test]
fn replies_escape_cdata_terminators() {
    let xml = text_reply("u", "gh", 5, "a]]>b");
    let f = parse(xml.as_bytes()).expect("parses");
    assert_eq!(f.get("Content"), Some("a]]>b"));
    assert_eq!(f.get("MsgType"), Some("text"));
    let env = encrypted_reply("abc", "sig", "123", "n");
    let f = parse(env.as_bytes()).expect("parses");
    assert_eq!(f.get("Encrypt"), Some("abc"));
    assert_eq!(f.get("TimeStamp"), Some("123"));
}

proptest! {
    #[test]
    fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(f) = parse(&bytes) {
            let _ = Inbound::from_fields(&f);
        }
    }

    #[test]
    fn parsing_xmlish_text_never_panics(s in "(<|>|/|xml|!\\[CDATA\\[|\\]\\]>|&|;|[a-zA-Z]{1,5}|税| ){0,60}") {
        if let Ok(f) = parse(s.as_bytes()) {
            let _ = Inbound::from_fields(&f);
        }
    }

    #[test]
    fn truncated_messages_never_panic(cut in 0usize..400) {
        let cut = cut.min(TEXT.len());
        let _ = parse(&TEXT.as_bytes()[..cut]);
    }

    #[test]
    fn replies_round_trip_any_content(content in "\\PC{0,200}") {
        let xml = text_reply("u", "gh", 1, &content);
        let f = parse(xml.as_bytes()).expect("own replies parse");
        prop_assert_eq!(f.get("Content"), Some(content.as_str()));
    }
}
