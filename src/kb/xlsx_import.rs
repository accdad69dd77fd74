//! Reading a knowledge-base workbook (layout in [`super::xlsx`]): every row is
//! validated like the loader validates a file, every bad row is reported by
//! sheet and row number, and nothing is returned unless all rows are valid.

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use super::export::toml_string;
use super::front_matter::parse_entry;
use super::load::check_duplicates;
use super::xlsx::{
    DICT_COLUMNS, DICT_SHEET, ENTRIES_SHEET, ENTRY_COLUMNS, STOPWORD_COLUMNS, STOPWORDS_SHEET, SYNONYM_COLUMNS,
    SYNONYMS_SHEET,
};
use super::xlsx_limits::{self, ImportLimits, Limit, Refusal};
use super::{Entry, KnowledgeBase};
use crate::api_error::{Code, ErrorCode};
use crate::text::{self, Lexicon, LineProblem};

/// One bad row of a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The sheet.
    pub sheet: &'static str,
    /// The row as Excel numbers it (the header is row 1).
    pub row: u32,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "工作表「{}」第 {} 行：{}", self.sheet, self.row, self.message)
    }
}

/// Why a workbook could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum XlsxImportError {
    /// Not an `.xlsx` file, or a damaged one.
    #[error("无法读取 Excel 文件（需要 .xlsx 格式）：{0}")]
    Unreadable(String),
    /// A required sheet is absent.
    #[error("Excel 文件缺少工作表「{0}」")]
    MissingSheet(&'static str),
    /// A required column is absent from a sheet's header row.
    #[error("工作表「{sheet}」的第一行缺少列「{column}」")]
    MissingColumn {
        /// The sheet.
        sheet: &'static str,
        /// The column header.
        column: &'static str,
    },
    /// Over one of the `[import]` bounds; nothing was read or imported.
    #[error("Excel 文件超出限制：{limit}超过上限 {max}（配置项 {key}），未导入任何内容", key = .limit.key())]
    TooLarge {
        /// The bound.
        limit: Limit,
        /// Its configured value.
        max: u64,
    },
    /// Rows are invalid; nothing was imported.
    #[error("Excel 有 {} 处错误，未导入任何内容。首个：{}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<RowProblem>),
}

impl ErrorCode for XlsxImportError {
    fn code(&self) -> Code {
        match self {
            XlsxImportError::TooLarge { .. } => Code::ImportTooLarge,
            _ => Code::InvalidImport,
        }
    }
}

/// A sheet's data rows: (Excel row number, cells in the order of the asked columns).
type Rows = Vec<(u32, Vec<String>)>;

/// Reads a workbook into a knowledge base, all or nothing, after checking it
/// against `limits` (see [`super::xlsx_limits`]).
pub fn from_xlsx(bytes: &[u8], limits: &ImportLimits) -> Result<KnowledgeBase, XlsxImportError> {
    let started = Instant::now();
    xlsx_limits::check(bytes, limits).map_err(|refusal| match refusal {
        Refusal::Over(limit) => XlsxImportError::TooLarge { limit, max: limit.value(limits) },
        Refusal::Unreadable(e) => XlsxImportError::Unreadable(e),
    })?;
    let kb = read_workbook(bytes)?;
    if started.elapsed() > Duration::from_secs(limits.max_seconds) {
        return Err(XlsxImportError::TooLarge { limit: Limit::Seconds, max: limits.max_seconds });
    }
    Ok(kb)
}

fn read_workbook(bytes: &[u8]) -> Result<KnowledgeBase, XlsxImportError> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| XlsxImportError::Unreadable(e.to_string()))?;
    let entries = read_sheet(&mut wb, ENTRIES_SHEET, &ENTRY_COLUMNS, 8, true)?;
    let synonyms = read_sheet(&mut wb, SYNONYMS_SHEET, &SYNONYM_COLUMNS, 2, false)?;
    let dict = read_sheet(&mut wb, DICT_SHEET, &DICT_COLUMNS, 1, false)?;
    let stopwords = read_sheet(&mut wb, STOPWORDS_SHEET, &STOPWORD_COLUMNS, 1, false)?;
    let mut problems = Vec::new();
    let entries = read_entries(&entries, &mut problems);
    let lexicon = read_lexicon(&synonyms, &dict, &stopwords, &mut problems);
    if problems.is_empty() {
        Ok(KnowledgeBase { entries, lexicon, topics: None })
    } else {
        problems.sort_by_key(|p| (p.sheet != ENTRIES_SHEET, p.sheet, p.row));
        Err(XlsxImportError::Invalid(problems))
    }
}

