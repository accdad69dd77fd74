//! `/api/admin/entries…`, `/api/admin/try`, word lists and Excel import/export
//! (editor+). The contract is in `docs/knowledge.md`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AdminState;
use crate::admin::{AdminRoutes, Principal, Role, audit};
use crate::api_error::{ApiError, Code};
use crate::json_body::JsonBody;
use crate::kb::{self, Entry};
use crate::knowledge::{KnowledgeKind, PublishPolicy};
use crate::text::{DictWord, Lexicon};

/// Largest accepted Excel import (and word list: the shipped dictionary alone is ~100 KB of JSON).
pub const IMPORT_LIMIT: usize = 10 * 1024 * 1024;

/// The knowledge routes.
pub fn routes(r: AdminRoutes) -> AdminRoutes {
    const E: Role = Role::Editor;
    r.add(Method::GET, "/api/admin/entries", E, list)
        .add(Method::POST, "/api/admin/entries", E, create)
        .add(Method::GET, "/api/admin/entries/{id}", E, one)
        .add(Method::PUT, "/api/admin/entries/{id}", E, save)
        .add(Method::POST, "/api/admin/entries/{id}/similar", E, similar)
        .add(Method::POST, "/api/admin/entries/{id}/publish", E, publish)
        .add(Method::GET, "/api/admin/entries/{id}/versions", E, versions)
        .add(Method::GET, "/api/admin/entries/{id}/versions/{version}", E, version)
        .add(Method::POST, "/api/admin/entries/{id}/rollback", E, rollback)
        .add(Method::DELETE, "/api/admin/entries/{id}/draft", E, discard)
        .add(Method::POST, "/api/admin/try", E, try_question)
        .add(Method::GET, "/api/admin/expiring", E, expiring)
        .add(Method::GET, "/api/admin/synonyms", E, synonyms)
        .add(Method::PUT, "/api/admin/synonyms", E, save_synonyms.layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
        .add(Method::GET, "/api/admin/dictionary", E, dictionary)
        .add(Method::PUT, "/api/admin/dictionary", E, save_dictionary.layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
        .add(Method::GET, "/api/admin/kb/export.xlsx", E, export)
        .add(Method::POST, "/api/admin/kb/import", E, import.layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
}

/// `?q=&category=&filter=`.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    category: Option<String>,
    filter: Option<String>,
    days: Option<i64>,
}

type ListParam = Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>;

fn query(q: ListParam) -> Result<ListQuery, ApiError> {
    q.map(|Query(q)| q).map_err(|e| ApiError::bad_query(e.body_text()))
}

/// Days ahead that count as "expiring" in the list.
const EXPIRING_DAYS: i64 = 30;

async fn list(State(s): State<AdminState>, q: ListParam) -> Result<Json<Value>, ApiError> {
    let q = query(q)?;
    let current = s.knowledge.current().await?;
    let today = kb::today_in_china();
    let report = s.analytics.report();
    let downvotes = |id: &str| report.figures.entries.iter().find(|v| v.entry_id == id).map_or(0, |v| v.downvotes);
    let mut ids: Vec<&String> = current.published.keys().chain(current.drafts.keys()).collect();
    ids.sort();
    ids.dedup();
    let mut categories: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    for id in ids {
        let draft = current.drafts.get(id.as_str());
        let Some(e) = current.published.get(id.as_str()).or(draft.map(|d| &d.entry)) else { continue };
        if !categories.contains(&e.category.to_string()) {
            categories.push(e.category.to_string());
        }
        let row = json!({
            "id": id, "category": e.category, "question": e.question, "has_draft": draft.is_some(),
            "published": current.published.contains_key(id.as_str()), "effective_until": e.effective_until,
            "expired": e.expired_on(today), "expiring": e.expires_within(today, EXPIRING_DAYS),
            "needs_review": e.review_note.is_some(), "downvotes": downvotes(id),
        });
        let text = q.q.as_deref().unwrap_or("").trim();
        let matches_text = text.is_empty() || id.contains(text) || e.questions().any(|x| x.contains(text));
        let matches_category = q.category.as_deref().is_none_or(|c| c.is_empty() || c == e.category.as_str());
        let matches_filter = match q.filter.as_deref().unwrap_or("") {
            "expiring" => row["expiring"] == json!(true) || row["expired"] == json!(true),
            "review" => e.review_note.is_some(),
            "downvoted" => downvotes(id) > 0,
            "draft" => draft.is_some(),
            "" => true,
            other => return Err(ApiError::bad_query(format!("未知的筛选条件 {other}"))),
        };
        if matches_text && matches_category && matches_filter {
            entries.push(row);
        }
    }
    categories.sort();
    Ok(Json(json!({"entries": entries, "categories": categories})))
}

async fn one(State(s): State<AdminState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let current = s.knowledge.current().await?;
    let published = current.published.get(&id);
    let draft = current.drafts.get(&id);
    if published.is_none() && draft.is_none() {
        return Err(crate::knowledge::KnowledgeError::NoEntry(id).into());
    }
    let review = s.knowledge.policy() == PublishPolicy::Review;
    Ok(Json(json!({
        "published": published, "draft": draft.map(|d| &d.entry), "draft_version": draft.map(|d| d.version),
        "awaiting_review": review && draft.is_some(),
        "policy": s.knowledge.policy(),
    })))
}

fn entry_body(body: &[u8]) -> Result<Entry, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        ApiError::new(Code::InvalidEntry, format!("字段 {field} 有误：{}", e.inner()))
    })
}

