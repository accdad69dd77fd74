//! Loading and validating a knowledge-base directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::text::{self, Lexicon, LineProblem};

use super::catalog::{Catalog, TOPICS_FILE};
use super::entry::Entry;
use super::front_matter::{FileProblem, line_containing, parse_entry};
use super::origin::Origin;
use super::{KbError, KnowledgeBase, Problem};

/// What a check found: the loaded base (when nothing is wrong) and every problem.
#[derive(Debug)]
pub struct CheckReport {
    /// Problems, sorted by file and line.
    pub problems: Vec<Problem>,
    /// Planned topics without an entry, sorted (only when the base has a `topics.tsv`).
    pub missing_topics: Vec<String>,
    /// Number of entries that parsed.
    pub entries: usize,
}

/// Loads `dir` (layout of `knowledge-base/`), failing if anything is invalid.
/// Entries are not held to the topic plan here (that is `kb check`'s job), so a
/// base under construction still loads.
pub fn load(dir: &Path) -> Result<KnowledgeBase, KbError> {
    load_from(&Origin::Dir(dir.to_path_buf()))
}

/// Loads a directory or the embedded base, as [`load`] does.
pub fn load_from(origin: &Origin) -> Result<KnowledgeBase, KbError> {
    let (kb, report) = read(origin, false)?;
    if report.problems.is_empty() { Ok(kb) } else { Err(KbError::Invalid(report.problems)) }
}

/// Loads `dir` and reports every problem, checking ids against the base's own
/// topic plan (`topics.tsv`) when it has one.
pub fn load_checked(dir: &Path) -> Result<(KnowledgeBase, CheckReport), KbError> {
    read(&Origin::Dir(dir.to_path_buf()), true)
}

fn read(origin: &Origin, against_plan: bool) -> Result<(KnowledgeBase, CheckReport), KbError> {
    let dir = origin.root();
    if !origin.has_faq() {
        return Err(KbError::NotAKnowledgeBase(dir));
    }
    let mut problems = Vec::new();
    let mut entries: Vec<(PathBuf, String, Entry)> = Vec::new();
    for path in origin.entry_files()? {
        let not_found = || KbError::Io { path: path.clone(), source: std::io::ErrorKind::NotFound.into() };
        let content = origin.read(&path)?.ok_or_else(not_found)?;
        match parse_entry(&content) {
            Ok(entry) => entries.push((path, content, entry)),
            Err(found) => problems.extend(found.into_iter().map(|p| at(&path, p))),
        }
    }
    check_layout(&entries, &mut problems);
    check_duplicates(&entries, &mut problems);
    let topics = load_topics(origin, &dir, &mut problems)?;
    let plan = topics.as_ref().filter(|_| against_plan);
    let missing_topics = plan.map(|c| check_catalog(c, &entries, &mut problems)).unwrap_or_default();
    let lexicon = load_lexicon(origin, &dir.join("dict"), &mut problems)?;
    problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    let report = CheckReport { problems, missing_topics, entries: entries.len() };
    let entries = entries.into_iter().map(|(_, _, e)| e).collect();
    Ok((KnowledgeBase { entries, lexicon, topics }, report))
}

/// The topic plan of the base in `dir` (`None` when it has no `topics.tsv`),
/// failing on a row that does not parse.
pub fn read_topics(dir: &Path) -> Result<Option<Catalog>, KbError> {
    let mut problems = Vec::new();
    let topics = load_topics(&Origin::Dir(dir.to_path_buf()), dir, &mut problems)?;
    if problems.is_empty() { Ok(topics) } else { Err(KbError::Invalid(problems)) }
}

/// Reads `topics.tsv` (optional); a row without a valid id and category is a problem.
fn load_topics(origin: &Origin, dir: &Path, problems: &mut Vec<Problem>) -> Result<Option<Catalog>, KbError> {
    let path = dir.join(TOPICS_FILE);
    let Some(text) = origin.read(&path)? else {
        return Ok(None);
    };
    let (catalog, bad) = Catalog::parse(&text);
    problems.extend(bad.into_iter().map(|line| Problem {
        path: path.clone(),
        line,
        message: "主题行应为：编号<TAB>分类<TAB>标准问题<TAB>范围说明".into(),
    }));
    Ok(Some(catalog))
}

fn at(path: &Path, p: FileProblem) -> Problem {
    Problem { path: path.to_path_buf(), line: p.line, message: p.message }
}

