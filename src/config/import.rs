//! `[import]` settings: the bounds of an uploaded or imported Excel workbook.

use serde::{Deserialize, Serialize};

/// Limits checked on an `.xlsx` file before any of it is turned into cells.
///
/// The shipped knowledge base is a few hundred rows of 11 columns; the
/// defaults leave room for a base a hundred times larger while keeping the
/// memory of one import under about 100 MB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Most rows in one sheet (declared in `<dimension>` or used by a cell).
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_rows: u32,
    /// Most columns in one sheet (`A` = 1, `XFD` = 16,384).
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_columns: u32,
    /// Most cells in the workbook, counted both as written cells and as the
    /// rectangle each sheet spans (which is what a reader allocates).
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_cells: u64,
    /// Most shared strings (declared or written).
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_shared_strings: u64,
    /// Most bytes after decompression, all parts together (and most bytes of the file itself).
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_uncompressed_bytes: u64,
    /// Most parts (files) inside the workbook's zip archive.
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_parts: usize,
    /// Longest time the checks and the reading may take.
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_rows: 20_000,
            max_columns: 64,
            max_cells: 500_000,
            max_shared_strings: 500_000,
            max_uncompressed_bytes: 100 * 1024 * 1024,
            max_parts: 1_000,
            max_seconds: 30,
        }
    }
}