async fn save(
    State(s): State<AdminState>,
    who: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let entry = entry_body(&body)?;
    if entry.id.as_str() != id {
        return Err(ApiError::new(Code::InvalidEntry, format!("字段 id 应为 {id}（与地址一致）")));
    }
    let version = s.knowledge.save_draft(&entry, &who.name, false).await?;
    audit::record(&s, &who, "entry.save", &id, json!({"version": version})).await?;
    Ok(Json(json!({"version": version})))
}

async fn create(State(s): State<AdminState>, who: Principal, body: Bytes) -> Result<Json<Value>, ApiError> {
    let entry = entry_body(&body)?;
    let version = s.knowledge.save_draft(&entry, &who.name, true).await?;
    audit::record(&s, &who, "entry.save", entry.id.as_str(), json!({"version": version, "new": true})).await?;
    Ok(Json(json!({"version": version})))
}

#[derive(Debug, Deserialize)]
struct Similar {
    questions: Vec<String>,
}

async fn similar(
    State(s): State<AdminState>,
    who: Principal,
    Path(id): Path<String>,
    JsonBody(Similar { questions }): JsonBody<Similar>,
) -> Result<Json<Value>, ApiError> {
    let (version, added) = s.knowledge.add_similar(&id, &questions, &who.name).await?;
    audit::record(&s, &who, "entry.save", &id, json!({"version": version, "similar_added": added})).await?;
    Ok(Json(json!({"version": version, "added": added})))
}

async fn publish(State(s): State<AdminState>, who: Principal, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let version = s.knowledge.publish(&id, &who.name).await?;
    audit::record(&s, &who, "entry.publish", &id, json!({"version": version})).await?;
    Ok(Json(json!({"version": version, "published": true})))
}

async fn versions(State(s): State<AdminState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let all = s.store.knowledge_versions(KnowledgeKind::Entry, &id).await?;
    if all.is_empty() {
        return Err(crate::knowledge::KnowledgeError::NoEntry(id).into());
    }
    let versions: Vec<Value> = all
        .iter()
        .map(|v| {
            json!({"version": v.version, "state": v.state, "author": v.author,
                   "created_at": v.created_at.to_rfc3339(), "summary": v.summary, "reviewed_by": v.reviewed_by})
        })
        .collect();
    Ok(Json(json!({"versions": versions})))
}

async fn version(State(s): State<AdminState>, Path((id, version)): Path<(String, i64)>) -> Result<Response, ApiError> {
    let v = s.store.knowledge_version(KnowledgeKind::Entry, &id, version).await?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], v.content).into_response())
}

#[derive(Debug, Deserialize)]
struct Rollback {
    version: i64,
}

async fn rollback(
    State(s): State<AdminState>,
    who: Principal,
    Path(id): Path<String>,
    JsonBody(Rollback { version }): JsonBody<Rollback>,
) -> Result<Json<Value>, ApiError> {
    let new = s.knowledge.rollback(&id, version, &who.name).await?;
    audit::record(&s, &who, "entry.rollback", &id, json!({"to": version, "version": new})).await?;
    Ok(Json(json!({"version": new})))
}

