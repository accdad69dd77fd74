//! `taxbot bench ws`: the WebSocket load generator, asking the paraphrases of
//! the knowledge base.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use super::KbArg;
use crate::bench;
use crate::config::Config;

/// The load generators.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Command {
    /// Many concurrent /ws/chat sessions asking at a fixed rate; reports
    /// messages/s and p50/p99 time from `ask` to the first `answer.delta`.
    /// Only point it at a server running on this machine.
    ///
    /// Config sections read: [kb] (the questions to ask), [log].
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

/// Runs the load generator of `command` and prints its report.
pub fn run(config: &Config, command: Command, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Ws { kb, url, sessions, rate, duration, json } = command;
    let base = crate::kb::load(&kb.dir(config))?;
    let questions = base.entries.iter().flat_map(|e| e.similar.iter().cloned()).collect();
    let opts = bench::Options {
        url,
        sessions,
        rate,
        duration: std::time::Duration::from_secs(duration),
        questions,
        connect_parallelism: 64,
    };
    let report = super::runtime()?.block_on(bench::run(opts))?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write_report(out, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The report for people.
pub fn write_report(out: &mut dyn Write, r: &bench::Report) -> std::io::Result<()> {
    writeln!(out, "会话 {}（失败 {}），{:.1} 秒", r.connected, r.connect_failures, r.elapsed_secs)?;
    writeln!(
        out,
        "提问 {}（{:.1}/s），流式回答 {}，其他回复 {}，错误 {}，因上一回答未结束跳过 {}，超时无回复 {}",
        r.asks, r.asks_per_sec, r.answers, r.other_replies, r.errors, r.skipped, r.unanswered
    )?;
    writeln!(out, "收到消息 {:.1}/s", r.messages_per_sec)?;
    writeln!(
        out,
        "ask → 首个 answer.delta：p50 {:.2} ms，p99 {:.2} ms，最大 {:.2} ms",
        r.first_delta_p50_ms, r.first_delta_p99_ms, r.first_delta_max_ms
    )
}
