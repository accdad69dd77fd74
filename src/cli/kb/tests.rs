use std::fs;

use super::*;
use crate::cli::fixture_kb;

/// A writable copy of the fixture base in a temporary directory (the copy is `dir/kb`).
fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).expect("mkdir");
        for item in fs::read_dir(from).expect("read_dir") {
            let path = item.expect("entry").path();
            let dest = to.join(path.file_name().expect("name"));
            if path.is_dir() { copy(&path, &dest) } else { fs::copy(&path, &dest).map(drop).expect("copy") }
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("kb");
    copy(&fixture_kb(), &dir);
    (tmp, dir)
}

fn text(out: Vec<u8>) -> String {
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn the_fixture_base_covers_its_topic_plan() {
    let mut out = Vec::new();
    assert_eq!(check(&fixture_kb(), true, &mut out).expect("checks"), ExitCode::SUCCESS);
    let out = text(out);
    assert!(out.contains("topics.tsv（8 个主题，缺 0 个）"), "{out}");
    assert!(out.ends_with("8 个条目，0 处错误\n"), "{out}");
}

#[test]
fn a_planned_topic_without_entry_fails_only_when_all_topics_are_required() {
    let (_tmp, dir) = fixture_copy();
    fs::remove_file(dir.join("faq/VAT/VAT-003.md")).expect("remove");
    let mut out = Vec::new();
    assert_eq!(check(&dir, false, &mut out).expect("checks"), ExitCode::SUCCESS);
    assert!(text(out).contains("缺少条目的主题：VAT-003\n"));
    assert_eq!(check(&dir, true, &mut Vec::new()).expect("checks"), ExitCode::FAILURE);
}

#[test]
fn an_entry_outside_the_plan_fails_the_check_and_a_missing_plan_skips_it() {
    let (_tmp, dir) = fixture_copy();
    let plan = fs::read_to_string(dir.join(TOPICS_FILE)).expect("plan");
    let without_ssf: String = plan.lines().filter(|l| !l.starts_with("SSF-001")).map(|l| format!("{l}\n")).collect();
    fs::write(dir.join(TOPICS_FILE), without_ssf).expect("write");
    let mut out = Vec::new();
    assert_eq!(check(&dir, false, &mut out).expect("checks"), ExitCode::FAILURE);
    assert!(text(out).contains("编号 SSF-001 不在主题目录（topics.tsv）中"));
    fs::remove_file(dir.join(TOPICS_FILE)).expect("remove");
    let mut out = Vec::new();
    assert_eq!(check(&dir, false, &mut out).expect("checks"), ExitCode::SUCCESS);
    assert!(text(out).contains("跳过编号检查"));
    let err = check(&dir, true, &mut Vec::new()).expect_err("the plan is required");
    assert!(err.to_string().contains("--require-all-topics 需要主题目录"), "{err}");
}

#[test]
fn a_check_passes_without_problems_and_missing_topics_count_only_when_required() {
    let report = |missing: &[&str]| CheckReport {
        problems: Vec::new(),
        missing_topics: missing.iter().map(|s| s.to_string()).collect(),
        entries: 1,
    };
    assert!(passes(&report(&[]), true));
    assert!(passes(&report(&["VAT-009"]), false));
    assert!(!passes(&report(&["VAT-009"]), true));
}

#[test]
fn export_writes_the_whole_layout_with_the_topic_plan_and_refuses_a_used_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dest = tmp.path().join("out");
    let base = load_base(&fixture_kb()).expect("loads");
    let mut out = Vec::new();
    write_base(&base, &dest, &mut out).expect("exports");
    assert_eq!(text(out), format!("已导出 8 个条目到 {}\n", dest.display()));
    let plan = |dir: &Path| fs::read_to_string(dir.join(TOPICS_FILE)).expect("topics.tsv");
    assert_eq!(plan(&dest), plan(&fixture_kb()));
    assert!(check(&dest, true, &mut Vec::new()).is_ok());
    let err = write_base(&base, &dest, &mut Vec::new()).expect_err("not empty");
    assert!(err.to_string().contains("不是新目录或空目录"), "{err}");
    let err = write_base(&base, &tmp.path().join("out.csv"), &mut Vec::new()).expect_err("not a directory");
    assert!(err.to_string().contains("只能导出到目录或 .xlsx 文件"), "{err}");
}

