//! `taxbot kb import SRC --kb DIR` killed with SIGKILL at any moment leaves DIR
//! either wholly as it was or wholly imported, and the next run cleans up.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MARK: &str = "（本条已由导入更新）";

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for item in std::fs::read_dir(from).expect("ls") {
        let item = item.expect("item");
        let target = to.join(item.file_name());
        if item.path().is_dir() {
            copy_tree(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), &target).expect("copy");
        }
    }
}

/// How many entries of the base at `dir` carry `MARK`, or None when it does not load.
fn marked(dir: &Path) -> Option<usize> {
    let kb = taxbot::kb::load(dir).ok()?;
    Some(kb.entries.iter().filter(|e| e.answer.contains(MARK)).count())
}

fn import(source: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taxbot"));
    cmd.args(["kb", "import"]).arg(source).arg("--kb").arg(dir).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// Returns once a file named `prefix…` appears in `dir` or the child has exited.
fn wait_for(child: &mut std::process::Child, dir: &Path, prefix: &str) {
    loop {
        let seen = std::fs::read_dir(dir)
            .map(|ls| ls.flatten().any(|e| e.file_name().to_string_lossy().starts_with(prefix)))
            .unwrap_or(false);
        if seen || !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        std::thread::yield_now();
    }
}

#[test]
fn a_killed_directory_import_leaves_the_old_or_the_new_base_never_a_mix() {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
    let root = tempfile::tempdir().expect("tmp");
    let mut source_kb = taxbot::kb::load(&shipped).expect("shipped base");
    for e in &mut source_kb.entries {
        e.answer = format!("{}\n\n{MARK}", e.answer.trim_end());
    }
    let total = source_kb.entries.len();
    let source = root.path().join("source");
    taxbot::kb::export_dir(&source_kb, &source).expect("export the source");
    let work = root.path().join("work");

    // How long one whole import takes on this machine now; the kills spread over it.
    copy_tree(&shipped, &work.join("kb"));
    let started = std::time::Instant::now();
    assert!(import(&source, &work.join("kb")).status().expect("run").success());
    let whole = started.elapsed();

    let (mut old, mut new) = (0, 0);
    for round in 0..16u32 {
        let _ = std::fs::remove_dir_all(&work);
        let dir = work.join("kb");
        copy_tree(&shipped, &dir);
        let mut child = import(&source, &dir).spawn().expect("start taxbot");
        // Kill at a moment spread over a whole import, or as soon as the run reaches a
        // phase (copy staged, old directory moved away), or not at all.
        match round % 4 {
            0 => std::thread::sleep(whole * round / 16),
            1 => wait_for(&mut child, &work, ".kb.taxbot-import-"),
            2 => wait_for(&mut child, &work, ".kb.taxbot-old-"),
            _ => {
                let _ = child.wait();
            }
        }
        let _ = child.kill();
        let _ = child.wait();

        match marked(&dir) {
            Some(0) => old += 1,
            Some(n) if n == total => new += 1,
            Some(n) => panic!("round {round}: a mixed base with {n} of {total} entries imported"),
            None => assert!(!dir.exists(), "round {round}: the directory exists but does not load"),
        }
        assert!(import(&source, &dir).status().expect("run again").success(), "round {round}: the next run");
        assert_eq!(marked(&dir), Some(total), "round {round}: the next run imports everything");
        let left: Vec<_> = std::fs::read_dir(&work).expect("ls").flatten().map(|e| e.file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("kb")], "round {round}: nothing left beside the base");
    }
    assert!(old > 0 && new > 0, "kills landed both before and after the swap (old {old}, new {new})");
}
