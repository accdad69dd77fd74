//! The FAQ entry and its parsed-once identifiers.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An entry id: the catalog topic id, e.g. `VAT-007`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EntryId(String);

/// A category code, e.g. `VAT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Category(String);

/// Why a string is not a valid id or category.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{value}」不是有效的{what}：只能使用 1-64 个英文字母、数字、- 或 _")]
pub struct InvalidId {
    what: &'static str,
    value: String,
}

fn check_code(what: &'static str, value: String) -> Result<String, InvalidId> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(value) } else { Err(InvalidId { what, value }) }
}

impl TryFrom<String> for EntryId {
    type Error = InvalidId;
    fn try_from(value: String) -> Result<Self, InvalidId> {
        check_code("编号", value).map(EntryId)
    }
}

impl TryFrom<String> for Category {
    type Error = InvalidId;
    fn try_from(value: String) -> Result<Self, InvalidId> {
        check_code("分类", value).map(Category)
    }
}

impl From<EntryId> for String {
    fn from(id: EntryId) -> String {
        id.0
    }
}

impl From<Category> for String {
    fn from(c: Category) -> String {
        c.0
    }
}

impl EntryId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Category {
    /// The category code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A policy document an answer rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Document title, e.g. 《中华人民共和国增值税法》.
    pub title: String,
    /// The document number (文号).
    pub wenhao: String,
}

/// One FAQ entry: a question, its paraphrases and a cited, dated answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The topic id.
    pub id: EntryId,
    /// The topic's category code.
    pub category: Category,
    /// The canonical question.
    pub question: String,
    /// Paraphrases the way taxpayers ask.
    pub similar: Vec<String>,
    /// Distinctive terms of the topic.
    pub keywords: Vec<String>,
    /// Policy documents cited.
    pub sources: Vec<Source>,
    /// When the rule took effect.
    pub effective_from: NaiveDate,
    /// When a time-limited rule ends.
    pub effective_until: Option<NaiveDate>,
    /// When the entry was last reviewed.
    pub reviewed: NaiveDate,
    /// Doubts for an editor to check.
    pub review_note: Option<String>,
    /// The Markdown answer.
    pub answer: String,
}

impl Entry {
    /// The canonical question followed by the paraphrases.
    pub fn questions(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.question.as_str()).chain(self.similar.iter().map(String::as_str))
    }

    /// Whether the rule is in force on `date`: taken effect and not past `effective_until`
    /// (the end date itself still counts).
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && !self.expired_on(date)
    }

    /// Whether a time-limited rule has ended before `date`.
    pub fn expired_on(&self, date: NaiveDate) -> bool {
        self.effective_until.is_some_and(|until| until < date)
    }

    /// Whether the rule ends within `days` days after `date` (and has not ended yet).
    pub fn expires_within(&self, date: NaiveDate, days: i64) -> bool {
        self.effective_until.is_some_and(|until| until >= date && (until - date).num_days() <= days)
    }
}

/// Today's date in China (UTC+8), the calendar the policies' dates use.
pub fn today_in_china() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Entries whose policy ends within `days` days of `today`, soonest first.
pub fn expiring_within(entries: &[Entry], today: NaiveDate, days: i64) -> Vec<&Entry> {
    let mut out: Vec<&Entry> = entries.iter().filter(|e| e.expires_within(today, days)).collect();
    out.sort_by_key(|e| e.effective_until);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dated(from: &str, until: Option<&str>) -> Entry {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        Entry {
            id: EntryId::try_from("VAT-007".to_owned()).expect("id"),
            category: Category::try_from("VAT".to_owned()).expect("category"),
            question: "问".into(),
            similar: Vec::new(),
            keywords: Vec::new(),
            sources: Vec::new(),
            effective_from: d(from),
            effective_until: until.map(d),
            reviewed: d(from),
            review_note: None,
            answer: "答".into(),
        }
    }

    #[test]
    fn in_force_between_the_dates_inclusive() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let e = dated("2026-01-01", Some("2027-12-31"));
        assert!(!e.in_force_on(d("2025-12-31")));
        assert!(e.in_force_on(d("2026-01-01")));
        assert!(e.in_force_on(d("2027-12-31")));
        assert!(!e.in_force_on(d("2028-01-01")));
        assert!(e.expired_on(d("2028-01-01")));
        assert!(dated("2026-01-01", None).in_force_on(d("2099-01-01")));
    }

    #[test]
    fn expiring_lists_only_entries_ending_within_the_window() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let soon = dated("2026-01-01", Some("2026-12-10"));
        let later = dated("2026-01-01", Some("2027-12-31"));
        let ended = dated("2026-01-01", Some("2026-11-01"));
        let open = dated("2026-01-01", None);
        let all = [later.clone(), soon.clone(), ended, open];
        let found = expiring_within(&all, d("2026-11-23"), 30);
        assert_eq!(found, vec![&soon]);
        assert!(!later.expires_within(d("2026-11-23"), 30));
    }

    #[test]
    fn ids_accept_topic_codes_and_reject_junk() {
        assert!(EntryId::try_from("VAT-007".to_owned()).is_ok());
        assert!(EntryId::try_from(String::new()).is_err());
        assert!(EntryId::try_from("VAT 007".to_owned()).is_err());
        assert!(EntryId::try_from("../etc".to_owned()).is_err());
        assert!(Category::try_from("增值税".to_owned()).is_err());
    }
}