/// The fixture base with `edit` applied, exported to a new directory to import from.
fn import_source(edit: impl FnOnce(&mut KnowledgeBase)) -> (tempfile::TempDir, PathBuf) {
    let mut base = load_base(&fixture_kb()).expect("loads");
    edit(&mut base);
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("incoming");
    kb::export_dir(&base, &dir).expect("exports");
    (tmp, dir)
}

#[test]
fn importing_a_directory_adds_changes_and_moves_entries_and_rewrites_only_those() {
    let (_tmp, dir) = fixture_copy();
    let untouched = fs::read_to_string(dir.join("faq/IIT/IIT-002.md")).expect("read");
    let dict = fs::read_to_string(dir.join("dict/tax.dict")).expect("read");
    let (_src, source) = import_source(|base| {
        let vat = base.entries.iter().position(|e| e.id.as_str() == "VAT-001").expect("VAT-001");
        base.entries[vat].answer.push_str("\n\n（已更新）");
        let mut moved = base.entries.iter().find(|e| e.id.as_str() == "VAT-002").expect("VAT-002").clone();
        moved.category = kb::Category::try_from("SMA".to_owned()).expect("category");
        base.entries.retain(|e| e.id.as_str() != "VAT-002");
        let mut added = base.entries[0].clone();
        added.id = kb::EntryId::try_from("IIT-099".to_owned()).expect("id");
        added.question = "一个全新的问题？".into();
        added.similar = vec!["全新的问法".into()];
        base.entries.extend([moved, added]);
        base.entries.retain(|e| e.id.as_str() != "IIT-003");
    });
    let mut out = Vec::new();
    assert_eq!(import_dir(&dir, &source, &Default::default(), &mut out).expect("imports"), ExitCode::SUCCESS);
    assert_eq!(text(out), format!("已导入到 {}：新增 1 个，修改 2 个，未变 5 个条目\n", dir.display()));
    let after = load_base(&dir).expect("still valid");
    assert_eq!(after.entries.len(), 9, "IIT-003, left out of the import, is kept");
    assert!(!dir.join("faq/VAT/VAT-002.md").exists() && dir.join("faq/SMA/VAT-002.md").exists());
    assert!(fs::read_to_string(dir.join("faq/VAT/VAT-001.md")).expect("read").contains("（已更新）"));
    assert_eq!(fs::read_to_string(dir.join("faq/IIT/IIT-002.md")).expect("read"), untouched);
    assert_eq!(fs::read_to_string(dir.join("dict/tax.dict")).expect("read"), dict, "same words: file kept");
}

#[test]
fn an_import_that_clashes_with_a_kept_entry_writes_nothing() {
    let (_tmp, dir) = fixture_copy();
    let kept = load_base(&fixture_kb()).expect("loads");
    let taken = kept.entries.iter().find(|e| e.id.as_str() == "IIT-001").expect("IIT-001").similar[0].clone();
    let (_src, source) = import_source(|base| {
        base.entries.retain(|e| e.id.as_str() == "VAT-001");
        base.entries[0].similar.push(taken);
    });
    let err = import_dir(&dir, &source, &Default::default(), &mut Vec::new()).expect_err("clash");
    assert!(format!("{err:#}").contains("导入后的知识库有错误，未导入任何内容"), "{err:#}");
    let before = fs::read_to_string(fixture_kb().join("faq/VAT/VAT-001.md")).expect("read");
    assert_eq!(fs::read_to_string(dir.join("faq/VAT/VAT-001.md")).expect("read"), before);
}

