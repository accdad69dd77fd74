//! `/api/admin/analytics/*` (editor+): the cached analytics report as JSON,
//! each table also as CSV, and dismissing a cluster of unanswered questions.
//! Definitions of every figure: `docs/analytics.md`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AdminRoutes, AdminState, Principal, Role, audit};
use crate::analytics::{Period, export};
use crate::api_error::{ApiError, Code};

/// The analytics routes.
pub fn routes(r: AdminRoutes) -> AdminRoutes {
    const E: Role = Role::Editor;
    r.add(Method::GET, "/api/admin/analytics/hot", E, hot)
        .add(Method::GET, "/api/admin/analytics/hot.csv", E, hot_csv)
        .add(Method::GET, "/api/admin/analytics/clusters", E, clusters)
        .add(Method::GET, "/api/admin/analytics/clusters.csv", E, clusters_csv)
        .add(Method::POST, "/api/admin/analytics/clusters/{id}/dismiss", E, dismiss)
        .add(Method::GET, "/api/admin/analytics/figures", E, figures)
        .add(Method::GET, "/api/admin/analytics/figures.csv", E, figures_csv)
        .add(Method::GET, "/api/admin/analytics/entries", E, entries)
        .add(Method::GET, "/api/admin/analytics/entries.csv", E, entries_csv)
        .add(Method::GET, "/api/admin/analytics/agents.csv", E, agents_csv)
}

/// `?period=day|week|month` (default week).
#[derive(Debug, Default, Deserialize)]
struct PeriodQuery {
    period: Option<String>,
}

fn period(q: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>) -> Result<Period, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_query(e.body_text()))?;
    Period::parse(q.period.as_deref().unwrap_or("week")).map_err(|e| ApiError::bad_query(e.to_string()))
}

type PeriodParam = Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>;

fn csv(name: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"taxbot-{name}.csv\"");
    let disposition = HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment"));
    let ct = HeaderValue::from_static("text/csv; charset=utf-8");
    ([(header::CONTENT_TYPE, ct), (header::CONTENT_DISPOSITION, disposition)], body).into_response()
}

async fn hot(State(s): State<AdminState>, q: PeriodParam) -> Result<Json<Value>, ApiError> {
    let (p, r) = (period(q)?, s.analytics.report());
    Ok(Json(json!({"period": p, "computed_at": r.computed_at, "items": r.hot(p)})))
}

async fn hot_csv(State(s): State<AdminState>, q: PeriodParam) -> Result<Response, ApiError> {
    let p = period(q)?;
    Ok(csv(&format!("hot-{}", p.name()), export::hot(&s.analytics.report(), p)))
}

async fn clusters(State(s): State<AdminState>, q: PeriodParam) -> Result<Json<Value>, ApiError> {
    let (p, r) = (period(q)?, s.analytics.report());
    Ok(Json(json!({"period": p, "computed_at": r.computed_at, "clusters": r.clusters(p)})))
}

async fn clusters_csv(State(s): State<AdminState>, q: PeriodParam) -> Result<Response, ApiError> {
    let p = period(q)?;
    Ok(csv(&format!("unanswered-{}", p.name()), export::clusters(&s.analytics.report(), p)))
}

async fn dismiss(State(s): State<AdminState>, who: Principal, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let found = s.analytics.dismiss(&id, &who.name).await?;
    if !found {
        return Err(ApiError::new(Code::NotFound, "该问题分组不存在或已变化，请刷新后重试"));
    }
    audit::record(&s, &who, "cluster.dismiss", &id, json!({})).await?;
    Ok(Json(json!({"dismissed": id})))
}

async fn figures(State(s): State<AdminState>) -> Json<Value> {
    let r = s.analytics.report();
    Json(json!({"computed_at": r.computed_at, "figures": r.figures}))
}

async fn figures_csv(State(s): State<AdminState>) -> Response {
    csv("figures", export::days(&s.analytics.report()))
}

async fn entries(State(s): State<AdminState>) -> Json<Value> {
    let r = s.analytics.report();
    Json(json!({"computed_at": r.computed_at, "entries": r.figures.entries}))
}

async fn entries_csv(State(s): State<AdminState>) -> Response {
    csv("downvotes", export::entries(&s.analytics.report()))
}

async fn agents_csv(State(s): State<AdminState>) -> Response {
    csv("csat", export::agents(&s.analytics.report()))
}
