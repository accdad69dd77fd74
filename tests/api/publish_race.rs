//! Two editors race on one entry: one publishes while the other saves a newer
//! draft. What the bot serves must be what the store says is published, and a
//! draft saved during the publish must stay a draft.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{always_answer, ask_answer, spawn_app_on};
use taxbot::admin::Role;

const PASSWORD: &str = "editor-password-1";

fn shipped() -> taxbot::kb::KnowledgeBase {
    taxbot::kb::load(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")).expect("kb")
}

/// `published` with `mark` appended to its answer.
fn marked(published: &Value, mark: &str) -> Value {
    let mut entry = published.clone();
    entry["answer"] = json!(format!("{}\n\n{mark}", published["answer"].as_str().expect("answer")));
    entry
}

#[tokio::test]
async fn a_draft_saved_during_a_publish_stays_a_draft_and_the_bot_serves_what_is_stored() {
    let app = spawn_app_on(&shipped(), always_answer).await;
    add_user(&*app.store, "编辑甲", Role::Editor, PASSWORD).await;
    add_user(&*app.store, "编辑乙", Role::Editor, PASSWORD).await;
    let first = AdminClient::sign_in(app.addr, "编辑甲", PASSWORD).await;
    let second = AdminClient::sign_in(app.addr, "编辑乙", PASSWORD).await;
    let entry = &shipped().entries[0];
    let (id, question) = (entry.id.to_string(), entry.question.clone());
    let path = format!("/api/admin/entries/{id}");
    let (_, detail) = first.get(&path).await;
    let original = detail["published"].clone();
    let (mut visitor, _) = app.visitor(None).await;

    let mut newer_kept = 0;
    for (round, delay_ms) in [0u64, 2, 5, 10, 20, 40, 80].into_iter().enumerate() {
        let (mark_a, mark_b) = (format!("（甲的修改 {round}）"), format!("（乙的修改 {round}）"));
        let (status, saved) = first.put_json(&path, marked(&original, &mark_a)).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let publish_path = format!("{path}/publish");
        let publish = first.post_json(&publish_path, json!({}));
        let save_b = async {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            second.put_json(&path, marked(&original, &mark_b)).await
        };
        let ((status, published), (b_status, _)) = tokio::join!(publish, save_b);
        assert_eq!(status, StatusCode::OK, "{published}");
        assert_eq!(b_status, StatusCode::OK);

        let (_, detail) = first.get(&path).await;
        let stored = detail["published"]["answer"].as_str().expect("published answer").to_owned();
        let (_, served_id, served) = ask_answer(&mut visitor, &question).await;
        assert_eq!(served_id, id);
        assert_eq!(served.trim(), stored.trim(), "round {round}: the bot serves what the store has published");
        if stored.contains(&mark_a) {
            let draft = detail["draft"]["answer"].as_str().unwrap_or_default();
            assert!(draft.contains(&mark_b), "round {round}: the newer draft stays a draft: {detail}");
            newer_kept += 1;
        } else {
            assert!(stored.contains(&mark_b), "round {round}: one of the two versions is published");
            assert!(detail["draft"].is_null(), "round {round}: the published draft is no longer a draft");
        }
    }
    assert!(newer_kept > 0, "at least one round saved the newer draft while the publish was building");
}
