//! The `taxbot` command line: the arguments, and one library call per command
//! (`taxbot::cli`, one file per command).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use taxbot::cli::{self, Stdout};
use taxbot::config;

/// Intelligent FAQ chatbot for 24/7 Chinese tax consultation.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (default: ./taxbot.toml when present). Every key can
    /// also be set as TAXBOT_SECTION__KEY, e.g. TAXBOT_SEARCH__ANSWER_THRESHOLD=0.6.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer one question: the decision, the top 3 candidates and why they matched.
    ///
    /// Config sections read: [kb], [search], [log].
    Ask(cli::ask::Args),
    /// Measure answer quality on a JSON Lines file of {"query", "gold"} cases.
    ///
    /// Config sections read: [kb], [search], [chat] and [handoff] (conversation files), [log].
    Eval(cli::eval::Args),
    /// Run the chat server: widget page, /ws/chat, /ws/agent, the HTTP API,
    /// /healthz, /readyz and /metrics. Reads every config section, [kb] … [widget]
    /// (listed in `serve --help`; see docs/api.md); e.g. TAXBOT_SERVER__BIND=0.0.0.0:8080.
    ///
    /// Config sections read: all of them: [kb], [search], [server], [store], [chat], [handoff],
    /// [wechat], [admin], [analytics], [import], [limits], [privacy], [api], [log], [widget].
    Serve(cli::serve::Args),
    /// Load generators.
    ///
    /// Config sections read: [kb] (the questions to ask), [log].
    Bench {
        #[command(subcommand)]
        command: cli::bench::Command,
    },
    /// Knowledge-base maintenance.
    ///
    /// Config sections read: [kb], [import], [log]; with --data-dir also [store], [search], [admin].
    Kb {
        #[command(subcommand)]
        command: cli::kb::Command,
    },
    /// API keys of integrations using /api/v1/ask (hashed at rest, revocable).
    ///
    /// Config sections read: [store], [log].
    Apikey {
        #[command(subcommand)]
        command: cli::apikey::Command,
    },
    /// Anonymise conversations, tickets and audit details older than the retention
    /// period ([privacy] retention_days, or --days); the server also does this by itself.
    ///
    /// Config sections read: [store], [privacy], [log].
    Purge(cli::purge::Args),
    /// Copy a SQLite store (--from sqlite:PATH) into a new, empty PostgreSQL
    /// database (--to postgres://…), checked by the row count of every table.
    ///
    /// Config sections read: [log] only (the stores are the --from and --to flags).
    Migrate(cli::migrate::Args),
    /// Write a consistent copy of the SQLite store to DEST while the server
    /// runs ([store] data_dir, or --data-dir). PostgreSQL: use pg_dump.
    ///
    /// Config sections read: [store], [log].
    Backup(cli::backup::BackupArgs),
    /// Put a backup in place of the SQLite store (stop the server first;
    /// --force to replace an existing database).
    ///
    /// Config sections read: [store], [log].
    Restore(cli::backup::RestoreArgs),
    /// Console accounts (agents, editors, admins).
    ///
    /// Config sections read: [store], [log].
    User {
        #[command(subcommand)]
        command: cli::user::Command,
    },
    /// Check the configuration, or print it with secrets hidden.
    ///
    /// Config sections read: all of them (the file of --config or ./taxbot.toml, then TAXBOT_*).
    Config {
        #[command(subcommand)]
        command: cli::config::Command,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let config = config::load(cli.config.as_deref(), env.clone())?;
    init_logs(config.log.format);
    let out = &mut Stdout;
    match cli.command {
        Command::Ask(args) => cli::ask::run(&config, &args, out),
        Command::Eval(args) => cli::eval::run(&config, &args, out),
        Command::Serve(args) => cli::serve::run(config, &args),
        Command::Bench { command } => cli::bench::run(&config, command, out),
        Command::Kb { command } => cli::kb::run(config, command, out),
        Command::User { command } => cli::user::run(config, command, out),
        Command::Purge(args) => cli::purge::run(config, &args, out),
        Command::Migrate(args) => cli::migrate::run(&args, out),
        Command::Backup(args) => cli::backup::backup(config, &args, out),
        Command::Restore(args) => cli::backup::restore(config, &args, out),
        Command::Apikey { command } => cli::apikey::run(config, command, out),
        Command::Config { command } => cli::config::run(&config, command, cli.config.as_deref(), env, out),
    }
}

/// Log lines to stderr in the configured format; colours only on a terminal
/// (never escape codes in a file or a journal).
fn init_logs(format: config::log::Format) {
    use std::io::IsTerminal as _;
    let builder = tracing_subscriber::fmt().with_env_filter(log_filter()).with_writer(std::io::stderr);
    match format {
        config::log::Format::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        config::log::Format::Json => builder.json().with_ansi(false).init(),
    }
}

/// `TAXBOT_LOG`, except that crates which log whole frames or headers (what
/// taxpayers type, cookies) never log below `info`, whatever it says.
fn log_filter() -> tracing_subscriber::EnvFilter {
    let mut filter = tracing_subscriber::EnvFilter::from_env("TAXBOT_LOG");
    for quiet in ["tungstenite=info", "tokio_tungstenite=info", "hyper=info", "hyper_util=info", "reqwest=info"] {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}
