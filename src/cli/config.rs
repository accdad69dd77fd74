//! `taxbot config check` and `taxbot config show`: whether the configuration
//! (file, `TAXBOT_*` overrides, defaults) is valid, and what it comes to.
//!
//! Loading is `main`'s, before any command runs: an invalid configuration has
//! already failed with its file, line and key by the time these run. `check`
//! adds the checks the server does at start that need no store or network.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};

use crate::config::{self, Config};

/// The configuration commands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Command {
    /// Check the configuration (--config FILE or ./taxbot.toml, then TAXBOT_* variables): exit 0
    /// with a summary, or non-zero with what is wrong, its key, file and line.
    ///
    /// Config sections read: all of them.
    Check,
    /// Print the effective configuration as TOML (defaults < file < TAXBOT_* variables), with
    /// tokens, keys, secrets and database passwords replaced by ***.
    ///
    /// Config sections read: all of them.
    Show,
}

/// Runs a configuration command; `file` is `--config` and `env` the
/// process environment (both as `main` loaded them).
pub fn run(
    config: &Config,
    command: Command,
    file: Option<&Path>,
    env: Vec<(String, String)>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    match command {
        Command::Check => check(config, file, env, out),
        Command::Show => {
            out.write_all(config::redact::redacted(config).context("无法输出配置")?.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `config check`: the start-up checks that need neither the store nor the
/// network, then a summary of where the configuration came from and what it selects.
fn check(config: &Config, file: Option<&Path>, env: Vec<(String, String)>, out: &mut dyn Write) -> Result<ExitCode> {
    crate::channels::wechat::Bridge::new(&config.wechat).map_err(|e| anyhow!("配置无效，[[wechat.accounts]]：{e}"))?;
    match config::file_to_read(file) {
        Some(path) => writeln!(out, "配置有效：{}", path.display())?,
        None => writeln!(out, "配置有效：没有配置文件（{}），使用默认值", config::DEFAULT_FILE)?,
    }
    let overrides: Vec<String> = config::overrides(env).into_iter().map(|(k, _)| k).collect();
    if !overrides.is_empty() {
        writeln!(out, "环境变量覆盖：{}", overrides.join(" "))?;
    }
    let store = match &config.store.url {
        Some(url) => format!("PostgreSQL {}", config::store::redact_url(url)),
        None => format!("SQLite {}", config.store.data_dir.join("taxbot.db").display()),
    };
    writeln!(out, "监听：{}", config.server.bind)?;
    writeln!(out, "数据库：{store}")?;
    writeln!(out, "知识库（首次启动导入）：{}", crate::kb::Origin::for_dir(&config.kb.dir))?;
    writeln!(out, "微信公众号：{} 个", config.wechat.accounts.len())?;
    Ok(ExitCode::SUCCESS)
}
