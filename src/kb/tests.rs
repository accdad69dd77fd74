use std::fs;
use std::path::Path;

use super::*;

const ENTRY: &str = "+++\nid = \"{ID}\"\ncategory = \"{CAT}\"\nquestion = \"{Q}\"\nsimilar = [\"{S}\"]\neffective_from = 2026-01-01\nreviewed = 2026-11-23\n\n[[sources]]\ntitle = \"《中华人民共和国增值税法》\"\nwenhao = \"中华人民共和国主席令第四十一号\"\n+++\n答案。\n";

fn write(dir: &Path, cat: &str, id: &str, q: &str, s: &str) {
    let folder = dir.join("faq").join(cat);
    fs::create_dir_all(&folder).expect("mkdir");
    let text = ENTRY.replace("{ID}", id).replace("{CAT}", cat).replace("{Q}", q).replace("{S}", s);
    fs::write(folder.join(format!("{id}.md")), text).expect("write");
}

#[test]
fn loads_a_valid_base_with_its_word_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "VAT", "VAT-001", "增值税税率是多少", "增值税几个点");
    fs::create_dir_all(dir.path().join("dict")).expect("mkdir");
    fs::write(dir.path().join("dict/synonyms.txt"), "增值税专用发票 专票\n").expect("write");
    let kb = load(dir.path()).expect("valid");
    assert_eq!(kb.entries.len(), 1);
    assert_eq!(kb.lexicon.synonym_groups.len(), 1);
}

#[test]
fn reports_duplicates_layout_and_catalog_problems_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "VAT", "VAT-001", "增值税税率是多少", "增值税几个点");
    write(dir.path(), "VAT", "VAT-002", "增值税怎么申报", "增值税几个点");
    write(dir.path(), "VAT", "VAT-003", "个税怎么算", "个税咋算");
    fs::create_dir_all(dir.path().join("faq/IIT")).expect("mkdir");
    fs::rename(dir.path().join("faq/VAT/VAT-003.md"), dir.path().join("faq/IIT/VAT-003.md")).expect("move");
    write(dir.path(), "ZZZ", "ZZZ-001", "随便问问", "随便问问吧");
    let plan = "id\tcategory\nVAT-004\tVAT\nVAT-001\tVAT\nVAT-002\tVAT\nVAT-003\tVAT\nnot a topic\n";
    fs::write(dir.path().join(TOPICS_FILE), plan).expect("write");
    let (_, report) = load_checked(dir.path()).expect("readable");
    let text: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(has("VAT-002.md:5: 问法「增值税几个点」与 VAT-001"), "{text:#?}");
    assert!(has("应放在 faq/VAT/"), "{text:#?}");
    assert!(has("ZZZ-001 不在主题目录"), "{text:#?}");
    assert!(has("topics.tsv:6: 主题行应为"), "{text:#?}");
    assert_eq!(report.missing_topics, vec!["VAT-004".to_owned()]);
    match load(dir.path()) {
        Err(KbError::Invalid(p)) => assert!(p.iter().any(|p| p.message.contains("增值税几个点")), "{p:?}"),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn loading_keeps_the_topic_plan_without_holding_entries_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "VAT", "VAT-001", "增值税税率是多少", "增值税几个点");
    assert_eq!(load(dir.path()).expect("valid").topics, None);
    fs::write(dir.path().join(TOPICS_FILE), "id\tcategory\nIIT-001\tIIT\n").expect("write");
    let kb = load(dir.path()).expect("an entry outside the plan still loads");
    assert_eq!(kb.topics.map(|t| t.topics.len()), Some(1));
    let (_, report) = load_checked(dir.path()).expect("readable");
    assert_eq!(report.missing_topics, vec!["IIT-001".to_owned()]);
    assert!(report.problems.iter().any(|p| p.message.contains("VAT-001 不在主题目录")), "{:?}", report.problems);
}

#[test]
fn a_directory_without_faq_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(matches!(load(dir.path()), Err(KbError::NotAKnowledgeBase(_))));
}

#[test]
fn the_shipped_knowledge_base_is_valid() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
    let kb = load(&shipped).unwrap_or_else(|e| panic!("{e}"));
    assert!(kb.entries.len() >= 20, "only {} entries", kb.entries.len());
    assert!(kb.lexicon.words.len() >= 600);
    assert!(kb.lexicon.synonym_groups.len() >= 150);
}

#[test]
fn export_then_load_gives_the_same_base() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
    let kb = load(&shipped).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("tempdir");
    export_dir(&kb, dir.path()).expect("exports");
    let back = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let sorted = |b: &KnowledgeBase| {
        let mut e = b.entries.clone();
        e.sort_by(|a, b| a.id.cmp(&b.id));
        e
    };
    assert_eq!(sorted(&back), sorted(&kb));
    assert_eq!(back.lexicon.words, kb.lexicon.words);
    assert_eq!(back.lexicon.synonym_groups, kb.lexicon.synonym_groups);
    assert_eq!(back.lexicon.stopwords, kb.lexicon.stopwords);
    assert_eq!(back.topics, kb.topics);
    let plan = |d: &Path| fs::read_to_string(d.join(TOPICS_FILE)).expect("topics.tsv");
    assert_eq!(plan(dir.path()), plan(&shipped), "the plan is exported verbatim");
}

