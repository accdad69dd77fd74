//! Knowledge in the store: drafts, publishing live, versions and rollback,
//! review policy, roles, Excel round trip, validation and the store as the
//! source of truth across restarts.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{
    AGENT_1, AGENT_PASSWORD, TestApp, always_answer, ask_answer, spawn_app_on, start_from_store, test_config,
};
use taxbot::admin::Role;
use taxbot::knowledge::{KnowledgeKind, PublishPolicy};

const PASSWORD: &str = "editor-password-1";
const MARK: &str = "（本条已由编辑更新）";

fn shipped() -> taxbot::kb::KnowledgeBase {
    taxbot::kb::load(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")).expect("kb")
}

/// An app with its own matcher (publishing swaps it) and a signed-in editor.
async fn app_with_editor(policy: PublishPolicy) -> (TestApp, AdminClient) {
    let app = spawn_app_on(&shipped(), |c| {
        always_answer(c);
        c.admin.publish_policy = policy;
    })
    .await;
    add_user(&*app.store, "编辑甲", Role::Editor, PASSWORD).await;
    let editor = AdminClient::sign_in(app.addr, "编辑甲", PASSWORD).await;
    (app, editor)
}

/// The published entry `id` with `MARK` appended to its answer.
async fn edited(editor: &AdminClient, id: &str) -> Value {
    let (status, body) = editor.get(&format!("/api/admin/entries/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut entry = body["published"].clone();
    let answer = format!("{}\n\n{MARK}", entry["answer"].as_str().expect("answer"));
    entry["answer"] = json!(answer);
    entry
}

#[tokio::test]
async fn a_draft_is_not_served_until_published_then_it_is_served_live() {
    let (app, editor) = app_with_editor(PublishPolicy::Single).await;
    let first = &shipped().entries[0];
    let (id, question) = (first.id.to_string(), first.question.clone());
    let (status, saved) = editor.put_json(&format!("/api/admin/entries/{id}"), edited(&editor, &id).await).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["version"], 2);
    let (_, detail) = editor.get(&format!("/api/admin/entries/{id}")).await;
    assert_eq!(detail["draft_version"], 2);
    assert!(detail["draft"]["answer"].as_str().expect("draft").contains(MARK));

    let (mut c, _) = app.visitor(None).await;
    let (_, entry, text) = ask_answer(&mut c, &question).await;
    assert_eq!(entry, id);
    assert!(!text.contains(MARK), "a draft must not be served: {text}");

    let (status, published) = editor.post_json(&format!("/api/admin/entries/{id}/publish"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published, json!({"version": 2, "published": true}));
    let (_, _, text) = ask_answer(&mut c, &question).await;
    assert!(text.contains(MARK), "the published version is served at once: {text}");

    let (_, audit) = {
        add_user(&*app.store, "管理员", Role::Admin, PASSWORD).await;
        AdminClient::sign_in(app.addr, "管理员", PASSWORD).await.get("/api/admin/audit").await
    };
    let actions: Vec<&str> =
        audit["entries"].as_array().expect("audit").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"entry.save") && actions.contains(&"entry.publish"), "{actions:?}");
}

#[tokio::test]
async fn questions_asked_during_several_publishes_never_fail() {
    let (app, editor) = app_with_editor(PublishPolicy::Single).await;
    let kb = shipped();
    let asked = kb.entries[1].question.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (http, url, flag) = (app.http.clone(), app.url("/api/v1/ask"), Arc::clone(&stop));
    let asker = tokio::spawn(async move {
        let mut answered = 0;
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            let r = http.post(&url).json(&json!({"user_id": "loop", "text": asked})).send().await.expect("request");
            assert_eq!(r.status(), StatusCode::OK);
            let body: Value = r.json().await.expect("json");
            assert_eq!(body["decision"], "answer", "{body}");
            answered += 1;
        }
        answered
    });
    let id = kb.entries[0].id.to_string();
    for round in 0..3 {
        let mut entry = edited(&editor, &id).await;
        entry["answer"] = json!(format!("{} 第{round}次", entry["answer"].as_str().expect("answer")));
        let (status, body) = editor.put_json(&format!("/api/admin/entries/{id}"), entry).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = editor.post_json(&format!("/api/admin/entries/{id}/publish"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answered = asker.await.expect("the asking task saw no error");
    assert!(answered > 0);
}

#[tokio::test]
async fn versions_are_listed_and_rollback_publishes_an_old_version_again() {
    let (app, editor) = app_with_editor(PublishPolicy::Single).await;
    let first = &shipped().entries[0];
    let (id, question) = (first.id.to_string(), first.question.clone());
    editor.put_json(&format!("/api/admin/entries/{id}"), edited(&editor, &id).await).await;
    editor.post_json(&format!("/api/admin/entries/{id}/publish"), json!({})).await;

    let (status, body) = editor.get(&format!("/api/admin/entries/{id}/versions")).await;
    assert_eq!(status, StatusCode::OK);
    let versions = body["versions"].as_array().expect("versions");
    let states: Vec<(i64, &str)> =
        versions.iter().map(|v| (v["version"].as_i64().expect("n"), v["state"].as_str().expect("state"))).collect();
    assert_eq!(states, vec![(2, "published"), (1, "superseded")]);
    assert_eq!(versions[0]["author"], "编辑甲");
    assert!(versions[0]["summary"].as_str().expect("summary").contains("answer"), "{body}");
    let (_, v1) = editor.get(&format!("/api/admin/entries/{id}/versions/1")).await;
    assert_eq!(v1["answer"], json!(first.answer));

    let (status, body) = editor.post_json(&format!("/api/admin/entries/{id}/rollback"), json!({"version": 1})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 3);
    let (mut c, _) = app.visitor(None).await;
    let (_, _, text) = ask_answer(&mut c, &question).await;
    assert!(!text.contains(MARK), "rolled back: {text}");
    let (_, detail) = editor.get(&format!("/api/admin/entries/{id}")).await;
    assert_eq!(detail["published"]["answer"], json!(first.answer));
}

#[tokio::test]
async fn under_review_the_author_cannot_publish_but_a_second_editor_can() {
    let (app, author) = app_with_editor(PublishPolicy::Review).await;
    add_user(&*app.store, "编辑乙", Role::Editor, PASSWORD).await;
    let reviewer = AdminClient::sign_in(app.addr, "编辑乙", PASSWORD).await;
    let id = shipped().entries[0].id.to_string();
    author.put_json(&format!("/api/admin/entries/{id}"), edited(&author, &id).await).await;
    let (_, detail) = author.get(&format!("/api/admin/entries/{id}")).await;
    assert_eq!(detail["policy"], "review");
    assert_eq!(detail["awaiting_review"], true);

    let (status, body) = author.post_json(&format!("/api/admin/entries/{id}/publish"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "own_draft");
    let (status, body) = reviewer.post_json(&format!("/api/admin/entries/{id}/publish"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, versions) = reviewer.get(&format!("/api/admin/entries/{id}/versions")).await;
    assert_eq!(versions["versions"][0]["reviewed_by"], "编辑乙");
}

#[tokio::test]
async fn an_agent_may_not_publish() {
    let (app, editor) = app_with_editor(PublishPolicy::Single).await;
    let id = shipped().entries[0].id.to_string();
    editor.put_json(&format!("/api/admin/entries/{id}"), edited(&editor, &id).await).await;
    let agent = AdminClient::sign_in(app.addr, AGENT_1, AGENT_PASSWORD).await;
    let (status, _) = agent.post_json(&format!("/api/admin/entries/{id}/publish"), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, detail) = editor.get(&format!("/api/admin/entries/{id}")).await;
    assert!(detail["draft"].is_object(), "the draft is still unpublished");
}

#[tokio::test]
async fn an_invalid_entry_is_refused_naming_the_field() {
    let (_app, editor) = app_with_editor(PublishPolicy::Single).await;
    let id = shipped().entries[0].id.to_string();
    let mut entry = edited(&editor, &id).await;
    entry["answer"] = json!("   ");
    let (status, body) = editor.put_json(&format!("/api/admin/entries/{id}"), entry.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_entry");
    entry["answer"] = json!("答案");
    entry["effective_from"] = json!("2026-13-01");
    let (status, body) = editor.put_json(&format!("/api/admin/entries/{id}"), entry.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().expect("message").contains("effective_from"), "{body}");
    entry["effective_from"] = json!("2026-01-01");
    entry.as_object_mut().expect("object").remove("question");
    let (status, body) = editor.put_json(&format!("/api/admin/entries/{id}"), entry).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().expect("message").contains("question"), "{body}");
    let (status, body) = editor.post_json("/api/admin/entries", edited(&editor, &id).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn an_excel_export_imports_back_unchanged() {
    let (app, editor) = app_with_editor(PublishPolicy::Single).await;
    let raw = |method: reqwest::Method, path: &str| {
        app.http.request(method, app.url(path)).header("cookie", &editor.cookie).header("x-csrf-token", &editor.csrf)
    };
    let res = raw(reqwest::Method::GET, "/api/admin/kb/export.xlsx").send().await.expect("export");
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.expect("workbook");
    let res = raw(reqwest::Method::POST, "/api/admin/kb/import").body(bytes.clone()).send().await.expect("import");
    assert_eq!(res.status(), StatusCode::OK);
    let counts: Value = res.json().await.expect("json");
    assert_eq!(counts["changed"], 0, "{counts}");
    assert_eq!(counts["added"], 0, "{counts}");
    assert_eq!(counts["unchanged"].as_u64(), Some(shipped().entries.len() as u64));
    let again = taxbot::kb::from_xlsx(&bytes, &Default::default()).expect("the export reads back");
    let mut ours = shipped().entries;
    ours.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(again.entries, ours);

    let res = raw(reqwest::Method::POST, "/api/admin/kb/import").body("not a workbook").send().await.expect("import");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_store_is_the_source_of_truth_across_restarts() {
    let dir = Arc::new(TempDir::new().expect("tempdir"));
    let mut config = test_config(dir.path().to_path_buf());
    always_answer(&mut config);
    let mut app = start_from_store(config.clone(), Arc::clone(&dir)).await;
    let kb = shipped();
    let base = app.store.knowledge_current().await.expect("store");
    assert_eq!(base.iter().filter(|v| v.kind == KnowledgeKind::Entry).count(), kb.entries.len());
    assert!(base.iter().all(|v| v.author == "system" && v.version == 1));

    add_user(&*app.store, "编辑甲", Role::Editor, PASSWORD).await;
    let editor = AdminClient::sign_in(app.addr, "编辑甲", PASSWORD).await;
    let (id, question) = (kb.entries[0].id.to_string(), kb.entries[0].question.clone());
    editor.put_json(&format!("/api/admin/entries/{id}"), edited(&editor, &id).await).await;
    let (status, _) = editor.post_json(&format!("/api/admin/entries/{id}/publish"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;

    let app = start_from_store(config, dir).await;
    let r = app.http.post(app.url("/api/v1/ask")).json(&json!({"user_id": "u", "text": question})).send().await;
    let body: Value = r.expect("request").json().await.expect("json");
    assert!(body["answer"].as_str().expect("answer").contains(MARK), "{body}");
    let versions = app.store.knowledge_versions(KnowledgeKind::Entry, &id).await.expect("versions");
    assert_eq!(versions.len(), 2, "the shipped base is not imported again");
}
