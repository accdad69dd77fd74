//! `kb import` into a knowledge-base directory: read the workbook or directory,
//! decide what is added, changed or unchanged with the knowledge service's
//! [`import_changes`] (the same decision as an import into the store), check
//! the merged base as a whole, then rewrite only the files that changed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::is_xlsx;
use crate::kb::{self, Entry, KnowledgeBase, TOPICS_FILE};
use crate::knowledge::import_changes;

/// Reads a workbook or a knowledge-base directory to import, all or nothing; the
/// problems of a workbook are printed one per line.
pub fn read_import(source: &Path, limits: &kb::ImportLimits, out: &mut dyn Write) -> Result<KnowledgeBase> {
    if !source.exists() {
        bail!("找不到 {}", source.display());
    }
    let incoming = if is_xlsx(source) {
        let bytes = std::fs::read(source).with_context(|| format!("无法读取 {}", source.display()))?;
        match kb::from_xlsx(&bytes, limits) {
            Err(kb::XlsxImportError::Invalid(problems)) => {
                for p in &problems {
                    writeln!(out, "{p}")?;
                }
                bail!("{} 有 {} 处错误，未导入任何内容", source.display(), problems.len());
            }
            other => other?,
        }
    } else if source.is_dir() {
        kb::load(source)
            .with_context(|| format!("{} 有错误（用 `taxbot kb check --kb` 查看全部），未导入", source.display()))?
    } else {
        bail!("{}：只能导入 .xlsx 文件或知识库目录", source.display());
    };
    Ok(incoming)
}

/// Imports `source` into the knowledge-base directory `dir`: entries are added or replaced by
/// id and the others kept, the word lists are replaced, and the topic plan too when the source
/// has one. Nothing is written unless the merged base is valid; unchanged files keep their
/// formatting and comments.
pub fn import_dir(dir: &Path, source: &Path, limits: &kb::ImportLimits, out: &mut dyn Write) -> Result<ExitCode> {
    let incoming = read_import(source, limits, out)?;
    let target = super::load_base(dir)?;
    let published: BTreeMap<String, Entry> = target.entries.iter().map(|e| (e.id.to_string(), e.clone())).collect();
    let (counts, changes) = import_changes(&published, &incoming.entries);
    let moved: Vec<PathBuf> = changes
        .iter()
        .filter_map(|(old, new)| old.filter(|old| old.category != new.category))
        .map(|old| entry_path(dir, old))
        .collect();
    let written: Vec<Entry> = changes.iter().map(|(_, new)| (*new).clone()).collect();
    let mut entries = published.clone();
    entries.extend(written.iter().map(|e| (e.id.to_string(), e.clone())));
    let topics = incoming.topics.clone().or_else(|| target.topics.clone());
    let merged = KnowledgeBase { entries: entries.into_values().collect(), lexicon: incoming.lexicon, topics };
    check_merged(dir, &merged)?;
    for old in &moved {
        std::fs::remove_file(old).with_context(|| format!("无法删除换了分类的旧文件 {}", old.display()))?;
    }
    for e in &written {
        write_file(&entry_path(dir, e), kb::entry_file(e))?;
    }
    for (path, text) in changed_lists(dir, &target, &merged) {
        write_file(&path, text)?;
    }
    let (added, changed, unchanged) = (counts.added, counts.changed, counts.unchanged);
    writeln!(out, "已导入到 {}：新增 {added} 个，修改 {changed} 个，未变 {unchanged} 个条目", dir.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Checks the merged base as a whole (a paraphrase may clash with a kept entry) by
/// writing it to a staging directory beside `dir` and loading it back.
fn check_merged(dir: &Path, merged: &KnowledgeBase) -> Result<()> {
    let staging = staging_dir(dir)?;
    let checked = kb::export_dir(merged, &staging).map(|()| kb::load(&staging));
    let _ = std::fs::remove_dir_all(&staging);
    checked?.context("导入后的知识库有错误，未导入任何内容")?;
    Ok(())
}

/// The word-list and topic-plan files of `merged` whose content differs from `before`'s,
/// with their new text.
fn changed_lists(dir: &Path, before: &KnowledgeBase, merged: &KnowledgeBase) -> Vec<(PathBuf, String)> {
    let (old, new) = (&before.lexicon, &merged.lexicon);
    let dict = dir.join("dict");
    let mut files = vec![
        (dict.join("tax.dict"), old.words != new.words, kb::dict_text(new)),
        (dict.join("synonyms.txt"), old.synonym_groups != new.synonym_groups, kb::synonyms_text(new)),
        (dict.join("stopwords.txt"), old.stopwords != new.stopwords, kb::stopwords_text(new)),
    ];
    if let Some(plan) = merged.topics.as_ref().filter(|plan| before.topics.as_ref() != Some(*plan)) {
        files.push((dir.join(TOPICS_FILE), true, plan.to_tsv()));
    }
    files.into_iter().filter(|(_, differs, _)| *differs).map(|(path, _, text)| (path, text)).collect()
}

fn entry_path(dir: &Path, e: &Entry) -> PathBuf {
    dir.join("faq").join(e.category.as_str()).join(format!("{}.md", e.id))
}

fn write_file(path: &Path, text: String) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text).with_context(|| format!("无法写入 {}", path.display()))
}

/// A fresh staging directory beside `dir`.
fn staging_dir(dir: &Path) -> Result<PathBuf> {
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let staging = parent.join(format!(".taxbot-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).with_context(|| format!("无法创建临时目录 {}", staging.display()))?;
    Ok(staging)
}
