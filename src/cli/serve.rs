//! `taxbot serve`: the flags laid over the configuration, then the server
//! until Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::KbArg;
use crate::config::Config;
use crate::server;

/// Arguments of `taxbot serve`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Args {
    #[command(flatten)]
    pub kb: KbArg,
    /// Address to listen on (default: config `server.bind`, i.e. 127.0.0.1:8080;
    /// port 0 picks a free port, which is logged).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Directory of the SQLite database (default: config `store.data_dir`, i.e. ./data;
    /// created on first start).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl Args {
    /// `config` with the flags given on the command line applied (CLI > env > file > defaults).
    pub fn apply(&self, mut config: Config) -> Config {
        config.kb.dir = self.kb.dir(&config);
        if let Some(bind) = &self.bind {
            config.server.bind = bind.clone();
        }
        if let Some(dir) = &self.data_dir {
            config.store.data_dir = dir.clone();
        }
        config
    }
}

/// Runs the server with `config` and the flags of `args` until stopped.
pub fn run(config: Config, args: &Args) -> Result<ExitCode> {
    let config = args.apply(config);
    super::runtime()?.block_on(async move {
        let json = config.log.format == crate::config::log::Format::Json;
        let app = server::App::build(config).await?;
        // Printed whatever TAXBOT_LOG says: with `--bind …:0` this is the only
        // way to learn the port.
        let line = format!("taxbot 正在监听 http://{}", app.local_addr());
        if json {
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            eprintln!("{}", serde_json::json!({"timestamp": at, "level": "INFO", "fields": {"message": line}}));
        } else {
            eprintln!("{line}");
        }
        app.run_until_stopped(server::shutdown_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_configuration_and_absent_flags_keep_it() {
        let mut config = Config::default();
        config.server.bind = "0.0.0.0:9000".into();
        let kept = Args::default().apply(config.clone());
        assert_eq!(kept, config);
        let args = Args {
            kb: KbArg { kb: Some("other-kb".into()) },
            bind: Some("127.0.0.1:0".into()),
            data_dir: Some("/tmp/taxbot-data".into()),
        };
        let applied = args.apply(config);
        assert_eq!(applied.kb.dir, PathBuf::from("other-kb"));
        assert_eq!(applied.server.bind, "127.0.0.1:0");
        assert_eq!(applied.store.data_dir, PathBuf::from("/tmp/taxbot-data"));
    }
}
