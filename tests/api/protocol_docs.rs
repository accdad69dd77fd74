//! Every JSON example in docs/protocol.md parses into the typed messages.

use taxbot::channels::web::protocol::{AgentClientMsg, AgentServerMsg, ClientMsg, ServerMsg};

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
