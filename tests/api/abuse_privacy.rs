//! Personal numbers typed by taxpayers never reach the editors' clusters (page
//! and CSV) or a visitor key, in whatever form they are written.

use serde_json::json;

use crate::helpers::spawn_app;
use taxbot::analytics::Period;

/// One mobile, ID card, bank card and e-mail, each written in another form.
const WRITTEN: [&str; 5] = [
    "１３８１２３４５６７８",
    "138.1234.5678",
    "一三八一二三四五六七八",
    "6222 0202 0001 2345 678",
    "zhang.san@example.com",
];
const RAW: [&str; 5] = ["12345", "1234.56", "一二三四五六", "0202 0001 2345", "zhang.san"];

#[tokio::test]
async fn clusters_and_visitor_keys_never_show_personal_numbers() {
    let app = spawn_app().await;
    for (i, number) in WRITTEN.iter().enumerate() {
        let text = format!("我的火星签证怎么续办 {number}");
        let body = json!({"user_id": "11010519491231002X", "text": text});
        let res = app.http.post(app.url("/api/v1/ask")).json(&body).send().await.expect("ask");
        assert!(res.status().is_success(), "{i}: {}", res.status());
    }
    let asked = app.store.questions_since(chrono::Utc::now() - chrono::Duration::days(1), 100).await.expect("store");
    assert!(!asked.is_empty());
    for q in &asked {
        assert!(!q.visitor.contains("10519491231"), "visitor key {}", q.visitor);
    }
    let report = app.analytics.refresh().await.expect("recount");
    let shown: Vec<&String> = report.clusters(Period::Week).iter().flat_map(|c| c.questions.iter()).collect();
    assert!(!shown.is_empty(), "the off-topic questions form a cluster");
    for text in shown {
        for raw in RAW {
            assert!(!text.contains(raw), "{raw} shown in {text}");
        }
    }
    let csv = taxbot::analytics::export::clusters(&report, Period::Week);
    for raw in RAW {
        assert!(!csv.contains(raw), "{raw} in the CSV");
    }
}

#[tokio::test]
async fn a_purge_forgets_old_texts_and_keeps_the_counts() {
    let app = spawn_app().await;
    let body = json!({"user_id": "bot-1", "text": "手机13812345678，我的火星签证怎么续办"});
    let res = app.http.post(app.url("/api/v1/ask")).json(&body).send().await.expect("ask");
    assert!(res.status().is_success());
    let login = json!({"name": "13812345678", "password": "wrong-password"});
    app.http.post(app.url("/api/admin/login")).json(&login).send().await.expect("login");
    let since = chrono::Utc::now() - chrono::Duration::days(1);
    let before = app.store.questions_since(since, 100).await.expect("store").len();

    let counts = app.store.purge_before(chrono::Utc::now() + chrono::Duration::minutes(1)).await.expect("purge");
    assert!(counts.messages >= 2 && counts.audit >= 1, "{counts:?}");
    let asked = app.store.questions_since(since, 100).await.expect("store");
    assert_eq!(asked.len(), before, "the counts of the period stay");
    assert!(asked.iter().all(|q| q.text == taxbot::store::FORGOTTEN), "{asked:?}");
    let filter = taxbot::store::AuditFilter { limit: 100, ..Default::default() };
    let audit = app.store.audit(&filter).await.expect("audit");
    assert!(audit.iter().all(|e| !e.actor.contains("13812345678") && e.ip.is_none()), "{audit:?}");
    let again = app.store.purge_before(chrono::Utc::now() + chrono::Duration::minutes(1)).await.expect("purge");
    assert_eq!(again, taxbot::store::PurgeCounts::default(), "a second purge has nothing left to do");
    let res = app.http.post(app.url("/api/v1/ask")).json(&body).send().await.expect("ask");
    assert!(res.status().is_success(), "the server still answers");
}