fn read_sheet(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &'static str,
    columns: &[&'static str],
    required: usize,
    must_exist: bool,
) -> Result<Rows, XlsxImportError> {
    let range = match wb.worksheet_range(sheet) {
        Ok(range) => range,
        Err(calamine::XlsxError::WorksheetNotFound(_)) if !must_exist => return Ok(Vec::new()),
        Err(calamine::XlsxError::WorksheetNotFound(_)) => return Err(XlsxImportError::MissingSheet(sheet)),
        Err(e) => return Err(XlsxImportError::Unreadable(e.to_string())),
    };
    let Some((first_row, _)) = range.start() else {
        return if must_exist {
            Err(XlsxImportError::MissingColumn { sheet, column: columns[0] })
        } else {
            Ok(Vec::new())
        };
    };
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().map(|r| r.iter().map(cell_text).collect()).unwrap_or_default();
    let mut index = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        match header.iter().position(|h| h.trim() == *column) {
            Some(at) => index.push(Some(at)),
            None if i < required => return Err(XlsxImportError::MissingColumn { sheet, column }),
            None => index.push(None),
        }
    }
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        let cells: Vec<String> =
            index.iter().map(|at| at.and_then(|at| row.get(at)).map(cell_text).unwrap_or_default()).collect();
        if cells.iter().any(|c| !c.trim().is_empty()) {
            out.push((first_row + i as u32 + 2, cells));
        }
    }
    Ok(out)
}

/// A cell as text: numbers without a needless `.0`, date cells as `2026-01-01`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.replace("\r\n", "\n"),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => excel_date(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
        Data::Error(e) => format!("#{e:?}"),
        Data::Empty => String::new(),
    }
}

/// An Excel serial day number as `YYYY-MM-DD` (1900 date system).
fn excel_date(serial: f64) -> String {
    chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(serial.floor() as i64)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| serial.to_string())
}

