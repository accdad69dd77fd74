//! Analytics from real conversations: the hot list (API and greeting),
//! clusters of unanswered questions (dismiss, drop out once answered) and
//! the service figures, all recounted from a real SQLite file.

use serde_json::{Value, json};

use crate::helpers::{AGENT_1, TestApp, always_answer, always_clarify, ask_answer, spawn_app_with};
use taxbot::analytics::Period;
use taxbot::analytics::figures::{ALL_CHANNELS, day_of};
use taxbot::channels::web::protocol::{AgentServerMsg, ServerMsg};

fn kb_questions() -> Vec<String> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
    taxbot::kb::load(&dir).expect("kb").entries.iter().map(|e| e.question.clone()).collect()
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let r = app.http.get(app.url(path)).send().await.expect("request");
    (r.status().as_u16(), r.json().await.expect("json"))
}

async fn ask_no_answer(app: &TestApp, text: &str) {
    let (mut v, _) = app.visitor(None).await;
    v.send_json(json!({"type": "ask", "text": text})).await;
    v.recv_until(|m| matches!(m, ServerMsg::NoMatch { .. } | ServerMsg::Clarify { .. } | ServerMsg::OutOfScope { .. }))
        .await;
}

#[tokio::test]
async fn hot_list_counts_distinct_visitors_and_feeds_the_greeting() {
    let app = spawn_app_with(always_answer).await;
    let qs = kb_questions();
    let (mut a, _) = app.visitor(None).await;
    let mut repeated = String::new();
    for _ in 0..4 {
        repeated = ask_answer(&mut a, &qs[1]).await.1;
    }
    let (mut b, _) = app.visitor(None).await;
    ask_answer(&mut b, &qs[1]).await;
    let (_, other, _) = ask_answer(&mut b, &qs[0]).await;
    let (mut c, _) = app.visitor(None).await;
    ask_answer(&mut c, &qs[0]).await;
    let (mut d, _) = app.visitor(None).await;
    ask_answer(&mut d, &qs[0]).await;

    app.analytics.refresh().await.expect("recount");
    let (status, body) = get_json(&app, "/api/v1/hot?period=day&limit=2").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["period"], "day");
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    // Asked 5 times by 2 visitors vs 3 times by 3 visitors.
    assert_eq!((items[0]["id"].as_str(), items[0]["count"].as_u64()), (Some(other.as_str()), Some(3)));
    assert_eq!((items[1]["id"].as_str(), items[1]["count"].as_u64()), (Some(repeated.as_str()), Some(2)));
    assert_eq!(items[0]["question"].as_str(), Some(qs[0].as_str()));
    let (_, week) = get_json(&app, "/api/v1/hot").await;
    assert_eq!(week["period"], "week");
    assert_eq!(week["items"][0]["id"].as_str(), Some(other.as_str()));

    let (_, welcome) = app.visitor(None).await;
    let ServerMsg::Welcome { hot_questions, .. } = welcome else { panic!("{welcome:?}") };
    // Three different visitors make a hot question (analytics.hot_min_askers);
    // one visitor asking again and again does not. Then the editors' starters.
    assert_eq!(hot_questions[0].entry_id, other);
    let starters: Vec<&String> =
        app.config.chat.starter_questions.iter().filter(|id| **id != other && **id != repeated).collect();
    assert!(!hot_questions.iter().any(|q| q.entry_id == repeated), "{hot_questions:?}");
    assert_eq!(hot_questions[1].entry_id, *starters[0]);

    for bad in ["period=year", "limit=0", "limit=abc", "limit=51", "period=day&limit=-1"] {
        let (status, body) = get_json(&app, &format!("/api/v1/hot?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["code"], "invalid_query", "{bad}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("查询参数有误")), "{body}");
    }
}

#[tokio::test]
async fn unanswered_questions_cluster_and_leave_when_dismissed_or_answered() {
    let mut app = spawn_app_with(always_clarify).await;
    let kb = kb_questions()[0].clone();
    for q in ["宠物狗打疫苗要多少钱", "给狗打疫苗多少钱啊", "狗狗打疫苗大概要多少钱", "给狗打疫苗多少钱啊"]
    {
        ask_no_answer(&app, q).await;
    }
    ask_no_answer(&app, "今天天气怎么样").await;
    ask_no_answer(&app, &kb).await;

    let report = app.analytics.refresh().await.expect("recount");
    let clusters = report.clusters(Period::Week);
    let dogs = &clusters[0];
    assert_eq!((dogs.askers, dogs.count, dogs.questions.len()), (4, 4, 3), "{clusters:#?}");
    assert!(dogs.questions.iter().all(|q| q.contains("疫苗")), "{dogs:#?}");
    assert!(clusters.iter().any(|c| c.questions == vec!["今天天气怎么样".to_owned()]), "{clusters:#?}");
    assert!(clusters.iter().any(|c| c.questions == vec![kb.clone()]), "{clusters:#?}");

    assert!(app.analytics.dismiss(&dogs.id, "editor-1").await.expect("dismiss"));
    assert!(!app.analytics.dismiss("no-such-cluster", "editor-1").await.expect("dismiss"));
    let report = app.analytics.report();
    assert!(report.clusters(Period::Week).iter().all(|c| !c.label.contains("疫苗")));

    // The dismissal is stored; with the matcher's normal settings, the
    // knowledge-base question is answered now and its cluster disappears.
    app.config.search = taxbot::search::Settings::default();
    let app = app.restart().await;
    let report = app.analytics.refresh().await.expect("recount");
    let clusters = report.clusters(Period::Week);
    assert!(clusters.iter().all(|c| !c.label.contains("疫苗")), "{clusters:#?}");
    assert!(clusters.iter().all(|c| !c.questions.contains(&kb)), "{clusters:#?}");
    assert!(clusters.iter().any(|c| c.label == "今天天气怎么样"), "{clusters:#?}");
}

