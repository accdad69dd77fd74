//! `GET /api/v1/hot?period=day|week|month&limit=N`: the public hot list.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use crate::analytics::{Analytics, HotItem, Period, report::MAX_HOT};
use crate::api_error::ApiError;

/// Default and largest `limit`.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = MAX_HOT as usize;

/// Query of `GET /api/v1/hot` (strings, so that bad values get our message).
#[derive(Debug, Default, Deserialize)]
pub struct HotQuery {
    period: Option<String>,
    limit: Option<String>,
}

/// Response of `GET /api/v1/hot`.
#[derive(Debug, Serialize)]
pub struct HotResponse {
    /// The period counted.
    pub period: Period,
    /// Most asked first.
    pub items: Vec<HotItem>,
}

/// The most-asked entries of a period.
pub async fn hot(
    State(analytics): State<Arc<Analytics>>,
    query: Result<Query<HotQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<HotResponse>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_query(e.body_text()))?;
    let period =
        Period::parse(q.period.as_deref().unwrap_or("week")).map_err(|e| ApiError::bad_query(e.to_string()))?;
    let limit = match q.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => return Err(ApiError::bad_query(format!("limit 应为 1 到 {MAX_LIMIT} 之间的整数"))),
        },
    };
    let report = analytics.report();
    let items = report.hot(period).iter().take(limit).cloned().collect();
    Ok(Json(HotResponse { period, items }))
}