async fn discard(State(s): State<AdminState>, who: Principal, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    s.knowledge.discard(&id).await?;
    audit::record(&s, &who, "entry.discard", &id, json!({})).await?;
    Ok(Json(json!({"discarded": true})))
}

/// `{"question"}` for one, or `{"questions": [...]}` for several (a cluster's
/// wordings) against one build of the draft index.
#[derive(Debug, Deserialize)]
struct Try {
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    questions: Vec<String>,
}

/// Most wordings tried at once.
const MAX_TRIED: usize = 50;

async fn try_question(
    State(s): State<AdminState>,
    JsonBody(Try { question, questions }): JsonBody<Try>,
) -> Result<Json<Value>, ApiError> {
    let single = question.is_some() && questions.is_empty();
    let asked: Vec<String> = question.into_iter().chain(questions).map(|q| q.trim().to_owned()).collect();
    if asked.is_empty() || asked.iter().any(String::is_empty) {
        return Err(ApiError::new(Code::EmptyText, "请输入要试问的问题"));
    }
    if asked.len() > MAX_TRIED {
        return Err(ApiError::new(Code::InvalidMessage, format!("一次最多试问 {MAX_TRIED} 个问法")));
    }
    let (outcomes, drafted) = s.knowledge.try_questions(&asked).await?;
    let view = |outcome: &crate::search::Outcome| {
        let candidates: Vec<Value> = outcome
            .ranked
            .iter()
            .map(|c| {
                let id = c.entry.id.as_str();
                json!({"id": id, "question": c.entry.question, "confidence": c.confidence,
                       "draft": drafted.iter().any(|d| d == id)})
            })
            .collect();
        json!({"decision": outcome.decision.kind(), "candidates": candidates})
    };
    if single {
        return Ok(Json(view(&outcomes[0])));
    }
    let results: Vec<Value> =
        asked.iter().zip(&outcomes).map(|(q, o)| json!({"question": q, "result": view(o)})).collect();
    Ok(Json(json!({"results": results})))
}

async fn expiring(State(s): State<AdminState>, q: ListParam) -> Result<Json<Value>, ApiError> {
    let days = query(q)?.days.unwrap_or(EXPIRING_DAYS);
    let base = s.knowledge.published_base().await?;
    let found: Vec<Value> = kb::expiring_within(&base.entries, kb::today_in_china(), days)
        .into_iter()
        .map(|e| json!({"id": e.id, "question": e.question, "effective_until": e.effective_until}))
        .collect();
    Ok(Json(json!({"entries": found})))
}

async fn synonyms(State(s): State<AdminState>) -> Result<Json<Value>, ApiError> {
    let current = s.knowledge.current().await?;
    let version = current.lists.get(&KnowledgeKind::Synonyms).map_or(0, |(v, _)| *v);
    Ok(Json(json!({"groups": current.lexicon().synonym_groups, "version": version})))
}

#[derive(Debug, Deserialize)]
struct Groups {
    groups: Vec<Vec<String>>,
}

/// Parses `text` with `parse`, failing with the first problem.
fn checked<T>(text: &str, parse: impl Fn(&str) -> (T, Vec<crate::text::LineProblem>)) -> Result<T, ApiError> {
    let (value, problems) = parse(text);
    match problems.first() {
        Some(p) => Err(ApiError::new(Code::InvalidEntry, format!("第 {} 项：{}", p.line, p.message))),
        None => Ok(value),
    }
}

async fn save_synonyms(
    State(s): State<AdminState>,
    who: Principal,
    JsonBody(Groups { groups }): JsonBody<Groups>,
) -> Result<Json<Value>, ApiError> {
    if let Some(bad) = groups.iter().find(|g| g.len() < 2 || g.iter().any(|w| w.trim().is_empty())) {
        return Err(ApiError::new(Code::InvalidEntry, format!("同义词组 {bad:?} 至少要有两个非空词")));
    }
    let text = kb::synonyms_text(&Lexicon { synonym_groups: groups, ..Lexicon::default() });
    checked(&text, crate::text::parse_synonyms)?;
    let version = s.knowledge.save_list(KnowledgeKind::Synonyms, text, &who.name).await?;
    audit::record(&s, &who, "synonyms.save", KnowledgeKind::Synonyms.as_str(), json!({"version": version})).await?;
    Ok(Json(json!({"version": version})))
}

