//! `GET`/`PUT /api/admin/starters` (editor+): the starter questions a new
//! visitor is offered (see `knowledge::starters`).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::{AdminState, Principal, audit};
use crate::api_error::ApiError;
use crate::json_body::JsonBody;
use crate::knowledge::Starters;

/// The starter questions in effect.
pub(super) async fn list(State(s): State<AdminState>) -> Result<Json<Starters>, ApiError> {
    Ok(Json(s.knowledge.starters().await?))
}

/// `{"entry_ids": ["VAT-007", …]}`, in order; `[]` returns to the configured list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Save {
    entry_ids: Vec<String>,
}

/// Replaces the starter questions (audited as `starters.save`).
pub(super) async fn save(
    State(s): State<AdminState>,
    who: Principal,
    JsonBody(Save { entry_ids }): JsonBody<Save>,
) -> Result<Json<Starters>, ApiError> {
    let starters = s.knowledge.set_starters(&entry_ids).await?;
    audit::record(&s, &who, "starters.save", "-", json!({"entry_ids": entry_ids})).await?;
    Ok(Json(starters))
}
