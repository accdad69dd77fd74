//! Embeds the shipped `knowledge-base/` in the binary (`kb::embedded`), so that
//! `taxbot serve` runs from any directory: writes `$OUT_DIR/embedded_kb.rs`, a
//! sorted table of every file's path (relative, `/`-separated) and
//! `include_str!` of its contents.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
    // A directory makes Cargo rerun the script when any file under it changes.
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from("/// Every file of the shipped `knowledge-base/`: its relative path and contents.\n");
    out.push_str("pub(super) static FILES: &[(&str, &str)] = &[\n");
    for path in files {
        let rel = path.strip_prefix(&root).expect("collected under the root");
        let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        writeln!(out, "    ({:?}, include_str!({:?})),", rel.join("/"), path.display().to_string())
            .expect("writing to a String");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("Cargo sets OUT_DIR")).join("embedded_kb.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
