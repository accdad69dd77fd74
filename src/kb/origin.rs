//! Where a knowledge base is read from: a directory in the `knowledge-base/`
//! layout, or the copy of the shipped `knowledge-base/` that the build embeds
//! in the binary (`build.rs`), so that `taxbot serve` runs from any directory.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use super::KbError;

/// The table `build.rs` generates: every file of the shipped base.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_kb.rs"));
}

/// The name shown for the embedded base in paths and messages (problems in it
/// would read `内置知识库/faq/VAT/VAT-001.md:3: …`).
pub const EMBEDDED_NAME: &str = "内置知识库";

/// A knowledge base to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A directory in the `knowledge-base/` layout.
    Dir(PathBuf),
    /// The shipped base embedded in the binary at build time.
    Embedded,
}

impl Origin {
    /// The directory `dir` (config `kb.dir` or `--kb`), except that the default
    /// relative `knowledge-base`, when it does not exist in the working
    /// directory, means the embedded base. Any other directory that is missing
    /// stays an error when loaded: it was named on purpose.
    pub fn for_dir(dir: &Path) -> Origin {
        Origin::or_embedded(dir, &crate::config::KbSettings::default().dir)
    }

    fn or_embedded(dir: &Path, default: &Path) -> Origin {
        if dir == default && !dir.exists() { Origin::Embedded } else { Origin::Dir(dir.to_path_buf()) }
    }

    /// The root under which problems name the files.
    pub(super) fn root(&self) -> PathBuf {
        match self {
            Origin::Dir(dir) => dir.clone(),
            Origin::Embedded => PathBuf::from(EMBEDDED_NAME),
        }
    }

    /// Whether the base has its `faq/` folder.
    pub(super) fn has_faq(&self) -> bool {
        match self {
            Origin::Dir(dir) => dir.join("faq").is_dir(),
            Origin::Embedded => embedded::FILES.iter().any(|(p, _)| p.starts_with("faq/")),
        }
    }

    /// Every `.md` file under `faq/`, as paths under [`Origin::root`], sorted.
    pub(super) fn entry_files(&self) -> Result<Vec<PathBuf>, KbError> {
        let mut files = Vec::new();
        match self {
            Origin::Dir(dir) => collect_markdown(&dir.join("faq"), &mut files)?,
            Origin::Embedded => files.extend(
                embedded::FILES
                    .iter()
                    .filter(|(p, _)| p.starts_with("faq/") && p.ends_with(".md"))
                    .map(|(p, _)| Path::new(EMBEDDED_NAME).join(p)),
            ),
        }
        files.sort();
        Ok(files)
    }

    /// The text of `path` (under [`Origin::root`]), `None` when there is no such file.
    pub(super) fn read(&self, path: &Path) -> Result<Option<String>, KbError> {
        match self {
            Origin::Dir(_) => match fs::read_to_string(path) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(KbError::Io { path: path.to_path_buf(), source }),
            },
            Origin::Embedded => {
                let rel = path.strip_prefix(EMBEDDED_NAME).unwrap_or(path);
                let rel: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect();
                let rel = rel.join("/");
                Ok(embedded::FILES.iter().find(|(p, _)| *p == rel).map(|(_, text)| (*text).to_owned()))
            }
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Dir(dir) => write!(f, "{}", dir.display()),
            Origin::Embedded => f.write_str(EMBEDDED_NAME),
        }
    }
}

/// Writes every file of the embedded base under `dest` (created if needed; no
/// file already there is overwritten) and returns how many were written: the
/// shipped `knowledge-base/` byte for byte, README and topic plan included.
pub fn write_embedded(dest: &Path) -> Result<usize, KbError> {
    for (rel, text) in embedded::FILES {
        let path = dest.join(rel);
        let io = |source| KbError::Io { path: path.clone(), source };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io)?;
        }
        let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(io)?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)?;
    }
    Ok(embedded::FILES.len())
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), KbError> {
    let io = |source| KbError::Io { path: dir.to_path_buf(), source };
    for item in fs::read_dir(dir).map_err(io)? {
        let path = item.map_err(io)?.path();
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_base_is_the_shipped_directory_file_for_file() {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
        let dir = tempfile::tempdir().expect("tempdir");
        let written = write_embedded(dir.path()).expect("written");
        let mut on_disk = Vec::new();
        collect_all(&shipped, &mut on_disk);
        assert_eq!(written, on_disk.len());
        for path in on_disk {
            let rel = path.strip_prefix(&shipped).expect("under the root");
            let copy = fs::read(dir.path().join(rel)).expect("written out");
            assert_eq!(copy, fs::read(&path).expect("shipped"), "{}", rel.display());
        }
    }

    #[test]
    fn the_embedded_base_loads_like_the_directory() {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
        let from_dir = crate::kb::load(&shipped).expect("directory");
        let embedded = crate::kb::load_from(&Origin::Embedded).expect("embedded");
        assert_eq!(embedded.entries, from_dir.entries);
        assert_eq!(format!("{:?}", embedded.lexicon), format!("{:?}", from_dir.lexicon));
        assert!(embedded.topics.is_some());
    }

    #[test]
    fn only_the_default_directory_falls_back_to_the_embedded_base() {
        let default = Path::new("knowledge-base-that-is-not-here");
        assert_eq!(Origin::or_embedded(default, default), Origin::Embedded);
        let named = Path::new("/nonexistent/kb");
        assert_eq!(Origin::or_embedded(named, default), Origin::Dir(named.to_path_buf()));
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(Origin::or_embedded(here, here), Origin::Dir(here.to_path_buf()));
    }

    #[test]
    fn writing_the_embedded_base_never_overwrites_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("README.md"), "mine").expect("write");
        assert!(write_embedded(dir.path()).is_err());
        assert_eq!(fs::read_to_string(dir.path().join("README.md")).expect("read"), "mine");
    }

    fn collect_all(dir: &Path, out: &mut Vec<PathBuf>) {
        for item in fs::read_dir(dir).expect("readable") {
            let path = item.expect("entry").path();
            if path.is_dir() { collect_all(&path, out) } else { out.push(path) }
        }
    }
}
