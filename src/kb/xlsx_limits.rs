//! Bounds an `.xlsx` file before a reader allocates anything for it.
//!
//! A spreadsheet reader sizes its buffers from what the file declares (a
//! sheet's `<dimension>`, the shared-string count) and from the rectangle its
//! cells span, so a file of a few kilobytes can ask for hundreds of gigabytes.
//! [`check`] streams every part of the archive once, counting the real
//! decompressed bytes (never trusting the sizes the archive declares), and
//! reads the declared and used rows, columns, cells and shared strings of the
//! XML parts against [`ImportLimits`]. Only a file that passes is handed to
//! the reader.

use std::fmt;
use std::io::{BufReader, Cursor, Read};
use std::time::{Duration, Instant};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// The bounds (the `[import]` configuration section).
pub use crate::config::import::Settings as ImportLimits;

/// Which bound a workbook exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Rows of one sheet.
    Rows,
    /// Columns of one sheet.
    Columns,
    /// Cells of the workbook.
    Cells,
    /// Shared strings.
    SharedStrings,
    /// Decompressed bytes (or the file's own size).
    UncompressedBytes,
    /// Parts inside the archive.
    Parts,
    /// Time spent reading.
    Seconds,
}

impl Limit {
    /// The configuration key that sets this bound.
    pub fn key(self) -> &'static str {
        match self {
            Limit::Rows => "import.max_rows",
            Limit::Columns => "import.max_columns",
            Limit::Cells => "import.max_cells",
            Limit::SharedStrings => "import.max_shared_strings",
            Limit::UncompressedBytes => "import.max_uncompressed_bytes",
            Limit::Parts => "import.max_parts",
            Limit::Seconds => "import.max_seconds",
        }
    }

    /// The bound's value in `limits`.
    pub fn value(self, limits: &ImportLimits) -> u64 {
        match self {
            Limit::Rows => u64::from(limits.max_rows),
            Limit::Columns => u64::from(limits.max_columns),
            Limit::Cells => limits.max_cells,
            Limit::SharedStrings => limits.max_shared_strings,
            Limit::UncompressedBytes => limits.max_uncompressed_bytes,
            Limit::Parts => limits.max_parts as u64,
            Limit::Seconds => limits.max_seconds,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Rows => "工作表行数",
            Limit::Columns => "工作表列数",
            Limit::Cells => "单元格数",
            Limit::SharedStrings => "共享字符串数",
            Limit::UncompressedBytes => "解压后大小（字节）",
            Limit::Parts => "压缩包内文件数",
            Limit::Seconds => "读取时间（秒）",
        })
    }
}

/// Why a workbook was refused before reading.
#[derive(Debug)]
pub enum Refusal {
    /// Over a bound.
    Over(Limit),
    /// Not a readable zip archive or XML part.
    Unreadable(String),
}

/// Checks `bytes` against `limits` without building any cell.
pub fn check(bytes: &[u8], limits: &ImportLimits) -> Result<(), Refusal> {
    if bytes.len() as u64 > limits.max_uncompressed_bytes {
        return Err(Refusal::Over(Limit::UncompressedBytes));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| Refusal::Unreadable(e.to_string()))?;
    if zip.len() > limits.max_parts {
        return Err(Refusal::Over(Limit::Parts));
    }
    let mut scan = Scan::new(limits);
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|e| Refusal::Unreadable(e.to_string()))?;
        let name = part.name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        let is_xml = name.ends_with(".xml") || name.ends_with(".rels");
        let budget = scan.bytes_left();
        // One byte past the budget tells a part that is too large from one that fits exactly.
        let mut counted = Counted { inner: part.take(budget.saturating_add(1)), read: 0 };
        // Every part is read as XML, whatever its name, since a reader follows the
        // workbook's relationships rather than names; a part that is not XML and
        // not named so is simply counted.
        let result = scan.xml(BufReader::new(&mut counted));
        let result = match result {
            Err(Refusal::Unreadable(_)) if !is_xml => std::io::copy(&mut counted, &mut std::io::sink())
                .map(drop)
                .map_err(|e| Refusal::Unreadable(e.to_string())),
            other => other,
        };
        if counted.read > budget {
            return Err(Refusal::Over(Limit::UncompressedBytes));
        }
        result?;
        scan.used_bytes(counted.read)?;
        scan.in_time()?;
    }
    Ok(())
}

/// A reader that counts what it passes on.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Running totals over the whole workbook.
struct Scan<'a> {
    limits: &'a ImportLimits,
    deadline: Instant,
    bytes: u64,
    cells: u64,
    shared_strings: u64,
}

impl<'a> Scan<'a> {
    fn new(limits: &'a ImportLimits) -> Self {
        let deadline = Instant::now() + Duration::from_secs(limits.max_seconds);
        Scan { limits, deadline, bytes: 0, cells: 0, shared_strings: 0 }
    }

