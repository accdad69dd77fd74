//! `taxbot kb`: check, export, import and expiry of a knowledge base, in a
//! directory (`--kb`) or in the store (`--data-dir`).

mod import;
mod store;
mod swap;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::{KbArg, load_base};
use crate::config::Config;
use crate::kb::{self, CheckReport, KnowledgeBase, TOPICS_FILE};

pub use import::{import_dir, read_import};

/// The knowledge-base commands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Command {
    /// Validate every entry, word list and the topic plan (`topics.tsv`), and check every entry
    /// against the plan; exit 1 on any problem.
    ///
    /// Config sections read: [kb], [log].
    Check {
        #[command(flatten)]
        kb: KbArg,
        /// Also fail when a planned topic has no entry.
        #[arg(long)]
        require_all_topics: bool,
    },
    /// Write the knowledge base to DIR in the `knowledge-base/` layout (DIR must be new or empty),
    /// or to FILE.xlsx as a workbook.
    ///
    /// Config sections read: [kb], [log]; with --data-dir also [store], [search], [admin].
    Export {
        #[command(flatten)]
        kb: KbArg,
        /// The destination directory or `.xlsx` file.
        dest: PathBuf,
        /// Export the published base of the store in DIR (the SQLite data directory) instead of `--kb`.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Export the base embedded in this binary (the shipped `knowledge-base/`, file for file,
        /// README included) instead of `--kb`: what `serve` loads when there is no ./knowledge-base.
        #[arg(long, conflicts_with_all = ["data_dir", "kb"])]
        embedded: bool,
    },
    /// Import a workbook (FILE.xlsx) or a directory into the knowledge base (`--kb`): every row is
    /// validated first and nothing is written unless all of it is valid. Entries are added or
    /// replaced by id, entries not in the import are kept; the word lists are replaced, and so is
    /// the topic plan when the directory has one.
    ///
    /// Config sections read: [kb], [import], [log]; with --data-dir also [store], [search], [admin].
    Import {
        #[command(flatten)]
        kb: KbArg,
        /// The workbook or directory to import.
        source: PathBuf,
        /// Import into the store in DIR (the SQLite data directory) as new published versions by
        /// `cli` (audited) instead of into `--kb`.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// List entries whose policy ends within DAYS days (today in UTC+8).
    ///
    /// Config sections read: [kb], [log].
    Expiring {
        #[command(flatten)]
        kb: KbArg,
        /// The window in days.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
}

/// Runs a knowledge-base command, printing to `out`.
pub fn run(config: Config, command: Command, out: &mut dyn Write) -> Result<ExitCode> {
    match command {
        Command::Check { kb, require_all_topics } => check(&kb.dir(&config), require_all_topics, out),
        Command::Export { dest, embedded: true, .. } => export_embedded(&dest, out),
        Command::Export { kb, dest, data_dir: Some(dir), .. } => store::export(config, &kb, dir, &dest, out),
        Command::Import { kb, source, data_dir: Some(dir) } => store::import(config, &kb, dir, &source, out),
        Command::Export { kb, dest, data_dir: None, .. } => write_base(&load_base(&kb.dir(&config))?, &dest, out),
        Command::Import { kb, source, data_dir: None } => import_dir(&kb.dir(&config), &source, &config.import, out),
        Command::Expiring { kb, days } => expiring(&kb.dir(&config), days, out),
    }
}

/// `kb check`: every problem with its file and line, the topic plan's coverage, and a
/// failure on any problem (or, with `require_all_topics`, on a planned topic without entry).
pub fn check(dir: &Path, require_all_topics: bool, out: &mut dyn Write) -> Result<ExitCode> {
    let (base, report) = kb::load_checked(dir)?;
    let plan = dir.join(TOPICS_FILE);
    if require_all_topics && base.topics.is_none() {
        bail!("--require-all-topics 需要主题目录：{} 不存在", plan.display());
    }
    for p in &report.problems {
        writeln!(out, "{p}")?;
    }
    match &base.topics {
        Some(topics) => writeln!(
            out,
            "主题目录：{}（{} 个主题，缺 {} 个）",
            plan.display(),
            topics.topics.len(),
            report.missing_topics.len()
        )?,
        None => writeln!(out, "主题目录：未找到 {}，跳过编号检查", plan.display())?,
    }
    if !report.missing_topics.is_empty() {
        writeln!(out, "缺少条目的主题：{}", report.missing_topics.join(" "))?;
    }
    writeln!(out, "{} 个条目，{} 处错误", report.entries, report.problems.len())?;
    Ok(if passes(&report, require_all_topics) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Whether a check passes: no problem, and no missing topic when all are required.
pub fn passes(report: &CheckReport, require_all_topics: bool) -> bool {
    report.problems.is_empty() && (!require_all_topics || report.missing_topics.is_empty())
}

fn is_xlsx(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// Writes `base` to `dest`: a new or empty directory (the `knowledge-base/` layout, topic
/// plan included) or FILE.xlsx.
pub fn write_base(base: &KnowledgeBase, dest: &Path, out: &mut dyn Write) -> Result<ExitCode> {
    if is_xlsx(dest) {
        let bytes = kb::to_xlsx(base).context("无法生成 Excel 文件")?;
        std::fs::write(dest, bytes).with_context(|| format!("无法写入 {}", dest.display()))?;
    } else if dest.extension().is_some() && !dest.is_dir() {
        bail!("{}：只能导出到目录或 .xlsx 文件", dest.display());
    } else {
        ensure_new_dir(dest)?;
        kb::export_dir(base, dest)?;
    }
    writeln!(out, "已导出 {} 个条目到 {}", base.entries.len(), dest.display())?;
    Ok(ExitCode::SUCCESS)
}

/// `kb export --embedded`: the embedded base's files as they were shipped to a new or empty
/// directory, or its entries to FILE.xlsx.
pub fn export_embedded(dest: &Path, out: &mut dyn Write) -> Result<ExitCode> {
    if is_xlsx(dest) || (dest.extension().is_some() && !dest.is_dir()) {
        return write_base(&kb::load_from(&kb::Origin::Embedded)?, dest, out);
    }
    ensure_new_dir(dest)?;
    let files = kb::write_embedded(dest)?;
    writeln!(out, "已导出{}（{files} 个文件）到 {}", kb::EMBEDDED_NAME, dest.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Fails unless `dest` is missing or an empty directory, so that an export never mixes with old files.
fn ensure_new_dir(dest: &Path) -> Result<()> {
    let non_empty = std::fs::read_dir(dest).map(|mut d| d.next().is_some()).unwrap_or(false);
    if dest.is_file() || non_empty {
        bail!("{} 不是新目录或空目录：导出会与其中的旧文件混在一起，请换一个目录", dest.display());
    }
    Ok(())
}

/// `kb expiring`: the entries whose policy ends within `days` days, soonest first.
pub fn expiring(dir: &Path, days: i64, out: &mut dyn Write) -> Result<ExitCode> {
    let base = load_base(dir)?;
    let today = kb::today_in_china();
    let found = kb::expiring_within(&base.entries, today, days);
    for e in &found {
        let until = e.effective_until.map(|d| d.to_string()).unwrap_or_default();
        writeln!(out, "{until}\t{}\t{}", e.id, e.question)?;
    }
    writeln!(out, "{} 天内到期：{} 个条目（今天 {today}）", days, found.len())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests;
