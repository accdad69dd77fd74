//! `taxbot backup DEST` and `taxbot restore SRC`: a consistent copy of the
//! SQLite store taken while the server runs, and putting one back.
//! PostgreSQL installations use `pg_dump`/`pg_restore` (docs/api.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::DataDirArg;
use crate::config::Config;
use crate::store::SqliteStore;

/// `taxbot backup` arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct BackupArgs {
    /// The backup file to write (must not exist).
    pub dest: PathBuf,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// `taxbot restore` arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct RestoreArgs {
    /// A file written by `taxbot backup`.
    pub src: PathBuf,
    /// Replace an existing database (stop the server first).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub data: DataDirArg,
}

fn database(config: &Config, data: &DataDirArg) -> Result<PathBuf> {
    if config.store.url.as_deref().is_some_and(|u| !u.trim().is_empty()) {
        bail!("store.url 指向 PostgreSQL：请用 pg_dump / pg_restore 备份和恢复（见 docs/api.md）");
    }
    Ok(data.data_dir.as_ref().unwrap_or(&config.store.data_dir).join("taxbot.db"))
}

/// Writes a consistent copy of the store to `DEST`, safe while serving.
pub fn backup(config: Config, args: &BackupArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let db = database(&config, &args.data)?;
    if !db.exists() {
        bail!("找不到数据库 {}", db.display());
    }
    let dest = args.dest.clone();
    super::runtime()?.block_on(async move {
        let store = SqliteStore::open(&db, 1).await?;
        let result = store.backup_to(&dest).await;
        crate::store::Store::close(&store).await;
        result
    })?;
    let (conversations, messages) = counts(&args.dest)?;
    writeln!(out, "已备份到 {}：会话 {conversations}，消息 {messages}", args.dest.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Puts a backup in place of the store's database (the server must be stopped).
pub fn restore(config: Config, args: &RestoreArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let db = database(&config, &args.data)?;
    let (conversations, messages) =
        counts(&args.src).with_context(|| format!("{} 不是 taxbot 备份", args.src.display()))?;
    if db.exists() && !args.force {
        bail!("{} 已有数据库：先停止服务，再加 --force 覆盖", db.display());
    }
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建 {}", dir.display()))?;
    }
    // Copy beside, then rename over: a crash leaves the old or the new database.
    let staged = db.with_extension("db.restoring");
    std::fs::copy(&args.src, &staged).with_context(|| format!("无法写入 {}", staged.display()))?;
    for stale in ["taxbot.db-wal", "taxbot.db-shm"] {
        let _ = std::fs::remove_file(db.with_file_name(stale));
    }
    std::fs::rename(&staged, &db).with_context(|| format!("无法替换 {}", db.display()))?;
    writeln!(out, "已从 {} 恢复：会话 {conversations}，消息 {messages}", args.src.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Conversations and messages in the database file at `path` (checks it is one of ours).
fn counts(path: &Path) -> Result<(i64, i64)> {
    if !path.is_file() {
        bail!("找不到 {}", path.display());
    }
    let path = path.to_path_buf();
    super::runtime()?.block_on(async move {
        use sqlx::Connection as _;
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).read_only(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await?;
        if ok != "ok" {
            bail!("完整性检查未通过：{ok}");
        }
        let c: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations").fetch_one(&mut conn).await?;
        let m: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages").fetch_one(&mut conn).await?;
        Ok((c, m))
    })
}