#[tokio::test]
async fn service_figures_from_real_conversations() {
    let app = spawn_app_with(always_answer).await;
    let qs = kb_questions();
    let (mut agent, _) = app.agent(AGENT_1).await;

    // Web 1: answered, then 👎 with a reason.
    let (mut v1, _) = app.visitor(None).await;
    let (answer_id, downvoted_entry, _) = ask_answer(&mut v1, &qs[0]).await;
    v1.send_json(json!({"type": "feedback", "answer_id": answer_id, "helpful": false, "comment": "=没说清楚"})).await;
    v1.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;

    // Web 2: answered, then asks for a human, is served and rates 4 stars.
    let (mut v2, welcome) = app.visitor(None).await;
    let ServerMsg::Welcome { session_id, .. } = welcome else { panic!("{welcome:?}") };
    ask_answer(&mut v2, &qs[1]).await;
    v2.send_json(json!({"type": "request_human"})).await;
    v2.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;
    agent.send_json(json!({"type": "accept", "session_id": session_id})).await;
    agent.recv_until(|m| matches!(m, AgentServerMsg::Assigned { .. })).await;
    v2.recv_until(|m| matches!(m, ServerMsg::AgentJoined { .. })).await;
    agent.send_json(json!({"type": "close", "session_id": session_id, "resolution": "已解答"})).await;
    v2.recv_until(|m| matches!(m, ServerMsg::ConversationClosed { .. })).await;
    v2.send_json(json!({"type": "rate", "stars": 4})).await;
    v2.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;

    // Web 3: asks for a human and gives up waiting.
    let (mut v3, _) = app.visitor(None).await;
    v3.send_json(json!({"type": "request_human"})).await;
    v3.recv_until(|m| matches!(m, ServerMsg::Queue { .. })).await;
    v3.send_json(json!({"type": "cancel_human"})).await;
    v3.recv_until(|m| matches!(m, ServerMsg::Ack { .. })).await;

    // HTTP API: answered, no complaint.
    let r = app.http.post(app.url("/api/v1/ask")).json(&json!({"user_id": "u-1", "text": qs[0]})).send().await;
    assert_eq!(r.expect("request").status(), 200);

    let report = app.analytics.refresh().await.expect("recount");
    let f = &report.figures;
    let today = day_of(chrono::Utc::now());
    let row = |channel: &str| f.days.iter().find(|d| d.day == today && d.channel == channel).expect("row").clone();
    let all = row(ALL_CHANNELS);
    assert_eq!((all.questions, all.answered, all.resolved, all.downvoted), (3, 3, 1, 1), "{all:?}");
    assert_eq!((all.handoff_requests, all.handoffs_connected), (2, 1), "{all:?}");
    assert_eq!(all.connect_rate, Some(0.5));
    assert!(all.wait_p50_secs.is_some_and(|s| (0.0..30.0).contains(&s)), "{all:?}");
    assert_eq!(all.resolution_rate, Some(1.0 / 3.0));
    let web = row("web");
    assert_eq!((web.questions, web.resolved, web.handoff_requests), (2, 0, 2), "{web:?}");
    let http = row("http");
    assert_eq!((http.questions, http.resolved, http.handoff_requests), (1, 1, 0), "{http:?}");
    assert_eq!(f.days[0].channel, ALL_CHANNELS, "each day's total row comes first");

    assert_eq!(f.entries.len(), 1, "{:?}", f.entries);
    let e = &f.entries[0];
    assert_eq!((e.entry_id.as_str(), e.answers, e.downvotes), (downvoted_entry.as_str(), 2, 1));
    assert_eq!(e.reasons, vec!["=没说清楚".to_owned()]);
    assert_eq!(f.agents.len(), 1);
    assert_eq!((f.agents[0].agent_id.as_str(), f.agents[0].ratings), (AGENT_1, 1));
    assert_eq!((f.agents[0].average_stars, f.agents[0].csat), (4.0, 1.0));
    assert_eq!((f.tickets.open, f.tickets.overdue), (0, 0));

    let csv = taxbot::analytics::csv::render(&["entry_id", "downvotes", "reasons"], &f.entries);
    assert!(csv.contains(&format!("{downvoted_entry},1,'=没说清楚\r\n")), "{csv}");
}
