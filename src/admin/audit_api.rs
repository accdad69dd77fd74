//! `GET /api/admin/audit` (JSON) and `GET /api/admin/audit.csv`: the audit log
//! filtered by actor, action (exact, or a prefix ending in `.`) and date range.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AdminState;
use crate::analytics::csv;
use crate::api_error::ApiError;
use crate::store::{AuditEntry, AuditFilter};

/// Most rows one request returns.
const MAX_ROWS: u32 = 5000;

/// Query parameters (`from`/`until` are dates, `until` inclusive).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    until: Option<String>,
    limit: Option<u32>,
}

fn date(s: &str) -> Result<chrono::DateTime<Utc>, ApiError> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ApiError::bad_query(format!("日期 {s} 应写成 2026-01-31 的形式")))?;
    Ok(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()))
}

fn filter(p: Params) -> Result<AuditFilter, ApiError> {
    let nonempty = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let from = nonempty(p.from).map(|s| date(&s)).transpose()?;
    let until = nonempty(p.until).map(|s| date(&s).map(|d| d + chrono::Duration::days(1))).transpose()?;
    Ok(AuditFilter {
        actor: nonempty(p.actor),
        action: nonempty(p.action),
        from,
        until,
        limit: p.limit.unwrap_or(500).clamp(1, MAX_ROWS),
    })
}

async fn rows(
    state: &AdminState,
    q: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Vec<AuditEntry>, ApiError> {
    let Query(p) = q.map_err(|e| ApiError::bad_query(e.body_text()))?;
    Ok(state.store.audit(&filter(p)?).await?)
}

/// The filtered log, newest first.
pub(super) async fn list(
    State(state): State<AdminState>,
    q: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"entries": rows(&state, q).await?})))
}

/// The same rows as CSV (UTF-8 with BOM so that spreadsheet programs read the Chinese text).
pub(super) async fn csv(
    State(state): State<AdminState>,
    q: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let mut out = String::from("\u{feff}time,actor,action,target,ip,detail\r\n");
    for e in rows(&state, q).await? {
        let fields = [e.at.to_rfc3339(), e.actor, e.action, e.target, e.ip.unwrap_or_default(), e.detail.to_string()];
        let line: Vec<String> = fields.iter().map(|f| csv::cell(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
    ];
    Ok((headers, out).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_and_until_is_inclusive() {
        let p = Params { from: Some("2026-11-01".into()), until: Some("2026-11-23".into()), ..Params::default() };
        let f = filter(p).expect("valid");
        assert_eq!(f.until.map(|d| d.to_rfc3339()), Some("2026-11-24T00:00:00+00:00".into()));
        assert!(filter(Params { from: Some("23/11/2026".into()), ..Params::default() }).is_err());
    }
}