/// The file name must be `<id>.md` and the folder the category.
fn check_layout(entries: &[(PathBuf, String, Entry)], problems: &mut Vec<Problem>) {
    for (path, content, e) in entries {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if stem != e.id.as_str() {
            let line = line_containing(content, "id =");
            problems.push(Problem {
                path: path.clone(),
                line,
                message: format!("文件名应为 {}.md（与 id 一致）", e.id),
            });
        }
        let folder = path.parent().and_then(|p| p.file_name()).and_then(|s| s.to_str()).unwrap_or_default();
        if folder != e.category.as_str() {
            let line = line_containing(content, "category =");
            problems.push(Problem {
                path: path.clone(),
                line,
                message: format!("分类 {} 的条目应放在 faq/{}/ 目录下", e.category, e.category),
            });
        }
    }
}

/// Ids are unique; a question or paraphrase belongs to one entry only.
pub(super) fn check_duplicates(entries: &[(PathBuf, String, Entry)], problems: &mut Vec<Problem>) {
    let mut ids: HashMap<&str, &Path> = HashMap::new();
    let mut questions: HashMap<String, (&str, &Path)> = HashMap::new();
    for (path, content, e) in entries {
        if let Some(first) = ids.insert(e.id.as_str(), path) {
            let line = line_containing(content, "id =");
            problems.push(Problem {
                path: path.clone(),
                line,
                message: format!("编号 {} 重复，已用于 {}", e.id, first.display()),
            });
        }
        for q in e.questions() {
            let key = text::normalize(q).text.replace(' ', "");
            match questions.get(&key) {
                Some((other, _)) if *other == e.id.as_str() => problems.push(Problem {
                    path: path.clone(),
                    line: line_containing(content, q),
                    message: format!("问法「{q}」在本条目中重复"),
                }),
                Some((other, other_path)) => problems.push(Problem {
                    path: path.clone(),
                    line: line_containing(content, q),
                    message: format!("问法「{q}」与 {other}（{}）重复", other_path.display()),
                }),
                None => {
                    questions.insert(key, (e.id.as_str(), path));
                }
            }
        }
    }
}

/// Every entry is a planned topic of the right category; returns the topics without entry, sorted.
fn check_catalog(catalog: &Catalog, entries: &[(PathBuf, String, Entry)], problems: &mut Vec<Problem>) -> Vec<String> {
    let planned = catalog.categories();
    for (path, content, e) in entries {
        match planned.get(&e.id) {
            None => problems.push(Problem {
                path: path.clone(),
                line: line_containing(content, "id ="),
                message: format!("编号 {} 不在主题目录（{TOPICS_FILE}）中", e.id),
            }),
            Some(cat) if *cat != &e.category => problems.push(Problem {
                path: path.clone(),
                line: line_containing(content, "category ="),
                message: format!("主题目录中 {} 的分类是 {cat}，不是 {}", e.id, e.category),
            }),
            Some(_) => {}
        }
    }
    let present: std::collections::HashSet<&str> = entries.iter().map(|(_, _, e)| e.id.as_str()).collect();
    let missing: std::collections::BTreeSet<String> =
        planned.keys().filter(|id| !present.contains(id.as_str())).map(|id| id.to_string()).collect();
    missing.into_iter().collect()
}

/// Reads `dict/`; every file is optional, an unreadable or malformed line is a problem.
fn load_lexicon(origin: &Origin, dict: &Path, problems: &mut Vec<Problem>) -> Result<Lexicon, KbError> {
    let read = |name: &str| -> Result<(PathBuf, String), KbError> {
        let path = dict.join(name);
        let text = origin.read(&path)?.unwrap_or_default();
        Ok((path, text))
    };
    let lines = |path: &Path, found: Vec<LineProblem>| {
        found
            .into_iter()
            .map(|p| Problem { path: path.to_path_buf(), line: p.line, message: p.message })
            .collect::<Vec<_>>()
    };
    let (dict_path, dict_text) = read("tax.dict")?;
    let (words, found) = text::parse_dict(&dict_text);
    problems.extend(lines(&dict_path, found));
    let (syn_path, syn_text) = read("synonyms.txt")?;
    let (synonym_groups, found) = text::parse_synonyms(&syn_text);
    problems.extend(lines(&syn_path, found));
    let (_, stop_text) = read("stopwords.txt")?;
    Ok(Lexicon { words, synonym_groups, stopwords: text::parse_stopwords(&stop_text) })
}

/// Questions or ids used twice across `entries`, as messages naming the entries.
pub fn duplicate_problems(entries: &[Entry]) -> Vec<String> {
    let named: Vec<(PathBuf, String, Entry)> =
        entries.iter().map(|e| (PathBuf::from(e.id.as_str()), super::entry_file(e), e.clone())).collect();
    let mut problems = Vec::new();
    check_duplicates(&named, &mut problems);
    problems.into_iter().map(|p| format!("{}: {}", p.path.display(), p.message)).collect()
}
