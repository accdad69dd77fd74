//! Replacing a knowledge-base directory all at once: the new content is built
//! in a complete copy beside it, checked, marked complete, then swapped in
//! with renames. An interrupted run leaves either the old directory or the new
//! one; the next run finishes or undoes what it finds.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Written into a staged copy once it is complete and checked.
const COMPLETE: &str = ".taxbot-import-complete";

/// A staged copy of a directory, to be edited and then swapped in.
pub(super) struct Staged {
    dir: PathBuf,
    staging: PathBuf,
}

/// The sibling names used for `dir`: `.NAME.taxbot-import-PID` (the new copy)
/// and `.NAME.taxbot-old-PID` (the old directory during the swap).
fn sibling(dir: &Path, what: &str, pid: u32) -> PathBuf {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "kb".into());
    parent(dir).join(format!(".{name}.taxbot-{what}-{pid}"))
}

fn parent(dir: &Path) -> &Path {
    dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Leftovers of earlier runs for `dir`: (staged copies, old directories).
fn leftovers(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "kb".into());
    let (import, old) = (format!(".{name}.taxbot-import-"), format!(".{name}.taxbot-old-"));
    let (mut staged, mut olds) = (Vec::new(), Vec::new());
    let Ok(read) = std::fs::read_dir(parent(dir)) else {
        return Ok((staged, olds));
    };
    for item in read.flatten() {
        let file = item.file_name().to_string_lossy().into_owned();
        if file.starts_with(&import) {
            staged.push(item.path());
        } else if file.starts_with(&old) {
            olds.push(item.path());
        }
    }
    Ok((staged, olds))
}

/// Finishes or undoes an interrupted swap of `dir`, and removes stale copies.
/// Returns what it did, one line each, for the caller to print.
pub(super) fn recover(dir: &Path) -> Result<Vec<String>> {
    let (staged, olds) = leftovers(dir)?;
    let mut done = Vec::new();
    if !dir.exists() {
        // Killed between the two renames: the old directory is moved away.
        if let Some(new) = staged.iter().find(|s| s.join(COMPLETE).exists()) {
            std::fs::rename(new, dir).with_context(|| format!("无法完成上次中断的导入 {}", dir.display()))?;
            let _ = std::fs::remove_file(dir.join(COMPLETE));
            done.push(format!("已完成上次中断的导入：{}", dir.display()));
        } else if let Some(old) = olds.first() {
            std::fs::rename(old, dir).with_context(|| format!("无法恢复上次中断前的 {}", dir.display()))?;
            done.push(format!("已恢复上次中断前的知识库：{}", dir.display()));
        }
    }
    for stale in staged.iter().chain(&olds).filter(|p| p.exists()) {
        std::fs::remove_dir_all(stale).with_context(|| format!("无法删除上次留下的 {}", stale.display()))?;
        done.push(format!("已清理上次留下的 {}", stale.display()));
    }
    Ok(done)
}

impl Staged {
    /// Copies `dir` to a fresh staging directory beside it.
    pub(super) fn copy_of(dir: &Path) -> Result<Staged> {
        if !dir.is_dir() {
            bail!("{} 不是知识库目录", dir.display());
        }
        let staging = sibling(dir, "import", std::process::id());
        let _ = std::fs::remove_dir_all(&staging);
        copy_tree(dir, &staging).with_context(|| format!("无法复制 {} 到 {}", dir.display(), staging.display()))?;
        Ok(Staged { dir: dir.to_path_buf(), staging })
    }

    /// The copy, to edit and check.
    pub(super) fn path(&self) -> &Path {
        &self.staging
    }