async fn dictionary(State(s): State<AdminState>) -> Result<Json<Value>, ApiError> {
    let current = s.knowledge.current().await?;
    let version = current.lists.get(&KnowledgeKind::Dictionary).map_or(0, |(v, _)| *v);
    let words: Vec<Value> =
        current.lexicon().words.iter().map(|w| json!({"word": w.word, "freq": w.freq, "tag": w.tag})).collect();
    Ok(Json(json!({"words": words, "version": version})))
}

#[derive(Debug, Deserialize)]
struct Word {
    word: String,
    freq: Option<usize>,
    tag: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Words {
    words: Vec<Word>,
}

async fn save_dictionary(
    State(s): State<AdminState>,
    who: Principal,
    JsonBody(Words { words }): JsonBody<Words>,
) -> Result<Json<Value>, ApiError> {
    if let Some(bad) = words.iter().find(|w| {
        w.word.trim().is_empty()
            || w.word.contains(char::is_whitespace)
            || w.tag.as_deref().is_some_and(|t| t.contains(char::is_whitespace) || t.is_empty())
    }) {
        return Err(ApiError::new(Code::InvalidEntry, format!("词「{}」无效：词和词性不能为空或含空格", bad.word)));
    }
    let words = words.into_iter().map(|w| DictWord { word: w.word, freq: w.freq, tag: w.tag }).collect();
    let text = kb::dict_text(&Lexicon { words, ..Lexicon::default() });
    checked(&text, crate::text::parse_dict)?;
    let version = s.knowledge.save_list(KnowledgeKind::Dictionary, text, &who.name).await?;
    audit::record(&s, &who, "dictionary.save", KnowledgeKind::Dictionary.as_str(), json!({"version": version})).await?;
    Ok(Json(json!({"version": version})))
}

async fn export(State(s): State<AdminState>) -> Result<Response, ApiError> {
    let bytes = s.knowledge.export_xlsx().await?;
    let ct = HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let disposition = HeaderValue::from_static("attachment; filename=\"taxbot-knowledge.xlsx\"");
    Ok(([(header::CONTENT_TYPE, ct), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// `?mode=` of an import: `publish` (default: everything live at once),
/// `preview` (what would change, nothing written) or `drafts` (added and
/// changed entries become drafts to review and publish one by one).
#[derive(Debug, Default, Deserialize)]
struct ImportQuery {
    mode: Option<String>,
}

async fn import(
    State(s): State<AdminState>,
    who: Principal,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mode = q.mode.unwrap_or_else(|| "publish".into());
    if !matches!(mode.as_str(), "publish" | "preview" | "drafts") {
        return Err(ApiError::bad_query(format!("未知的导入方式 {mode}（可用 publish、preview、drafts）")));
    }
    let limits = s.import.clone();
    let kb = tokio::task::spawn_blocking(move || kb::from_xlsx(&body, &limits))
        .await
        .map_err(|e| ApiError::new(Code::InvalidImport, e.to_string()))?
        .map_err(|e| match e {
            kb::XlsxImportError::Invalid(rows) => ApiError::new(
                Code::InvalidImport,
                format!(
                    "Excel 有 {} 处错误，未导入任何内容：{}",
                    rows.len(),
                    rows.iter().map(ToString::to_string).collect::<Vec<_>>().join("；")
                ),
            ),
            other => ApiError::from(other),
        })?;
    match mode.as_str() {
        "preview" => Ok(Json(json!(s.knowledge.import_preview(&kb).await?))),
        "drafts" => {
            let counts = s.knowledge.import_into_drafts(&kb, &who.name).await?;
            audit::record(&s, &who, "kb.import", "xlsx", json!({"drafts": counts})).await?;
            Ok(Json(json!(counts)))
        }
        _ => {
            let counts = s.knowledge.import(kb, &who.name).await?;
            audit::record(&s, &who, "kb.import", "xlsx", json!(counts)).await?;
            Ok(Json(json!(counts)))
        }
    }
}
