//! `taxbot migrate --from sqlite:PATH --to postgres://…`: copy a SQLite store
//! (the file, or the data directory holding `taxbot.db`) into a new, empty
//! PostgreSQL database, then compare the row counts of every table.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::store::{self, Store as _, copy_sqlite_to_postgres, redact_url};

/// `taxbot migrate` arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The SQLite store: `sqlite:PATH`, PATH the database file or the data
    /// directory holding taxbot.db.
    #[arg(long, value_name = "sqlite:PATH")]
    pub from: String,
    /// The PostgreSQL database (`postgres://user:password@host/db`); it must
    /// be empty (its tables are created on the way).
    #[arg(long, value_name = "postgres://…")]
    pub to: String,
}

/// The SQLite database file named by `--from`.
fn source_file(from: &str) -> Result<PathBuf> {
    let Some(path) = from.strip_prefix("sqlite:").map(|p| p.strip_prefix("//").unwrap_or(p)) else {
        bail!("--from 只接受 sqlite:PATH（SQLite 数据库文件或数据目录），收到：{from}");
    };
    let path = PathBuf::from(path);
    let file = if path.is_dir() { path.join("taxbot.db") } else { path };
    if !file.is_file() {
        bail!("找不到 SQLite 数据库：{}", file.display());
    }
    Ok(file)
}

/// Copies, prints the rows of every table, and fails when anything differs.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<ExitCode> {
    let file = source_file(&args.from)?;
    let to = args.to.clone();
    let report = super::runtime()?.block_on(async move {
        let source = store::SqliteStore::open(&file, 2).await?;
        let target = store::open_url(&to, 4).await?;
        let copied = copy_sqlite_to_postgres(&source, &target).await;
        source.close().await;
        target.close().await;
        anyhow::Ok(copied?)
    })?;
    writeln!(out, "已迁移到 {}：", redact_url(&args.to))?;
    let mut total = 0;
    for (table, rows) in &report.tables {
        writeln!(out, "  {table}\t{rows} 行")?;
        total += rows;
    }
    writeln!(out, "共 {total} 行，两边各表行数一致。")?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_must_be_an_existing_sqlite_file_or_data_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(source_file("postgres://x/y").is_err());
        assert!(source_file(&format!("sqlite:{}", dir.path().display())).is_err(), "no taxbot.db yet");
        std::fs::write(dir.path().join("taxbot.db"), b"").expect("file");
        let from_dir = source_file(&format!("sqlite:{}", dir.path().display())).expect("dir");
        assert_eq!(from_dir, dir.path().join("taxbot.db"));
        let from_file = source_file(&format!("sqlite://{}", dir.path().join("taxbot.db").display())).expect("file");
        assert_eq!(from_file, dir.path().join("taxbot.db"));
    }
}