    /// Swaps the checked copy in for the directory.
    pub(super) fn commit(self) -> Result<()> {
        std::fs::write(self.staging.join(COMPLETE), b"").context("无法标记导入完成")?;
        sync_dir(&self.staging);
        let old = sibling(&self.dir, "old", std::process::id());
        std::fs::rename(&self.dir, &old).with_context(|| format!("无法移走旧的 {}", self.dir.display()))?;
        if let Err(e) = std::fs::rename(&self.staging, &self.dir) {
            let _ = std::fs::rename(&old, &self.dir);
            return Err(e).with_context(|| format!("无法换入新的 {}", self.dir.display()));
        }
        let _ = std::fs::remove_file(self.dir.join(COMPLETE));
        sync_dir(parent(&self.dir));
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    }
}

impl Drop for Staged {
    /// A copy that was not committed (an error, a refused import) is removed.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}

/// Flushes a directory's entries to disk (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Copies a directory tree (files and directories; links are followed).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for item in std::fs::read_dir(from)? {
        let item = item?;
        let target = to.join(item.file_name());
        if item.file_type()?.is_dir() || item.path().is_dir() {
            copy_tree(&item.path(), &target)?;
        } else {
            std::fs::copy(item.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(root: &Path, text: &str) -> PathBuf {
        let dir = root.join("kb");
        std::fs::create_dir_all(dir.join("faq")).expect("mkdir");
        std::fs::write(dir.join("faq").join("a.md"), text).expect("write");
        dir
    }

    fn read(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("faq").join("a.md")).expect("read")
    }

    #[test]
    fn a_committed_copy_replaces_the_directory_and_leaves_nothing_behind() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = base(root.path(), "old");
        let staged = Staged::copy_of(&dir).expect("stage");
        std::fs::write(staged.path().join("faq").join("a.md"), "new").expect("edit");
        staged.commit().expect("commit");
        assert_eq!(read(&dir), "new");
        assert_eq!(std::fs::read_dir(root.path()).expect("ls").count(), 1, "only the directory is left");
        assert!(!dir.join(COMPLETE).exists());
    }

    #[test]
    fn a_dropped_copy_changes_nothing() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = base(root.path(), "old");
        let staged = Staged::copy_of(&dir).expect("stage");
        std::fs::write(staged.path().join("faq").join("a.md"), "half").expect("edit");
        drop(staged);
        assert_eq!(read(&dir), "old");
        assert_eq!(std::fs::read_dir(root.path()).expect("ls").count(), 1);
    }

    #[test]
    fn recovery_removes_an_unfinished_copy_and_keeps_the_old_directory() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = base(root.path(), "old");
        let staged = sibling(&dir, "import", 4242);
        copy_tree(&dir, &staged).expect("copy");
        std::fs::write(staged.join("faq").join("a.md"), "half").expect("edit");
        assert_eq!(recover(&dir).expect("recover").len(), 1);
        assert_eq!(read(&dir), "old");
        assert!(!staged.exists());
    }

    #[test]
    fn recovery_finishes_a_swap_cut_between_its_renames() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = base(root.path(), "old");
        let staged = sibling(&dir, "import", 4242);
        copy_tree(&dir, &staged).expect("copy");
        std::fs::write(staged.join("faq").join("a.md"), "new").expect("edit");
        std::fs::write(staged.join(COMPLETE), b"").expect("mark");
        std::fs::rename(&dir, sibling(&dir, "old", 4242)).expect("move old away");
        recover(&dir).expect("recover");
        assert_eq!(read(&dir), "new");
        assert_eq!(std::fs::read_dir(root.path()).expect("ls").count(), 1);
    }

    #[test]
    fn recovery_puts_the_old_directory_back_when_the_copy_was_not_complete() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = base(root.path(), "old");
        let staged = sibling(&dir, "import", 4242);
        copy_tree(&dir, &staged).expect("copy");
        std::fs::rename(&dir, sibling(&dir, "old", 4242)).expect("move old away");
        recover(&dir).expect("recover");
        assert_eq!(read(&dir), "old");
        assert_eq!(std::fs::read_dir(root.path()).expect("ls").count(), 1);
    }
}
