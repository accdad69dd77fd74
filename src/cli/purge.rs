//! `taxbot purge`: anonymise what is older than the retention period now,
//! the same purge the server runs in the background.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};

use super::DataDirArg;
use crate::config::Config;

/// `taxbot purge` arguments.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Args {
    /// Forget what is older than DAYS days (default: config `privacy.retention_days`).
    #[arg(long, value_name = "DAYS")]
    pub days: Option<u32>,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Purges the store of `config` (or `--data-dir`) and prints what was anonymised.
pub fn run(mut config: Config, args: &Args, out: &mut dyn Write) -> Result<ExitCode> {
    if let Some(dir) = &args.data.data_dir {
        config.store.data_dir = dir.clone();
    }
    let days = args.days.unwrap_or(config.privacy.retention_days);
    if days == 0 {
        bail!("保存期限为 0（privacy.retention_days = 0 表示永久保存）：请用 --days 指定天数");
    }
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    let counts = super::runtime()?.block_on(async move {
        let store = crate::store::open(&config.store).await?;
        let counts = store.purge_before(cutoff).await;
        store.close().await;
        counts
    })?;
    writeln!(
        out,
        "已清除 {days} 天前的个人信息：消息 {}，留言 {}，评价备注 {}，审计详情 {}",
        counts.messages, counts.tickets, counts.comments, counts.audit
    )?;
    Ok(ExitCode::SUCCESS)
}
