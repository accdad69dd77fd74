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
