//! `taxbot apikey`: keys of integrations using `/api/v1/ask` (add, list,
//! revoke), every change audited as by `cli`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, anyhow};

use super::DataDirArg;
use crate::admin::{api_keys, audit};
use crate::config::Config;
use crate::store::Store;

/// The API key commands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Command {
    /// Create a key for an integration; the key is printed once (only its hash is stored).
    ///
    /// Config sections read: [store], [log].
    Add {
        /// The integration, e.g. 微信公众号桥接.
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// List keys (numbers, names, when created or revoked; never the keys).
    ///
    /// Config sections read: [store], [log].
    List {
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Revoke a key by number: it stops working at once.
    ///
    /// Config sections read: [store], [log].
    Revoke {
        /// The number shown by `list`.
        id: i64,
        #[command(flatten)]
        data: DataDirArg,
    },
}

/// Opens the store of `config` (or `--data-dir`) and runs `command` on it.
pub fn run(mut config: Config, command: Command, out: &mut dyn Write) -> Result<ExitCode> {
    let (Command::Add { data, .. } | Command::List { data } | Command::Revoke { data, .. }) = &command;
    if let Some(dir) = &data.data_dir {
        config.store.data_dir = dir.clone();
    }
    super::runtime()?.block_on(async move {
        let store = crate::store::open(&config.store).await?;
        let result = execute(store.as_ref(), command, out).await;
        store.close().await;
        result.map(|()| ExitCode::SUCCESS)
    })
}

/// Runs `command` on `store`.
pub async fn execute(store: &dyn Store, command: Command, out: &mut dyn Write) -> Result<()> {
    let failed = |e: crate::api_error::ApiError| anyhow!("{}", e.message().to_owned());
    match command {
        Command::Add { name, .. } => {
            let (record, key) = api_keys::create(store, &name).await.map_err(failed)?;
            audit::record_from(store, "cli", "apikey.add", &record.name, serde_json::json!({"id": record.id}), None)
                .await?;
            writeln!(out, "已为「{}」创建 API 密钥（编号 {}），只显示这一次，请妥善保存：", record.name, record.id)?;
            writeln!(out, "{key}")?;
        }
        Command::List { .. } => {
            for k in store.api_keys().await? {
                let state = k.revoked_at.map_or("有效".to_owned(), |t| format!("已于 {} 吊销", t.format("%Y-%m-%d")));
                writeln!(out, "{}\t{}\t{}\t{}", k.id, k.name, k.created_at.format("%Y-%m-%d"), state)?;
            }
        }
        Command::Revoke { id, .. } => {
            let record = store.revoke_api_key(id).await?;
            audit::record_from(store, "cli", "apikey.revoke", &record.name, serde_json::json!({"id": id}), None)
                .await?;
            writeln!(out, "已吊销「{}」的 API 密钥（编号 {id}）", record.name)?;
        }
    }
    Ok(())
}
