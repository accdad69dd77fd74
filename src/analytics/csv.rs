//! CSV export: RFC 4180 quoting, UTF-8 with a BOM (so spreadsheet programs
//! read Chinese correctly), and a guard against formula injection: a cell
//! starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.

use serde::Serialize;

/// Renders `rows` (flat structs or maps) as CSV with `header` naming the columns in order.
pub fn render<T: Serialize>(header: &[&str], rows: &[T]) -> String {
    let mut out = String::from("\u{feff}");
    line(&mut out, header.iter().map(|h| (*h).to_owned()));
    for row in rows {
        let value = serde_json::to_value(row).unwrap_or_default();
        line(&mut out, header.iter().map(|h| cell_text(value.get(h))));
    }
    out
}

fn cell_text(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) => {
            items.iter().map(|i| cell_text(Some(i))).collect::<Vec<_>>().join(" | ")
        }
        Some(other) => other.to_string(),
    }
}

fn line(out: &mut String, cells: impl Iterator<Item = String>) {
    let cells: Vec<String> = cells.map(|c| cell(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One escaped cell.
pub fn cell(raw: &str) -> String {
    let guarded = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{raw}") } else { raw.to_owned() };
    if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        text: String,
        n: u64,
        rate: Option<f64>,
        list: Vec<String>,
    }

    #[test]
    fn quotes_and_guards_cells() {
        assert_eq!(cell("plain 文本"), "plain 文本");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\"\nnow"), "\"say \"\"hi\"\"\nnow\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
    }

    #[test]
    fn renders_rows_in_header_order() {
        let rows = [Row { text: "=1+1".into(), n: 3, rate: None, list: vec!["a".into(), "b,c".into()] }];
        let csv = render(&["n", "text", "rate", "list"], &rows);
        assert_eq!(csv, "\u{feff}n,text,rate,list\r\n3,'=1+1,,\"a | b,c\"\r\n");
    }
}