#[test]
fn export_keeps_awkward_text_and_optional_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "VAT", "VAT-001", "增值税税率是多少", "增值税几个点");
    let mut kb = load(dir.path()).expect("valid");
    let e = &mut kb.entries[0];
    e.question = "引号\"和反斜杠\\还有 +++ 与 '单引号'？".into();
    e.review_note = Some("第一行\n+++\n第三行".into());
    e.effective_until = chrono::NaiveDate::from_ymd_opt(2027, 12, 31);
    e.keywords = vec!["关键词".into()];
    e.answer = "+++\n1. **加粗**\n\n```\ncode\n```".into();
    let out = tempfile::tempdir().expect("tempdir");
    export_dir(&kb, out.path()).expect("exports");
    let back = load(out.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.entries, kb.entries);
}

#[test]
fn xlsx_round_trip_gives_the_same_base() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
    let kb = load(&shipped).unwrap_or_else(|e| panic!("{e}"));
    let bytes = to_xlsx(&kb).expect("writes");
    let back = from_xlsx(&bytes, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.entries, kb.entries);
    assert_eq!(back.lexicon.words, kb.lexicon.words);
    assert_eq!(back.lexicon.synonym_groups, kb.lexicon.synonym_groups);
    assert_eq!(back.lexicon.stopwords, kb.lexicon.stopwords);
}

/// A workbook with the given entry rows (cells in `xlsx::ENTRY_COLUMNS` order) and dictionary rows.
fn workbook(entries: &[[&str; 11]], dict: &[[&str; 3]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("知识条目").expect("name");
    let header = super::xlsx::ENTRY_COLUMNS;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("write");
    }
    for (r, row) in entries.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).expect("write");
        }
    }
    let ws = wb.add_worksheet().set_name("词典").expect("name");
    for (c, h) in ["词", "词频", "词性"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("write");
    }
    for (r, row) in dict.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).expect("write");
        }
    }
    wb.save_to_buffer().expect("saves")
}

const ROW: [&str; 11] = [
    "VAT-001",
    "VAT",
    "增值税税率是多少",
    "增值税几个点\n增值税税率表",
    "答案。",
    "《中华人民共和国增值税法》 | 中华人民共和国主席令第四十一号",
    "2026-01-01",
    "",
    "税率",
    "2026-11-23",
    "",
];

#[test]
fn xlsx_import_reads_rows_and_source_lines() {
    let kb =
        from_xlsx(&workbook(&[ROW], &[["专票", "100", "nz"]]), &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let e = &kb.entries[0];
    assert_eq!(e.similar, vec!["增值税几个点", "增值税税率表"]);
    assert_eq!(e.sources[0].title, "《中华人民共和国增值税法》");
    assert_eq!(e.sources[0].wenhao, "中华人民共和国主席令第四十一号");
    assert_eq!(kb.lexicon.words[0].freq, Some(100));
}

#[test]
fn xlsx_import_reports_every_bad_row_by_sheet_and_row_and_imports_nothing() {
    let mut no_date = ROW;
    no_date[0] = "VAT-002";
    no_date[2] = "增值税怎么申报";
    no_date[3] = "怎么报增值税";
    no_date[6] = "2026-13-01";
    let mut duplicate = ROW;
    duplicate[0] = "VAT-003";
    duplicate[2] = "增值税怎么缴";
    duplicate[3] = "增值税几个点";
    let mut no_source = ROW;
    no_source[0] = "VAT 004";
    no_source[2] = "另一个问题";
    no_source[3] = "另一个问法";
    no_source[5] = "只有标题没有文号";
    let bytes = workbook(&[ROW, no_date, duplicate, no_source], &[["专票", "很多", "nz"]]);
    let Err(XlsxImportError::Invalid(problems)) = from_xlsx(&bytes, &Default::default()) else {
        panic!("bad rows must be refused")
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(has("工作表「知识条目」第 3 行：「生效日期」不是有效日期"), "{text:#?}");
    assert!(has("工作表「知识条目」第 4 行：问法「增值税几个点」与 VAT-001（第2行）重复"), "{text:#?}");
    assert!(has("工作表「知识条目」第 5 行：「VAT 004」不是有效的编号"), "{text:#?}");
    assert!(has("工作表「知识条目」第 5 行：第 1 个政策依据缺少 title 或 wenhao"), "{text:#?}");
    assert!(has("工作表「词典」第 2 行：词频必须是非负整数"), "{text:#?}");
}

#[test]
fn xlsx_import_refuses_junk_and_missing_sheets_or_columns() {
    assert!(matches!(from_xlsx(b"not a zip", &Default::default()), Err(XlsxImportError::Unreadable(_))));
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().set_name("别的").expect("name");
    let bytes = wb.save_to_buffer().expect("saves");
    assert!(matches!(from_xlsx(&bytes, &Default::default()), Err(XlsxImportError::MissingSheet("知识条目"))));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("知识条目").expect("name");
    ws.write_string(0, 0, "编号").expect("write");
    let bytes = wb.save_to_buffer().expect("saves");
    let err = from_xlsx(&bytes, &Default::default()).expect_err("columns missing");
    assert!(err.to_string().contains("缺少列「分类」"), "{err}");
}