    fn bytes_left(&self) -> u64 {
        self.limits.max_uncompressed_bytes.saturating_sub(self.bytes)
    }

    fn used_bytes(&mut self, n: u64) -> Result<(), Refusal> {
        self.bytes += n;
        over(self.bytes, Limit::UncompressedBytes, self.limits)
    }

    fn in_time(&self) -> Result<(), Refusal> {
        if Instant::now() > self.deadline { Err(Refusal::Over(Limit::Seconds)) } else { Ok(()) }
    }

    /// Reads one XML part: a worksheet's dimension, rows and cells, or the shared strings.
    fn xml(&mut self, input: impl std::io::BufRead) -> Result<(), Refusal> {
        let mut reader = Reader::from_reader(input);
        let mut buf = Vec::new();
        let mut sheet = Sheet::default();
        let limits = self.limits;
        for events in 0u64.. {
            buf.clear();
            let event = reader.read_event_into(&mut buf).map_err(|e| Refusal::Unreadable(e.to_string()))?;
            match event {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    "dimension" => sheet.dimension(&e, limits)?,
                    "row" => sheet.row(&e, limits)?,
                    "c" => {
                        self.cells += 1;
                        over(self.cells, Limit::Cells, limits)?;
                        sheet.cell(&e, limits)?;
                    }
                    "sst" => {
                        for name in ["count", "uniqueCount"] {
                            over(number(&e, name).unwrap_or(0), Limit::SharedStrings, limits)?;
                        }
                    }
                    "si" => {
                        self.shared_strings += 1;
                        over(self.shared_strings, Limit::SharedStrings, limits)?;
                    }
                    _ => {}
                },
                Event::Eof => return Ok(()),
                _ => {}
            }
            if events % 4096 == 0 {
                self.in_time()?;
            }
        }
        Ok(())
    }
}

/// Rows and columns one worksheet uses so far.
#[derive(Default)]
struct Sheet {
    row: u64,
    column: u64,
}

impl Sheet {
    fn dimension(&mut self, e: &BytesStart, limits: &ImportLimits) -> Result<(), Refusal> {
        let Some(text) = attribute(e, "ref") else { return Ok(()) };
        for corner in text.split(':') {
            if let Some((column, row)) = cell_ref(corner) {
                spans(row, column, limits)?;
            }
        }
        Ok(())
    }

    fn row(&mut self, e: &BytesStart, limits: &ImportLimits) -> Result<(), Refusal> {
        self.row = number(e, "r").unwrap_or(self.row + 1);
        self.column = 0;
        spans(self.row, 1, limits)
    }

    fn cell(&mut self, e: &BytesStart, limits: &ImportLimits) -> Result<(), Refusal> {
        match attribute(e, "r").as_deref().and_then(cell_ref) {
            Some((column, row)) => {
                self.column = column;
                self.row = self.row.max(row);
                spans(row, column, limits)
            }
            None => {
                self.column += 1;
                spans(self.row.max(1), self.column, limits)
            }
        }
    }
}

/// Whether a sheet reaching `row` and `column` fits, the rectangle from `A1` included.
fn spans(row: u64, column: u64, limits: &ImportLimits) -> Result<(), Refusal> {
    over(row, Limit::Rows, limits)?;
    over(column, Limit::Columns, limits)?;
    over(row.saturating_mul(column), Limit::Cells, limits)
}

fn over(value: u64, limit: Limit, limits: &ImportLimits) -> Result<(), Refusal> {
    if value > limit.value(limits) { Err(Refusal::Over(limit)) } else { Ok(()) }
}

fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    let value = e.try_get_attribute(name).ok().flatten()?;
    Some(value.value.into_owned())
}

/// A numeric attribute; an absurd one counts as the largest number.
fn number(e: &BytesStart, name: &str) -> Option<u64> {
    let text = attribute(e, name)?;
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// `XFD1048576` (or `$XFD$1048576`) as (column, row), both from 1.
fn cell_ref(text: &str) -> Option<(u64, u64)> {
    let text: String = text.trim().chars().filter(|&c| c != '$').collect();
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = text.split_at(split);
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let column = letters
        .chars()
        .try_fold(0u64, |n, c| n.checked_mul(26)?.checked_add(u64::from(c.to_ascii_uppercase() as u8 - b'A' + 1)))
        .unwrap_or(u64::MAX);
    let row =
        if digits.bytes().all(|b| b.is_ascii_digit()) { digits.parse().unwrap_or(u64::MAX) } else { return None };
    Some((column, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_read_as_column_and_row() {
        assert_eq!(cell_ref("A1"), Some((1, 1)));
        assert_eq!(cell_ref("$XFD$1048576"), Some((16_384, 1_048_576)));
        assert_eq!(cell_ref("AA10"), Some((27, 10)));
        assert_eq!(cell_ref("ZZZZZZZZZZZZZZZZ99999999999999999999999"), Some((u64::MAX, u64::MAX)));
        assert_eq!(cell_ref("12"), None);
    }
}
