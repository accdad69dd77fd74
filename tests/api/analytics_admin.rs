//! `/api/admin/analytics/*`: editors read the report as JSON and CSV and
//! dismiss clusters (audited); agents and anonymous callers are refused.

use reqwest::StatusCode;
use serde_json::json;

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{always_clarify, spawn_app_with};
use taxbot::admin::Role;
use taxbot::channels::web::protocol::ServerMsg;
use taxbot::store::AuditFilter;

#[tokio::test]
async fn editors_read_figures_and_csv_and_dismiss_clusters() {
    let app = spawn_app_with(always_clarify).await;
    add_user(app.store.as_ref(), "editor1", Role::Editor, "editor-password").await;
    add_user(app.store.as_ref(), "agent1", Role::Agent, "agent-password").await;
    for q in ["=HYPERLINK(\"http://x\")狗狗打疫苗多少钱", "给狗打疫苗多少钱啊", "宠物狗打疫苗要多少钱"]
    {
        let (mut v, _) = app.visitor(None).await;
        v.send_json(json!({"type": "ask", "text": q})).await;
        v.recv_until(|m| {
            matches!(m, ServerMsg::NoMatch { .. } | ServerMsg::Clarify { .. } | ServerMsg::OutOfScope { .. })
        })
        .await;
    }
    app.analytics.refresh().await.expect("recount");

    let anon = reqwest::get(app.url("/api/admin/analytics/figures")).await.expect("request");
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
    let agent = AdminClient::sign_in(app.addr, "agent1", "agent-password").await;
    for path in ["/api/admin/analytics/figures", "/api/admin/analytics/clusters.csv", "/api/admin/analytics/hot"] {
        assert_eq!(agent.get(path).await.0, StatusCode::FORBIDDEN, "{path}");
    }

    let editor = AdminClient::sign_in(app.addr, "editor1", "editor-password").await;
    let (status, body) = editor.get("/api/admin/analytics/figures").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["figures"]["days"][0]["channel"], "all");
    assert_eq!(body["figures"]["days"][0]["questions"], 3);
    assert_eq!(body["figures"]["days"][0]["answered"], 0);
    let (status, body) = editor.get("/api/admin/analytics/clusters?period=day").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cluster = &body["clusters"][0];
    assert_eq!(cluster["askers"], 3, "{body}");
    let id = cluster["id"].as_str().expect("id").to_owned();
    let (status, body) = editor.get("/api/admin/analytics/clusters?period=year").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));

    let (status, csv) = editor.get("/api/admin/analytics/clusters.csv?period=day").await;
    assert_eq!(status, StatusCode::OK);
    let csv = csv.as_str().expect("csv text").to_owned();
    assert!(csv.starts_with("\u{feff}id,label,askers,count,questions\r\n"), "{csv}");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")狗狗打疫苗多少钱"), "formula guarded and quoted: {csv}");
    for path in ["hot.csv", "figures.csv", "entries.csv", "agents.csv"] {
        let (status, body) = editor.get(&format!("/api/admin/analytics/{path}")).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.as_str().is_some_and(|b| b.starts_with('\u{feff}')), "{path}: {body}");
    }

    let path = format!("/api/admin/analytics/clusters/{id}/dismiss");
    assert_eq!(editor.send(reqwest::Method::POST, &path, None, false).await.0, StatusCode::FORBIDDEN, "CSRF");
    let (status, body) = editor.post_json(&path, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = editor.get("/api/admin/analytics/clusters?period=day").await;
    assert!(body["clusters"].as_array().is_some_and(|c| c.iter().all(|c| c["id"] != id.as_str())), "{body}");
    let (status, body) = editor.post_json(&path, json!({})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let audit = app
        .store
        .audit(&AuditFilter { action: Some("cluster.dismiss".into()), limit: 10, ..AuditFilter::default() })
        .await
        .expect("audit");
    assert_eq!((audit.len(), audit[0].actor.as_str(), audit[0].target.as_str()), (1, "editor1", id.as_str()));
}
