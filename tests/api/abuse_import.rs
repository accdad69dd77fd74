//! Abuse: crafted workbooks (a dimension or a cell at `XFD1048576`, a sea of
//! whitespace cells, a huge shared-string count) are refused with a message
//! naming the limit, nothing changes, and the server keeps answering.

use std::io::{Cursor, Read, Write};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_client::{AdminClient, add_user};
use crate::helpers::{TestApp, spawn_app};
use taxbot::admin::Role;

const PASSWORD: &str = "editor-password-1";
const SHEET: &str = "xl/worksheets/sheet1.xml";
const STRINGS: &str = "xl/sharedStrings.xml";

/// A valid workbook of one entry, as the exporter writes it.
fn workbook() -> Vec<u8> {
    let kb = taxbot::kb::load(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kb-small"))
        .expect("fixture loads");
    let kb = taxbot::kb::KnowledgeBase { entries: kb.entries[..1].to_vec(), ..kb };
    taxbot::kb::to_xlsx(&kb).expect("writes")
}

/// `bytes` with the part `name` replaced (or added) by `content`.
fn with_part(bytes: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
    let mut input = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut replaced = false;
    for i in 0..input.len() {
        let mut part = input.by_index(i).expect("part");
        let part_name = part.name().expect("name").to_string();
        out.start_file(&part_name, options).expect("start");
        if part_name == name {
            out.write_all(content).expect("write");
            replaced = true;
        } else {
            let mut data = Vec::new();
            part.read_to_end(&mut data).expect("read");
            out.write_all(&data).expect("write");
        }
    }
    if !replaced {
        out.start_file(name, options).expect("start");
        out.write_all(content).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

fn sheet(dimension: &str, rows: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
    .into_bytes()
}

/// The four bombs of the report, each with the limit its message must name.
fn bombs() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let good = workbook();
    let header = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c></row>"#;
    let far_cell = format!(r#"{header}<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#);
    let mut whitespace = String::from(header);
    for r in 2..=12_000 {
        whitespace.push_str(&format!(r#"<row r="{r}">"#));
        for _ in 0..50 {
            whitespace.push_str(r#"<c t="inlineStr"><is><t> </t></is></c>"#);
        }
        whitespace.push_str("</row>");
    }
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="60000000" uniqueCount="60000000"><si><t>x</t></si></sst>"#;
    let mut many = String::from(r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#);
    many.push_str(&"<si><t>x</t></si>".repeat(600_000));
    many.push_str("</sst>");
    vec![
        ("dimension XFD1048576", with_part(&good, SHEET, &sheet("A1:XFD1048576", header)), "工作表行数"),
        ("a cell at XFD1048576", with_part(&good, SHEET, &sheet("A1", &far_cell)), "工作表行数"),
        ("600,000 whitespace cells", with_part(&good, SHEET, &sheet("A1", &whitespace)), "单元格数"),
        ("a declared count of 60 million strings", with_part(&good, STRINGS, strings.as_bytes()), "共享字符串数"),
        ("600,000 shared strings", with_part(&good, STRINGS, many.as_bytes()), "共享字符串数"),
    ]
}

async fn asks_normally(app: &TestApp) {
    let res = app
        .http
        .post(app.url("/api/v1/ask"))
        .json(&json!({"user_id": "after-attack", "text": "小规模纳税人增值税免征额是多少"}))
        .send()
        .await
        .expect("the server still answers");
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn workbook_bombs_are_refused_naming_the_limit_and_change_nothing() {
    let app = spawn_app().await;
    add_user(&*app.store, "编辑乙", Role::Editor, PASSWORD).await;
    let editor = AdminClient::sign_in(app.addr, "编辑乙", PASSWORD).await;
    let before = app.store.knowledge_current().await.expect("store").len();
    for (what, bytes, limit) in bombs() {
        assert!(bytes.len() < 2 * 1024 * 1024, "{what}: {} bytes", bytes.len());
        let res = app
            .http
            .post(app.url("/api/admin/kb/import"))
            .header("cookie", &editor.cookie)
            .header("x-csrf-token", &editor.csrf)
            .body(bytes.clone())
            .send()
            .await
            .expect("import answered");
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{what}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"]["code"], "import_too_large", "{what}: {body}");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(message.contains(limit) && message.contains("未导入"), "{what}: {message}");
        let direct = taxbot::kb::from_xlsx(&bytes, &Default::default()).expect_err(what);
        assert!(direct.to_string().contains(limit), "{what}: {direct}");
        asks_normally(&app).await;
    }
    assert_eq!(app.store.knowledge_current().await.expect("store").len(), before, "nothing was imported");
}

#[test]
fn a_part_that_inflates_past_the_limit_is_refused_by_its_real_size() {
    let filler = vec![b' '; 300_000];
    let bytes = with_part(&workbook(), "xl/media/filler.bin", &filler);
    let limits = taxbot::kb::ImportLimits { max_uncompressed_bytes: 200_000, ..Default::default() };
    let err = taxbot::kb::from_xlsx(&bytes, &limits).expect_err("too large once inflated");
    assert!(err.to_string().contains("解压后大小"), "{err}");
    taxbot::kb::from_xlsx(&workbook(), &limits).expect("the plain workbook fits");
}
