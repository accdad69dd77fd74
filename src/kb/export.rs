//! Writing a knowledge base back to the on-disk layout of `knowledge-base/`,
//! so that [`super::load`] of the written directory gives the same base.

use std::fs;
use std::path::{Path, PathBuf};

use super::catalog::TOPICS_FILE;
use super::entry::Entry;
use super::{KbError, KnowledgeBase};
use crate::text::Lexicon;

/// A TOML basic string on one line: a value can never produce a line that
/// reads as the `+++` fence, whatever newlines it holds.
pub(super) fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_array(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".to_owned();
    }
    let lines: Vec<String> = items.iter().map(|s| format!("  {},\n", toml_string(s))).collect();
    format!("[\n{}]", lines.concat())
}

/// One entry file: TOML front matter between `+++` lines, then the Markdown answer.
pub fn entry_file(e: &Entry) -> String {
    let mut out = String::from("+++\n");
    let mut line = |key: &str, value: String| out.push_str(&format!("{key} = {value}\n"));
    line("id", toml_string(e.id.as_str()));
    line("category", toml_string(e.category.as_str()));
    line("question", toml_string(&e.question));
    line("similar", toml_array(&e.similar));
    line("keywords", toml_array(&e.keywords));
    line("effective_from", e.effective_from.format("%Y-%m-%d").to_string());
    if let Some(until) = e.effective_until {
        line("effective_until", until.format("%Y-%m-%d").to_string());
    }
    line("reviewed", e.reviewed.format("%Y-%m-%d").to_string());
    if let Some(note) = &e.review_note {
        line("review_note", toml_string(note));
    }
    for s in &e.sources {
        out.push_str(&format!(
            "\n[[sources]]\ntitle = {}\nwenhao = {}\n",
            toml_string(&s.title),
            toml_string(&s.wenhao)
        ));
    }
    out.push_str("+++\n");
    out.push_str(&e.answer);
    out.push('\n');
    out
}

/// `dict/tax.dict`: `word [freq [tag]]` per line.
pub fn dict_text(lexicon: &Lexicon) -> String {
    let mut out = String::from("# 税务用户词典：词 词频 词性。词频越高越不容易被切开。\n");
    for w in &lexicon.words {
        out.push_str(&w.word);
        match (&w.freq, &w.tag) {
            (Some(f), Some(t)) => out.push_str(&format!(" {f} {t}")),
            (Some(f), None) => out.push_str(&format!(" {f}")),
            // The parser reads the second column as the frequency; a tag without
            // one cannot be written, and jieba ignores tags anyway.
            (None, _) => {}
        }
        out.push('\n');
    }
    out
}

/// `dict/synonyms.txt`: one group per line, canonical word first.
pub fn synonyms_text(lexicon: &Lexicon) -> String {
    let mut out = String::from("# 同义词：每行一组，第一个词为规范词。\n");
    for g in &lexicon.synonym_groups {
        out.push_str(&g.join(" "));
        out.push('\n');
    }
    out
}

/// `dict/stopwords.txt`: one word per line.
pub fn stopwords_text(lexicon: &Lexicon) -> String {
    lexicon.stopwords.iter().map(|w| format!("{w}\n")).collect()
}

/// Writes `kb` to `dir` in the layout [`super::load`] reads: `faq/<CATEGORY>/<ID>.md`,
/// `dict/{tax.dict,synonyms.txt,stopwords.txt}` and `topics.tsv` (when the base has a
/// topic plan). Existing files of the same names are overwritten; other files are left alone.
pub fn export_dir(kb: &KnowledgeBase, dir: &Path) -> Result<(), KbError> {
    let write = |path: PathBuf, text: String| -> Result<(), KbError> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| KbError::Io { path: parent.to_path_buf(), source })?;
        }
        fs::write(&path, text).map_err(|source| KbError::Io { path, source })
    };
    fs::create_dir_all(dir.join("faq")).map_err(|source| KbError::Io { path: dir.join("faq"), source })?;
    for e in &kb.entries {
        let path = dir.join("faq").join(e.category.as_str()).join(format!("{}.md", e.id));
        write(path, entry_file(e))?;
    }
    let dict = dir.join("dict");
    write(dict.join("tax.dict"), dict_text(&kb.lexicon))?;
    write(dict.join("synonyms.txt"), synonyms_text(&kb.lexicon))?;
    write(dict.join("stopwords.txt"), stopwords_text(&kb.lexicon))?;
    if let Some(topics) = &kb.topics {
        write(dir.join(TOPICS_FILE), topics.to_tsv())?;
    }
    Ok(())
}