fn lines(cell: &str) -> Vec<String> {
    cell.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn toml_array(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", items.join(", "))
}

/// The entry file a row stands for, so the loader's own checks apply.
fn entry_text(c: &[String]) -> String {
    let mut out = String::from("+++\n");
    let keys = ["id", "category", "question"];
    for (key, cell) in keys.iter().zip(c) {
        if !cell.trim().is_empty() {
            out.push_str(&format!("{key} = {}\n", toml_string(cell.trim())));
        }
    }
    out.push_str(&format!("similar = {}\n", toml_array(&lines(&c[3]))));
    out.push_str(&format!("keywords = {}\n", toml_array(&lines(&c[8]))));
    for (key, cell) in [("effective_from", &c[6]), ("effective_until", &c[7]), ("reviewed", &c[9])] {
        if !cell.trim().is_empty() {
            out.push_str(&format!("{key} = {}\n", toml_string(cell.trim())));
        }
    }
    if !c[10].trim().is_empty() {
        out.push_str(&format!("review_note = {}\n", toml_string(&c[10])));
    }
    let sources = lines(&c[5]);
    if sources.is_empty() {
        out.push_str("sources = []\n");
    }
    for line in sources {
        out.push_str("[[sources]]\n");
        match line.rfind(['|', '｜']) {
            Some(at) => {
                let wenhao = line[at..].chars().skip(1).collect::<String>();
                out.push_str(&format!("title = {}\n", toml_string(line[..at].trim())));
                out.push_str(&format!("wenhao = {}\n", toml_string(wenhao.trim())));
            }
            None => out.push_str(&format!("title = {}\n", toml_string(&line))),
        }
    }
    out.push_str("+++\n");
    out.push_str(&c[4]);
    out
}

/// The loader's field names in its messages, as the sheet's column names.
fn in_columns(message: &str) -> String {
    let names = [
        ("`effective_from`", "「生效日期」"),
        ("`effective_until`", "「失效日期」"),
        ("`review_note`", "「审核备注」"),
        ("`reviewed`", "「复核日期」"),
        ("`question`", "「标准问题」"),
        ("`category`", "「分类」"),
        ("`similar`", "「相似问法」"),
        ("`sources`", "「政策依据」"),
        ("`id`", "「编号」"),
        ("（[[sources]]）", "（每行：标题 | 文号）"),
        ("+++ 之后需要 Markdown 答案", "「答案」列不能为空"),
    ];
    names.iter().fold(message.to_owned(), |m, (from, to)| m.replace(&format!("{from} "), to).replace(from, to))
}

fn read_entries(rows: &Rows, problems: &mut Vec<RowProblem>) -> Vec<Entry> {
    let label = |row: u32| PathBuf::from(format!("第{row}行"));
    let mut parsed = Vec::new();
    let mut row_of: HashMap<PathBuf, u32> = HashMap::new();
    for (row, cells) in rows {
        let text = entry_text(cells);
        match parse_entry(&text) {
            Ok(entry) => {
                row_of.insert(label(*row), *row);
                parsed.push((label(*row), text, entry));
            }
            Err(found) => problems.extend(found.into_iter().map(|p| RowProblem {
                sheet: ENTRIES_SHEET,
                row: *row,
                message: in_columns(&p.message),
            })),
        }
    }
    let mut duplicates = Vec::new();
    check_duplicates(&parsed, &mut duplicates);
    problems.extend(duplicates.into_iter().map(|p| RowProblem {
        sheet: ENTRIES_SHEET,
        row: row_of.get(&p.path).copied().unwrap_or_default(),
        message: p.message,
    }));
    parsed.into_iter().map(|(_, _, e)| e).collect()
}

/// One generated text line per row, so a parser's line number is the row's index.
fn as_lines(rows: &Rows, line: impl Fn(&[String]) -> String) -> (String, Vec<u32>) {
    let text: Vec<String> = rows.iter().map(|(_, c)| line(c)).collect();
    (text.join("\n"), rows.iter().map(|(r, _)| *r).collect())
}

fn at_rows(sheet: &'static str, rows: &[u32], found: Vec<LineProblem>, problems: &mut Vec<RowProblem>) {
    problems.extend(found.into_iter().map(|p| RowProblem {
        sheet,
        row: rows.get(p.line.saturating_sub(1)).copied().unwrap_or_default(),
        message: p.message,
    }));
}

fn read_lexicon(synonyms: &Rows, dict: &Rows, stopwords: &Rows, problems: &mut Vec<RowProblem>) -> Lexicon {
    for (row, c) in synonyms {
        if c[0].trim().is_empty() {
            problems
                .push(RowProblem { sheet: SYNONYMS_SHEET, row: *row, message: "「规范词」不能为空".into() });
        }
    }
    for (row, c) in dict {
        if c[0].trim().is_empty() {
            problems.push(RowProblem { sheet: DICT_SHEET, row: *row, message: "「词」不能为空".into() });
        } else if c[0].trim().contains(char::is_whitespace) {
            problems.push(RowProblem {
                sheet: DICT_SHEET,
                row: *row,
                message: format!("词「{}」不能含空格", c[0].trim()),
            });
        }
    }
    let (text, rows) = as_lines(dict, |c| c.iter().map(|s| s.trim()).collect::<Vec<_>>().join(" "));
    let (words, found) = text::parse_dict(&text);
    at_rows(DICT_SHEET, &rows, found, problems);
    let (text, rows) = as_lines(synonyms, |c| format!("{} {}", c[0].trim(), lines(&c[1]).join(" ")));
    let (synonym_groups, found) = text::parse_synonyms(&text);
    at_rows(SYNONYMS_SHEET, &rows, found, problems);
    let (text, _) = as_lines(stopwords, |c| c[0].trim().to_owned());
    Lexicon { words, synonym_groups, stopwords: text::parse_stopwords(&text) }
}
