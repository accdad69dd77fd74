//! `kb import` into a knowledge-base directory: read the workbook or directory,
//! decide what is added, changed or unchanged with the knowledge service's
//! [`import_changes`] (the same decision as an import into the store), check
//! the merged base as a whole in a copy of the directory where only the
//! changed files are rewritten, then swap the copy in (see [`super::swap`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::is_xlsx;
use super::swap::{self, Staged};
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
/// has one. The directory is replaced all at once, and only when the merged base is valid;
/// unchanged files keep their formatting and comments.
pub fn import_dir(dir: &Path, source: &Path, limits: &kb::ImportLimits, out: &mut dyn Write) -> Result<ExitCode> {
    for line in swap::recover(dir)? {
        writeln!(out, "{line}")?;
    }
    let incoming = read_import(source, limits, out)?;
    let target = super::load_base(dir)?;
    let published: BTreeMap<String, Entry> = target.entries.iter().map(|e| (e.id.to_string(), e.clone())).collect();
    let (counts, changes) = import_changes(&published, &incoming.entries);
    let written: Vec<Entry> = changes.iter().map(|(_, new)| (*new).clone()).collect();
    let mut entries = published.clone();
    entries.extend(written.iter().map(|e| (e.id.to_string(), e.clone())));
    let topics = incoming.topics.clone().or_else(|| target.topics.clone());
    let merged = KnowledgeBase { entries: entries.into_values().collect(), lexicon: incoming.lexicon, topics };

    let staged = Staged::copy_of(dir)?;
    let copy = staged.path();
    for (old, new) in &changes {
        if let Some(old) = old.filter(|old| old.category != new.category) {
            let path = entry_path(copy, old);
            std::fs::remove_file(&path).with_context(|| format!("无法删除换了分类的旧文件 {}", path.display()))?;
        }
    }
    for e in &written {
        write_file(&entry_path(copy, e), kb::entry_file(e))?;
    }
    for (path, text) in changed_lists(copy, &target, &merged) {
        write_file(&path, text)?;
    }
    kb::load(copy).context("导入后的知识库有错误，未导入任何内容")?;
    staged.commit()?;
    let (added, changed, unchanged) = (counts.added, counts.changed, counts.unchanged);
    writeln!(out, "已导入到 {}：新增 {added} 个，修改 {changed} 个，未变 {unchanged} 个条目", dir.display())?;
    Ok(ExitCode::SUCCESS)
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
