//! The knowledge base as an Excel workbook, for editors who work in a
//! spreadsheet: sheet 知识条目 (one entry per row), 同义词, 词典 and 停用词.
//!
//! In a cell, paraphrases, keywords, synonyms and sources are one per line;
//! a source line is `标题 | 文号` (split at the last `|` or `｜`). Dates are
//! `2026-01-01` text (date cells are read too).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::KnowledgeBase;

/// Sheet names.
pub const ENTRIES_SHEET: &str = "知识条目";
/// Synonym groups: 规范词 | 同义词 (one per line).
pub const SYNONYMS_SHEET: &str = "同义词";
/// Dictionary words: 词 | 词频 | 词性.
pub const DICT_SHEET: &str = "词典";
/// Stopwords: 词.
pub const STOPWORDS_SHEET: &str = "停用词";

/// Entry columns, required first, then the optional ones.
pub const ENTRY_COLUMNS: [&str; 11] = [
    "编号",
    "分类",
    "标准问题",
    "相似问法",
    "答案",
    "政策依据",
    "生效日期",
    "失效日期",
    "关键词",
    "复核日期",
    "审核备注",
];
/// Columns of the 同义词 sheet.
pub const SYNONYM_COLUMNS: [&str; 2] = ["规范词", "同义词"];
/// Columns of the 词典 sheet.
pub const DICT_COLUMNS: [&str; 3] = ["词", "词频", "词性"];
/// Columns of the 停用词 sheet.
pub const STOPWORD_COLUMNS: [&str; 1] = ["词"];

/// The separator between a source's title and its 文号 in a cell line.
pub const SOURCE_SEPARATOR: &str = " | ";

/// Writes `kb` as an `.xlsx` workbook.
pub fn to_xlsx(kb: &KnowledgeBase) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let lines = |items: &[String]| items.join("\n");
    let date = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();

    let ws = wb.add_worksheet().set_name(ENTRIES_SHEET)?;
    for (c, name) in ENTRY_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (i, e) in kb.entries.iter().enumerate() {
        let r = i as u32 + 1;
        let sources: Vec<String> =
            e.sources.iter().map(|s| format!("{}{SOURCE_SEPARATOR}{}", s.title, s.wenhao)).collect();
        let cells = [
            e.id.to_string(),
            e.category.to_string(),
            e.question.clone(),
            lines(&e.similar),
            e.answer.clone(),
            lines(&sources),
            date(e.effective_from),
            e.effective_until.map(date).unwrap_or_default(),
            lines(&e.keywords),
            date(e.reviewed),
            e.review_note.clone().unwrap_or_default(),
        ];
        for (c, text) in cells.iter().enumerate() {
            if !text.is_empty() {
                ws.write_string_with_format(r, c as u16, text, &wrap)?;
            }
        }
    }
    ws.set_column_width(2, 40)?;
    ws.set_column_width(3, 40)?;
    ws.set_column_width(4, 60)?;

    let ws = wb.add_worksheet().set_name(SYNONYMS_SHEET)?;
    for (c, name) in SYNONYM_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (i, g) in kb.lexicon.synonym_groups.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, g.first().map(String::as_str).unwrap_or_default())?;
        ws.write_string_with_format(r, 1, lines(g.get(1..).unwrap_or_default()), &wrap)?;
    }

    let ws = wb.add_worksheet().set_name(DICT_SHEET)?;
    for (c, name) in DICT_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (i, w) in kb.lexicon.words.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &w.word)?;
        if let Some(f) = w.freq {
            ws.write_number(r, 1, f as f64)?;
        }
        if let Some(t) = &w.tag {
            ws.write_string(r, 2, t)?;
        }
    }

    let ws = wb.add_worksheet().set_name(STOPWORDS_SHEET)?;
    ws.write_string_with_format(0, 0, STOPWORD_COLUMNS[0], &header)?;
    for (i, w) in kb.lexicon.stopwords.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, w)?;
    }
    wb.save_to_buffer()
}
