//! The `taxbot` command line behind `main.rs`: one file per command, each a
//! function from parsed arguments and the configuration to what it prints and
//! an exit code, so that it can be tested without a process.
//!
//! | file | command |
//! |---|---|
//! | `ask.rs` | `ask`: the decision, the top candidates and why they matched |
//! | `config.rs` | `config check`, `config show` (secrets hidden) |
//! | `eval.rs` | `eval`: answer quality on a labelled file, and the `--min-*` gates |
//! | `kb/` | `kb check`, `kb export`, `kb expiring` (`mod.rs`), `kb import` into a directory (`import.rs`), both on the store (`store.rs`) |
//! | `user.rs` | `user add`, `user passwd`, `user list` |
//! | `apikey.rs` | `apikey add`, `apikey list`, `apikey revoke` |
//! | `purge.rs` | `purge`: anonymise personal data past the retention period |
//! | `migrate.rs` | `migrate`: copy a SQLite store into an empty PostgreSQL database |
//! | `serve.rs` | `serve` |
//! | `bench.rs` | `bench ws` |
//!
//! This is CLI glue: errors are `anyhow` here and in `main.rs` only (design §6;
//! every library module below keeps its own `thiserror` enum), printed once by
//! `main`. Output goes to a `Write` given by the caller: [`Stdout`] in the binary,
//! a buffer in tests.

pub mod apikey;
pub mod ask;
pub mod backup;
pub mod bench;
pub mod config;
pub mod eval;
pub mod eval_chat;
pub mod kb;
pub mod migrate;
pub mod purge;
pub mod serve;
pub mod user;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::config::Config;
use crate::kb::KnowledgeBase;
use crate::search::{Searcher, Snapshot};

/// `--kb DIR`, taken by every command that reads a knowledge base.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct KbArg {
    /// Knowledge-base directory (default: config `kb.dir`, i.e. ./knowledge-base, or the base
    /// embedded in the binary when there is no ./knowledge-base).
    #[arg(long, value_name = "DIR")]
    pub kb: Option<PathBuf>,
}

impl KbArg {
    /// The directory: the flag, else config `kb.dir`.
    pub fn dir(&self, config: &Config) -> PathBuf {
        self.kb.clone().unwrap_or_else(|| config.kb.dir.clone())
    }
}

/// `--data-dir DIR` of the commands that work on the store.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DataDirArg {
    /// Directory of the SQLite database (default: config `store.data_dir`, i.e. ./data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Standard output that ends the process quietly when its reader has gone
/// away (`taxbot ask … | head`) instead of failing on the broken pipe; other
/// write errors are ignored, as `println!` would have nowhere to report them.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        quiet(std::io::stdout().write_all(buf)).map(|()| buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        quiet(std::io::stdout().flush())
    }
}

fn quiet(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        _ => Ok(()),
    }
}

/// The multi-threaded runtime of the commands that talk to the store or the network.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("无法启动异步运行时")
}

/// Loads the knowledge base in `dir` (the embedded base when `dir` is the default
/// `knowledge-base` and there is none here), pointing at `kb check` when it is invalid.
pub fn load_base(dir: &Path) -> Result<KnowledgeBase> {
    let source = crate::kb::Origin::for_dir(dir);
    crate::kb::load_from(&source)
        .with_context(|| format!("加载知识库 {source} 失败（用 `taxbot kb check` 查看全部错误）"))
}

/// A matcher over the knowledge base in `dir` with the configured settings.
pub fn open_searcher(config: &Config, dir: &Path) -> Result<Searcher> {
    let base = load_base(dir)?;
    Ok(Searcher::new(Snapshot::from_kb(&base)?, config.search.clone()))
}

/// The small knowledge base under `tests/fixtures/kb-small` (same layout as the shipped one).
#[cfg(test)]
pub(crate) fn fixture_kb() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kb-small")
}