#[test]
fn an_imported_directory_replaces_the_topic_plan_and_a_workbook_keeps_it() {
    let (_tmp, dir) = fixture_copy();
    let plan_before = fs::read_to_string(dir.join(TOPICS_FILE)).expect("plan");
    let workbook = dir.parent().expect("parent").join("kb.xlsx");
    write_base(&load_base(&fixture_kb()).expect("loads"), &workbook, &mut Vec::new()).expect("exports");
    import_dir(&dir, &workbook, &Default::default(), &mut Vec::new()).expect("imports");
    assert_eq!(fs::read_to_string(dir.join(TOPICS_FILE)).expect("plan"), plan_before);
    let (_src, source) = import_source(|base| {
        let plan = base.topics.as_mut().expect("a plan");
        let id = kb::EntryId::try_from("IIT-098".to_owned()).expect("id");
        let category = plan.topics[0].category.clone();
        plan.topics.push(kb::Topic { id, category, question: "新主题？".into(), scope_note: "范围。".into() });
    });
    import_dir(&dir, &source, &Default::default(), &mut Vec::new()).expect("imports");
    let plan_after = fs::read_to_string(dir.join(TOPICS_FILE)).expect("plan");
    assert_eq!(plan_after, format!("{plan_before}IIT-098\tIIT\t新主题？\t范围。\n"));
}

#[test]
fn a_missing_or_unknown_import_source_is_refused() {
    let (_tmp, dir) = fixture_copy();
    let err = import_dir(&dir, &dir.join("nowhere"), &Default::default(), &mut Vec::new()).expect_err("missing");
    assert!(err.to_string().starts_with("找不到"), "{err}");
    let err = import_dir(&dir, &dir.join(TOPICS_FILE), &Default::default(), &mut Vec::new()).expect_err("not a base");
    assert!(err.to_string().contains("只能导入 .xlsx 文件或知识库目录"), "{err}");
}

#[test]
fn the_store_exports_its_base_with_the_plan_and_imports_a_directory() {
    let (tmp, dir) = fixture_copy();
    let data = tmp.path().join("data");
    let kb = KbArg { kb: Some(dir.clone()) };
    let dest = tmp.path().join("exported");
    let export = Command::Export { kb: kb.clone(), dest: dest.clone(), data_dir: Some(data.clone()), embedded: false };
    assert_eq!(run(Config::default(), export, &mut Vec::new()).expect("exports"), ExitCode::SUCCESS);
    assert_eq!(fs::read_to_string(dest.join(TOPICS_FILE)).ok(), fs::read_to_string(dir.join(TOPICS_FILE)).ok());
    assert_eq!(load_base(&dest).expect("loads").entries.len(), 8);
    let (_src, source) = import_source(|base| base.entries[0].answer.push_str("\n\n（已更新）"));
    let import = Command::Import { kb, source, data_dir: Some(data) };
    let mut out = Vec::new();
    assert_eq!(run(Config::default(), import, &mut out).expect("imports"), ExitCode::SUCCESS);
    assert_eq!(text(out), "已导入：新增 0，修改 1，未变 7\n");
}

#[test]
fn expiring_lists_entries_ending_within_the_window() {
    let mut out = Vec::new();
    expiring(&fixture_kb(), 100_000, &mut out).expect("lists");
    let out = text(out);
    let today = kb::today_in_china();
    let base = load_base(&fixture_kb()).expect("loads");
    let listed = base.entries.iter().filter(|e| e.expires_within(today, 100_000)).count();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), listed + 1, "{out}");
    assert_eq!(lines[listed], format!("100000 天内到期：{listed} 个条目（今天 {today}）"));
    if listed > 0 {
        assert!(lines[0].starts_with("2027-12-31\tIIT-002\t"), "{out}");
    }
}
