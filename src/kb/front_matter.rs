//! Parsing one entry file: TOML front matter between `+++` lines, then Markdown.

use chrono::NaiveDate;
use serde::Deserialize;

use super::entry::{Category, Entry, EntryId, Source};

/// A problem found in one file, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    id: Option<String>,
    category: Option<String>,
    question: Option<String>,
    similar: Option<Vec<String>>,
    keywords: Option<Vec<String>>,
    sources: Option<Vec<RawSource>>,
    effective_from: Option<toml::Value>,
    effective_until: Option<toml::Value>,
    reviewed: Option<toml::Value>,
    review_note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    title: Option<String>,
    wenhao: Option<String>,
}

const FENCE: &str = "+++";

/// Parses a whole entry file, collecting every problem rather than stopping at the first.
pub fn parse_entry(content: &str) -> Result<Entry, Vec<FileProblem>> {
    let lines: Vec<&str> = content.lines().collect();
    let problem = |line: usize, message: String| vec![FileProblem { line, message }];
    if lines.first().map(|l| l.trim_start_matches('\u{feff}').trim()) != Some(FENCE) {
        return Err(problem(1, "文件必须以 +++ 行开始（TOML 头部）".into()));
    }
    let Some(close) = lines.iter().skip(1).position(|l| l.trim() == FENCE).map(|i| i + 1) else {
        return Err(problem(1, "找不到结束 TOML 头部的 +++ 行".into()));
    };
    let toml_text = lines[1..close].join("\n");
    let raw: RawFrontMatter = toml::from_str(&toml_text).map_err(|e| {
        let line = e.span().map_or(0, |s| toml_text[..s.start].matches('\n').count()) + 2;
        problem(line, format!("TOML 头部有误：{}", e.message()))
    })?;
    let answer = lines[close + 1..].join("\n").trim().to_owned();
    Validator { lines: &lines, problems: Vec::new() }.finish(raw, answer, close + 2)
}

/// Turns the raw front matter into an `Entry`, noting each problem at the line of its key.
struct Validator<'a> {
    lines: &'a [&'a str],
    problems: Vec<FileProblem>,
}

impl Validator<'_> {
    fn line_of_key(&self, key: &str) -> usize {
        self.lines
            .iter()
            .position(|l| {
                let l = l.trim_start();
                l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
                    || l.trim() == format!("[[{key}]]")
            })
            .map_or(1, |i| i + 1)
    }

    fn report(&mut self, key: &str, message: String) {
        let line = self.line_of_key(key);
        self.problems.push(FileProblem { line, message });
    }

    fn required<T>(&mut self, key: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.problems.push(FileProblem { line: 1, message: format!("缺少必填字段 `{key}`") });
        }
        value
    }

    fn text(&mut self, key: &str, value: Option<String>) -> Option<String> {
        let value = self.required(key, value)?;
        if value.trim().is_empty() {
            self.report(key, format!("`{key}` 不能为空"));
            return None;
        }
        Some(value.trim().to_owned())
    }

    fn date(&mut self, key: &str, value: Option<toml::Value>) -> Option<NaiveDate> {
        let text = match value? {
            toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
            toml::Value::String(s) => s,
            other => other.to_string(),
        };
        let parsed = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
        if parsed.is_none() {
            self.report(key, format!("`{key}` 不是有效日期（应为 2026-01-01 这样的日期）：{text}"));
        }
        parsed
    }

    fn sources(&mut self, raw: Option<Vec<RawSource>>) -> Vec<Source> {
        let raw = self.required("sources", raw).unwrap_or_default();
        if raw.is_empty() {
            self.report("sources", "至少需要一个政策依据（[[sources]]）".into());
        }
        let mut sources = Vec::new();
        for (i, s) in raw.into_iter().enumerate() {
            match (s.title.filter(|t| !t.trim().is_empty()), s.wenhao.filter(|w| !w.trim().is_empty())) {
                (Some(title), Some(wenhao)) => sources.push(Source { title, wenhao }),
                _ => self.report("sources", format!("第 {} 个政策依据缺少 title 或 wenhao（文号）", i + 1)),
            }
        }
        sources
    }

    fn finish(mut self, raw: RawFrontMatter, answer: String, answer_line: usize) -> Result<Entry, Vec<FileProblem>> {
        let id = self.text("id", raw.id).and_then(|s| match EntryId::try_from(s) {
            Ok(id) => Some(id),
            Err(e) => {
                self.report("id", e.to_string());
                None
            }
        });
        let category = self.text("category", raw.category).and_then(|s| match Category::try_from(s) {
            Ok(c) => Some(c),
            Err(e) => {
                self.report("category", e.to_string());
                None
            }
        });
        let question = self.text("question", raw.question);
        let similar: Vec<String> = self.required("similar", raw.similar).unwrap_or_default();
        if similar.iter().any(|s| s.trim().is_empty()) {
            self.report("similar", "`similar` 中有空字符串".into());
        }
        let effective_from = self.required("effective_from", raw.effective_from);
        let effective_from = self.date("effective_from", effective_from);
        let effective_until = self.date("effective_until", raw.effective_until);
        if let (Some(from), Some(until)) = (effective_from, effective_until)
            && until < from
        {
            self.report("effective_until", format!("失效日期 {until} 早于生效日期 {from}"));
        }
        let reviewed = self.required("reviewed", raw.reviewed);
        let reviewed = self.date("reviewed", reviewed);
        let sources = self.sources(raw.sources);
        if answer.is_empty() {
            self.problems
                .push(FileProblem {
                    line: answer_line, message: "答案为空：+++ 之后需要 Markdown 答案".into()
                });
        }
        match (id, category, question, effective_from, reviewed) {
            (Some(id), Some(category), Some(question), Some(effective_from), Some(reviewed))
                if self.problems.is_empty() =>
            {
                Ok(Entry {
                    id,
                    category,
                    question,
                    similar: similar.into_iter().map(|s| s.trim().to_owned()).collect(),
                    keywords: raw.keywords.unwrap_or_default(),
                    sources,
                    effective_from,
                    effective_until,
                    reviewed,
                    review_note: raw.review_note.filter(|n| !n.trim().is_empty()),
                    answer,
                })
            }
            _ => Err(self.problems),
        }
    }
}

