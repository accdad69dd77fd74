//! The `taxbot` command line: thin glue from arguments to library calls.

/// `println!` that ends the process quietly when the reader of stdout has gone
/// away (`taxbot ask … | head`) instead of panicking on the broken pipe.
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use taxbot::config::{self, Config};
use taxbot::kb::{self, Catalog};
use taxbot::search::{self, Decision, Searcher, Snapshot, eval};
use taxbot::{bench, server};

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

#[derive(Args)]
struct KbArg {
    /// Knowledge-base directory (default: config `kb.dir`, i.e. ./knowledge-base).
    #[arg(long, value_name = "DIR")]
    kb: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Answer one question: the decision, the top 3 candidates and why they matched.
    Ask {
        #[command(flatten)]
        kb: KbArg,
        /// Print the decision as JSON.
        #[arg(long)]
        json: bool,
        /// The question (several words are joined with spaces).
        #[arg(required = true)]
        question: Vec<String>,
    },
    /// Measure answer quality on a JSON Lines file of {"query", "gold"} cases.
    Eval {
        #[command(flatten)]
        kb: KbArg,
        /// The labelled questions.
        file: PathBuf,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// Fail (exit 1) if top-1 accuracy is below this.
        #[arg(long)]
        min_top1: Option<f64>,
        /// Fail if the rejection rate of null questions is below this.
        #[arg(long)]
        min_reject: Option<f64>,
        /// Fail if recall@3 is below this.
        #[arg(long)]
        min_recall3: Option<f64>,
        /// Fail if the precision of answered questions is below this.
        #[arg(long)]
        min_precision: Option<f64>,
        /// Also list this many misses (wrong or unresolved questions).
        #[arg(long, default_value_t = 0)]
        misses: usize,
        /// Write every retrieved candidate's reranker signals as JSON Lines to this file (for tuning).
        #[arg(long, value_name = "FILE")]
        signals: Option<PathBuf>,
    },
    /// Run the chat server: widget page, /ws/chat, /ws/agent, the HTTP API,
    /// /healthz, /readyz and /metrics. Config sections [server], [store],
    /// [chat] and [handoff] (see docs/api.md); e.g. TAXBOT_SERVER__BIND=0.0.0.0:8080.
    Serve {
        #[command(flatten)]
        kb: KbArg,
        /// Address to listen on (default: config `server.bind`, i.e. 127.0.0.1:8080;
        /// port 0 picks a free port, which is logged).
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
        /// Directory of the SQLite database (default: config `store.data_dir`, i.e. ./data;
        /// created on first start).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Load generators.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Knowledge-base maintenance.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Console accounts (agents, editors, admins).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Args)]
struct DataDirArg {
    /// Directory of the SQLite database (default: config `store.data_dir`, i.e. ./data).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is asked for without echo, or read
    /// from the first line of stdin when stdin is not a terminal.
    Add {
        /// Sign-in name (shown to colleagues in the console).
        name: String,
        /// agent (serves taxpayers), editor (knowledge base) or admin (everything).
        #[arg(long, value_parser = ["agent", "editor", "admin"])]
        role: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Set a new password (ends the user's sessions).
    Passwd {
        /// The account.
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Many concurrent /ws/chat sessions asking at a fixed rate; reports
    /// messages/s and p50/p99 time from `ask` to the first `answer.delta`.
    /// Only point it at a server running on this machine.
    Ws {
        #[command(flatten)]
        kb: KbArg,
        /// WebSocket URL of the server under test.
        #[arg(long, default_value = "ws://127.0.0.1:8080/ws/chat")]
        url: String,
        /// Concurrent sessions.
        #[arg(long, default_value_t = 1000)]
        sessions: usize,
        /// Questions per second per session.
        #[arg(long, default_value_t = 1.0)]
        rate: f64,
        /// Seconds of asking after all sessions connected.
        #[arg(long, default_value_t = 30)]
        duration: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KbCommand {
    /// Validate every entry and word list; exit 1 on any problem.
    Check {
        #[command(flatten)]
        kb: KbArg,
        /// Topic catalog to check ids against (default: config `kb.catalog`, else ../shared/kb-topics.tsv when present).
        #[arg(long, value_name = "TSV")]
        catalog: Option<PathBuf>,
        /// Also fail when a catalog topic has no entry.
        #[arg(long)]
        require_all_topics: bool,
    },
    /// Write the knowledge base to DIR in the `knowledge-base/` layout (DIR must be new or empty),
    /// or to FILE.xlsx as a workbook.
    Export {
        #[command(flatten)]
        kb: KbArg,
        /// The destination directory or `.xlsx` file.
        dest: PathBuf,
        /// Export the published base of the store in DIR (the SQLite data directory) instead of `--kb`.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Import a workbook (FILE.xlsx) or a directory into the knowledge base (`--kb`): every row is
    /// validated first and nothing is written unless all of it is valid. Entries are added or
    /// replaced by id, entries not in the import are kept; the word lists are replaced.
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
    Expiring {
        #[command(flatten)]
        kb: KbArg,
        /// The window in days.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("TAXBOT_LOG"))
        .with_writer(std::io::stderr)
        .init();
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
    let config = config::load(cli.config.as_deref(), std::env::vars())?;
    match cli.command {
        Command::Ask { kb, json, question } => ask(&config, &kb, &question.join(" "), json),
        Command::Eval { kb, file, json, min_top1, min_reject, min_recall3, min_precision, misses, signals } => {
            let searcher = open_searcher(&config, &kb)?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let cases = eval::parse_cases(&text)?;
            if let Some(path) = signals {
                let rows = eval::signal_rows(&searcher, &cases)?;
                let lines: Vec<String> = rows.iter().map(serde_json::to_string).collect::<Result<_, _>>()?;
                std::fs::write(&path, lines.join("\n") + "\n")
                    .with_context(|| format!("无法写入 {}", path.display()))?;
            }
            let report = eval::evaluate(&searcher, &cases)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.table());
            }
            for m in report.misses.iter().take(misses) {
                eprintln!("MISS {:?} gold={:?} {} top={:?}", m.query, m.gold, m.decision, m.top);
            }
            let gates = [
                ("top1", report.overall.top1, min_top1),
                ("null_rejection", report.overall.null_rejection, min_reject),
                ("recall3", report.overall.recall3, min_recall3),
                ("answered_precision", report.overall.answered_precision, min_precision),
            ];
            let failed: Vec<String> = gates
                .iter()
                .filter_map(|(name, got, min)| min.filter(|m| got < m).map(|m| format!("{name} {got:.3} < {m}")))
                .collect();
            if failed.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("未达标：{}", failed.join("；"));
                Ok(ExitCode::FAILURE)
            }
        }
        Command::Serve { kb, bind, data_dir } => serve(config, kb, bind, data_dir),
        Command::Bench { command: BenchCommand::Ws { kb, url, sessions, rate, duration, json } } => {
            let base = kb::load(&kb_dir(&config, &kb))?;
            let questions = base.entries.iter().flat_map(|e| e.similar.iter().cloned()).collect();
            let opts = bench::Options {
                url,
                sessions,
                rate,
                duration: std::time::Duration::from_secs(duration),
                questions,
                connect_parallelism: 64,
            };
            let report = runtime()?.block_on(bench::run(opts))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_bench(&report);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Kb { command: KbCommand::Check { kb, catalog, require_all_topics } } => {
            check(&config, &kb, catalog, require_all_topics)
        }
        Command::Kb { command: KbCommand::Export { kb, dest, data_dir: Some(dir) } } => {
            store_kb(config, &kb, dir, StoreKb::Export(dest))
        }
        Command::Kb { command: KbCommand::Import { kb, source, data_dir: Some(dir) } } => {
            store_kb(config, &kb, dir, StoreKb::Import(source))
        }
        Command::Kb { command: KbCommand::Export { kb, dest, data_dir: None } } => export(&config, &kb, &dest),
        Command::Kb { command: KbCommand::Import { kb, source, data_dir: None } } => import(&config, &kb, &source),
        Command::Kb { command: KbCommand::Expiring { kb, days } } => expiring(&config, &kb, days),
        Command::User { command } => user(config, command),
    }
}

fn user(mut config: Config, command: UserCommand) -> Result<ExitCode> {
    let (UserCommand::Add { data, .. } | UserCommand::Passwd { data, .. } | UserCommand::List { data }) = &command;
    if let Some(dir) = &data.data_dir {
        config.store.data_dir = dir.clone();
    }
    runtime()?.block_on(async move {
        let store = taxbot::store::open(&config.store).await?;
        let result = user_command(&store, command).await;
        taxbot::store::Store::close(&store).await;
        result
    })
}

async fn user_command(store: &taxbot::store::SqliteStore, command: UserCommand) -> Result<ExitCode> {
    use taxbot::admin::{Role, audit, users};
    match command {
        UserCommand::Add { name, role, .. } => {
            let role = Role::parse(&role).context("未知角色")?;
            let password = read_password(&format!("{name} 的密码：")).await?;
            let user = users::create(store, &name, role, &password).await?;
            audit::record_from(store, "cli", "user.add", &user.name, serde_json::json!({"role": role}), None).await?;
            println!("已创建用户 {}（{}）", user.name, role);
        }
        UserCommand::Passwd { name, .. } => {
            let password = read_password(&format!("{name} 的新密码：")).await?;
            let user = users::set_password(store, &name, &password).await?;
            audit::record_from(store, "cli", "user.password", &user.name, serde_json::json!({}), None).await?;
            println!("已更新 {} 的密码，其登录会话已全部退出", user.name);
        }
        UserCommand::List { .. } => {
            let all = taxbot::store::AccountStore::users(store).await?;
            if all.is_empty() {
                println!("还没有用户：用 `taxbot user add 名字 --role admin` 创建第一个管理员");
            }
            for u in all {
                let state = if u.disabled { "已停用" } else { "正常" };
                println!("{}\t{}\t{}\t最多同时 {} 个会话", u.name, u.role, state, u.max_concurrent);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A password from the terminal without echo, or the first line of stdin when it is not a terminal.
async fn read_password(prompt: &str) -> Result<String> {
    use std::io::IsTerminal as _;
    let prompt = prompt.to_owned();
    tokio::task::spawn_blocking(move || {
        let line = if std::io::stdin().is_terminal() {
            rpassword::prompt_password(prompt).context("无法读取密码")?
        } else {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("无法从标准输入读取密码")?;
            line
        };
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    })
    .await?
}

fn load_base(config: &Config, arg: &KbArg) -> Result<kb::KnowledgeBase> {
    let dir = kb_dir(config, arg);
    kb::load(&dir).with_context(|| format!("加载知识库 {} 失败（用 `taxbot kb check` 查看全部错误）", dir.display()))
}

fn is_xlsx(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

fn export(config: &Config, arg: &KbArg, dest: &Path) -> Result<ExitCode> {
    write_base(&load_base(config, arg)?, dest)
}

/// Writes `base` to DIR (new or empty) or FILE.xlsx.
fn write_base(base: &kb::KnowledgeBase, dest: &Path) -> Result<ExitCode> {
    if is_xlsx(dest) {
        let bytes = kb::to_xlsx(base).context("无法生成 Excel 文件")?;
        std::fs::write(dest, bytes).with_context(|| format!("无法写入 {}", dest.display()))?;
    } else if dest.extension().is_some() && !dest.is_dir() {
        bail!("{}：只能导出到目录或 .xlsx 文件", dest.display());
    } else {
        let non_empty = std::fs::read_dir(dest).map(|mut d| d.next().is_some()).unwrap_or(false);
        if dest.is_file() || non_empty {
            bail!("{} 不是新目录或空目录：导出会与其中的旧文件混在一起，请换一个目录", dest.display());
        }
        kb::export_dir(base, dest)?;
    }
    println!("已导出 {} 个条目到 {}", base.entries.len(), dest.display());
    Ok(ExitCode::SUCCESS)
}

/// Reads a workbook or a knowledge-base directory to import, all or nothing.
fn read_import(source: &Path) -> Result<kb::KnowledgeBase> {
    if !source.exists() {
        bail!("找不到 {}", source.display());
    }
    let incoming = if is_xlsx(source) {
        let bytes = std::fs::read(source).with_context(|| format!("无法读取 {}", source.display()))?;
        match kb::from_xlsx(&bytes) {
            Err(kb::XlsxImportError::Invalid(problems)) => {
                for p in &problems {
                    println!("{p}");
                }
                bail!("{} 有 {} 处错误，未导入任何内容", source.display(), problems.len());
            }
            other => other?,
        }
    } else if source.is_dir() {
        kb::load(source)
            .with_context(|| format!("{} 有错误（用 `taxbot kb check --kb` 查看全部），未导入", source.display()))?
    } else {
        bail!("{}：只能导入 .xlsx 文件或知识库目录", source.display());
    };
    Ok(incoming)
}

/// What `kb export|import --data-dir` does on the store.
enum StoreKb {
    Export(PathBuf),
    Import(PathBuf),
}

/// `kb export|import --data-dir DIR`: the store is the knowledge base (the shipped base of
/// `--kb` is imported first when the store has none, as the server does on first start).
fn store_kb(mut config: Config, arg: &KbArg, data_dir: PathBuf, op: StoreKb) -> Result<ExitCode> {
    use taxbot::admin::audit;
    use taxbot::knowledge::Knowledge;
    use taxbot::store::Store;
    config.store.data_dir = data_dir;
    let kb_dir = kb_dir(&config, arg);
    runtime()?.block_on(async move {
        let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(taxbot::store::open(&config.store).await?);
        Knowledge::import_if_empty(&*store, &kb_dir).await?;
        let policy = config.admin.publish_policy;
        let base = Knowledge::from_store(std::sync::Arc::clone(&store), config.search.clone(), policy).await?;
        let result = match op {
            StoreKb::Export(dest) => write_base(&base.published_base().await?, &dest),
            StoreKb::Import(source) => {
                let incoming = read_import(&source)?;
                let counts = base.import(incoming, "cli").await?;
                let target = source.display().to_string();
                audit::record_from(&*store, "cli", "kb.import", &target, serde_json::json!(counts), None).await?;
                println!("已导入：新增 {}，修改 {}，未变 {}", counts.added, counts.changed, counts.unchanged);
                Ok(ExitCode::SUCCESS)
            }
        };
        store.close().await;
        result
    })
}

fn import(config: &Config, arg: &KbArg, source: &Path) -> Result<ExitCode> {
    let incoming = read_import(source)?;
    let dir = kb_dir(config, arg);
    let mut merged = load_base(config, arg)?;
    let (mut added, mut changed, mut unchanged) = (0, 0, 0);
    let mut moved = Vec::new();
    let mut touched = std::collections::HashSet::new();
    for e in incoming.entries {
        if !merged.entries.contains(&e) {
            touched.insert(e.id.clone());
        }
        match merged.entries.iter_mut().find(|old| old.id == e.id) {
            Some(old) if *old == e => unchanged += 1,
            Some(old) => {
                if old.category != e.category {
                    moved.push((old.category.to_string(), old.id.to_string()));
                }
                *old = e;
                changed += 1;
            }
            None => {
                merged.entries.push(e);
                added += 1;
            }
        }
    }
    let before = std::mem::replace(&mut merged.lexicon, incoming.lexicon);
    // Check the merged base as a whole (a paraphrase may clash with a kept entry) before writing.
    let staging = tempfile_dir(&dir)?;
    kb::export_dir(&merged, &staging)?;
    let checked = kb::load(&staging);
    let _ = std::fs::remove_dir_all(&staging);
    checked.context("导入后的知识库有错误，未导入任何内容")?;
    for (category, id) in &moved {
        let old = dir.join("faq").join(category).join(format!("{id}.md"));
        std::fs::remove_file(&old).with_context(|| format!("无法删除换了分类的旧文件 {}", old.display()))?;
    }
    // Only what changed is rewritten: unchanged files keep their formatting and comments.
    for e in merged.entries.iter().filter(|e| touched.contains(&e.id)) {
        let path = dir.join("faq").join(e.category.as_str()).join(format!("{}.md", e.id));
        std::fs::create_dir_all(dir.join("faq").join(e.category.as_str()))?;
        std::fs::write(&path, kb::entry_file(e)).with_context(|| format!("无法写入 {}", path.display()))?;
    }
    let (old, new) = (&before, &merged.lexicon);
    let lists = [
        ("tax.dict", old.words != new.words, kb::dict_text(new)),
        ("synonyms.txt", old.synonym_groups != new.synonym_groups, kb::synonyms_text(new)),
        ("stopwords.txt", old.stopwords != new.stopwords, kb::stopwords_text(new)),
    ];
    for (name, differs, text) in lists {
        if differs {
            let path = dir.join("dict").join(name);
            std::fs::create_dir_all(dir.join("dict"))?;
            std::fs::write(&path, text).with_context(|| format!("无法写入 {}", path.display()))?;
        }
    }
    println!("已导入到 {}：新增 {added} 个，修改 {changed} 个，未变 {unchanged} 个条目", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// A fresh staging directory beside `dir`.
fn tempfile_dir(dir: &Path) -> Result<PathBuf> {
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let staging = parent.join(format!(".taxbot-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).with_context(|| format!("无法创建临时目录 {}", staging.display()))?;
    Ok(staging)
}

fn expiring(config: &Config, arg: &KbArg, days: i64) -> Result<ExitCode> {
    let base = load_base(config, arg)?;
    let today = kb::today_in_china();
    let found = kb::expiring_within(&base.entries, today, days);
    for e in &found {
        let until = e.effective_until.map(|d| d.to_string()).unwrap_or_default();
        println!("{until}\t{}\t{}", e.id, e.question);
    }
    println!("{} 天内到期：{} 个条目（今天 {today}）", days, found.len());
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("无法启动异步运行时")
}

fn serve(mut config: Config, kb: KbArg, bind: Option<String>, data_dir: Option<PathBuf>) -> Result<ExitCode> {
    config.kb.dir = kb_dir(&config, &kb);
    if let Some(bind) = bind {
        config.server.bind = bind;
    }
    if let Some(dir) = data_dir {
        config.store.data_dir = dir;
    }
    runtime()?.block_on(async move {
        let app = server::App::build(config).await?;
        // Printed whatever TAXBOT_LOG says: with `--bind …:0` this is the only
        // way to learn the port.
        eprintln!("taxbot 正在监听 http://{}", app.local_addr());
        app.run_until_stopped(server::shutdown_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

fn print_bench(r: &bench::Report) {
    println!("会话 {}（失败 {}），{:.1} 秒", r.connected, r.connect_failures, r.elapsed_secs);
    println!(
        "提问 {}（{:.1}/s），流式回答 {}，其他回复 {}，错误 {}，因上一回答未结束跳过 {}",
        r.asks, r.asks_per_sec, r.answers, r.other_replies, r.errors, r.skipped
    );
    println!("收到消息 {:.1}/s", r.messages_per_sec);
    println!(
        "ask → 首个 answer.delta：p50 {:.2} ms，p99 {:.2} ms，最大 {:.2} ms",
        r.first_delta_p50_ms, r.first_delta_p99_ms, r.first_delta_max_ms
    );
}

fn kb_dir(config: &Config, arg: &KbArg) -> PathBuf {
    arg.kb.clone().unwrap_or_else(|| config.kb.dir.clone())
}

fn open_searcher(config: &Config, arg: &KbArg) -> Result<Searcher> {
    let base = load_base(config, arg)?;
    Ok(Searcher::new(Snapshot::from_kb(&base)?, config.search.clone()))
}

fn ask(config: &Config, arg: &KbArg, question: &str, json: bool) -> Result<ExitCode> {
    let searcher = open_searcher(config, arg)?;
    let outcome = searcher.ask(question)?;
    let top: Vec<_> = outcome.ranked.iter().take(3).collect();
    if json {
        let candidates: Vec<_> = top
            .iter()
            .map(|c| serde_json::json!({"id": c.entry.id, "question": c.entry.question, "confidence": c.confidence}))
            .collect();
        let (id, confidence) = match &outcome.decision {
            Decision::Answer { entry, confidence } => (Some(entry.id.to_string()), Some(*confidence)),
            _ => (None, None),
        };
        let answer = outcome.decision.answered().map(|e| serde_json::json!({"answer": e.answer, "sources": e.sources}));
        let out = serde_json::json!({"decision": outcome.decision.kind(), "id": id, "confidence": confidence, "candidates": candidates, "entry": answer});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    match &outcome.decision {
        Decision::Answer { entry, confidence } => {
            println!(
                "决定：回答 {}（置信度 {:.3}）\n问题：{}\n\n{}\n",
                entry.id,
                confidence.get(),
                entry.question,
                entry.answer
            );
            for s in &entry.sources {
                println!("依据：{} {}", s.title, s.wenhao);
            }
            let until = entry.effective_until.map(|d| d.to_string()).unwrap_or_else(|| "长期".into());
            println!("有效期：{} 至 {}", entry.effective_from, until);
        }
        Decision::Clarify { candidates } => {
            println!("决定：澄清（您是不是想问…）");
            for (i, c) in candidates.iter().enumerate() {
                println!("  {}. {}", i + 1, c.entry.question);
            }
        }
        Decision::NoMatch { .. } => println!("决定：未找到可靠答案，建议转人工"),
    }
    println!("\n候选（前 3）：");
    let snap = searcher.snapshot();
    for c in top {
        println!("  {} {:.3} {}", c.entry.id, c.confidence.get(), c.entry.question);
        for m in search::explain(&snap, question, &c.entry) {
            println!("      {:<8} {}", m.field, m.terms.join(" "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn find_catalog(config: &Config, flag: Option<PathBuf>, dir: &Path) -> Option<PathBuf> {
    flag.or_else(|| config.kb.catalog.clone()).or_else(|| {
        let beside_repo = dir.canonicalize().ok()?.parent()?.parent()?.join("shared/kb-topics.tsv");
        [beside_repo, PathBuf::from("../shared/kb-topics.tsv")].into_iter().find(|p| p.is_file())
    })
}

fn check(config: &Config, arg: &KbArg, catalog: Option<PathBuf>, require_all: bool) -> Result<ExitCode> {
    let dir = kb_dir(config, arg);
    let explicit = catalog.is_some();
    let catalog_path = find_catalog(config, catalog, &dir);
    let catalog = match &catalog_path {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("无法读取主题目录 {}", path.display()));
            match text {
                Ok(text) => Some(Catalog::parse(&text).0),
                Err(e) if explicit => return Err(e),
                Err(_) => None,
            }
        }
        None if require_all => {
            bail!("--require-all-topics 需要主题目录：用 --catalog 指定 kb-topics.tsv")
        }
        None => None,
    };
    let (_, report) = kb::load_checked(&dir, catalog.as_ref())?;
    for p in &report.problems {
        println!("{p}");
    }
    match &catalog_path {
        Some(p) if catalog.is_some() => println!(
            "主题目录：{}（{} 个主题，缺 {} 个）",
            p.display(),
            catalog.as_ref().map_or(0, |c| c.topics.len()),
            report.missing_topics.len()
        ),
        _ => println!("主题目录：未找到，跳过编号检查"),
    }
    if !report.missing_topics.is_empty() {
        println!("缺少条目的主题：{}", report.missing_topics.join(" "));
    }
    let missing_fails = require_all && !report.missing_topics.is_empty();
    println!("{} 个条目，{} 处错误", report.entries, report.problems.len());
    Ok(if report.problems.is_empty() && !missing_fails { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
