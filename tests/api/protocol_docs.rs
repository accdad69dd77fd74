//! Every JSON example in docs/protocol.md parses into the typed messages.

use taxbot::channels::web::protocol::{AgentClientMsg, AgentServerMsg, ClientMsg, IdentityStatus, ServerMsg};

#[test]
fn every_protocol_example_parses() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/protocol.md")).expect("docs/protocol.md");
    let mut examples = 0;
    let mut types = std::collections::BTreeSet::new();
    for block in doc.split("```json").skip(1) {
        let body = block.split("```").next().expect("closed block");
        for line in body.lines().map(str::trim).filter(|l| l.starts_with('{')) {
            examples += 1;
            let ok = serde_json::from_str::<ClientMsg>(line).is_ok()
                || serde_json::from_str::<ServerMsg>(line).is_ok()
                || serde_json::from_str::<AgentClientMsg>(line).is_ok()
                || serde_json::from_str::<AgentServerMsg>(line).is_ok();
            assert!(ok, "example does not parse: {line}");
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            types.insert(v["type"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert!(examples >= 30, "only {examples} examples");
    for t in [
        "hello",
        "welcome",
        "ask",
        "answer.delta",
        "clarify",
        "choose",
        "open_entry",
        "no_match",
        "out_of_scope",
        "error",
        "rate",
        "queue",
    ] {
        assert!(types.contains(t), "no example of {t}");
    }
}

#[test]
fn the_signed_identity_examples_carry_their_fields() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/protocol.md")).expect("docs/protocol.md");
    let lines: Vec<&str> = doc.lines().map(str::trim).filter(|l| l.starts_with('{')).collect();
    let hello = lines.iter().find_map(|l| match serde_json::from_str::<ClientMsg>(l) {
        Ok(ClientMsg::Hello { identity: Some(i), .. }) => Some(i),
        _ => None,
    });
    let hello = hello.expect("a hello with a signed identity");
    assert_eq!((hello.site.as_str(), hello.name.as_str()), ("etax", "张三"));
    let welcome = lines.iter().any(|l| {
        matches!(
            serde_json::from_str::<ServerMsg>(l),
            Ok(ServerMsg::Welcome { identity: Some(IdentityStatus::Verified), .. })
        )
    });
    assert!(welcome, "a welcome saying the identity verified");
    let queue = lines.iter().find_map(|l| match serde_json::from_str::<AgentServerMsg>(l) {
        Ok(AgentServerMsg::Queue { items }) if items.iter().any(|i| i.visitor.is_some()) => Some(items),
        _ => None,
    });
    let items = queue.expect("a queue with visitor identities");
    let seen: Vec<Option<bool>> = items.iter().map(|i| i.visitor.as_ref().map(|v| v.verified)).collect();
    assert_eq!(seen, [Some(true), Some(false)]);
    assert!(items.iter().all(|i| !serde_json::to_string(i).expect("json").contains("91440300MA5FXXX234")));
}