/// The 1-based line of the first line in `content` that contains `needle`.
pub fn line_containing(content: &str, needle: &str) -> usize {
    content.lines().position(|l| l.contains(needle)).map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\nid = \"VAT-007\"\ncategory = \"VAT\"\nquestion = \"小规模纳税人免征额是多少？\"\nsimilar = [\"小规模免税额度\"]\nkeywords = [\"免征\"]\neffective_from = 2026-01-01\neffective_until = 2027-12-31\nreviewed = 2026-11-23\n\n[[sources]]\ntitle = \"《公告》\"\nwenhao = \"财政部 税务总局公告2026年第10号\"\n+++\n月销售额不超过10万元免征。\n";

    #[test]
    fn parses_a_complete_entry() {
        let e = parse_entry(GOOD).expect("valid");
        assert_eq!(e.id.as_str(), "VAT-007");
        assert_eq!(e.effective_until, NaiveDate::from_ymd_opt(2027, 12, 31));
        assert_eq!(e.sources[0].wenhao, "财政部 税务总局公告2026年第10号");
        assert_eq!(e.answer, "月销售额不超过10万元免征。");
    }

    #[test]
    fn reports_bad_dates_at_their_line() {
        let bad = GOOD.replace("reviewed = 2026-11-23", "reviewed = \"2026-13-45\"");
        let problems = parse_entry(&bad).expect_err("bad date");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 9);
        assert!(problems[0].message.contains("reviewed"));
    }

    #[test]
    fn reports_every_missing_field_and_the_empty_answer() {
        let bad =
            GOOD.replace("question = \"小规模纳税人免征额是多少？\"\n", "").replace("月销售额不超过10万元免征。\n", "");
        let problems = parse_entry(&bad).expect_err("two problems");
        assert!(problems.iter().any(|p| p.message.contains("question")), "{problems:?}");
        assert!(problems.iter().any(|p| p.message.contains("答案为空")), "{problems:?}");
    }

    #[test]
    fn reports_toml_syntax_errors_with_the_file_line() {
        let bad = GOOD.replace("keywords = [\"免征\"]", "keywords = [\"免征\"");
        let problems = parse_entry(&bad).expect_err("syntax");
        assert!(problems[0].line >= 6 && problems[0].line <= 8, "{problems:?}");
    }

    #[test]
    fn rejects_files_without_front_matter() {
        assert_eq!(parse_entry("just text").expect_err("no fence")[0].line, 1);
        assert!(parse_entry("+++\nid = \"A\"\n").is_err());
        assert!(parse_entry("").is_err());
    }

    #[test]
    fn rejects_unknown_keys_and_sources_without_wenhao() {
        let bad = GOOD.replace("wenhao = \"财政部 税务总局公告2026年第10号\"", "");
        assert!(parse_entry(&bad).expect_err("no wenhao")[0].message.contains("wenhao"));
        let bad = GOOD.replace("keywords", "keyword");
        assert!(parse_entry(&bad).is_err());
    }
}
