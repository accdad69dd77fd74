//! `taxbot eval`: answer quality on a JSON Lines file of `{"query", "gold"}`
//! cases and `{"turns": [...], "kind"}` conversations, the pair replay, and
//! the `--min-*`/`--max-*` gates that make it fail in CI.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;

use anyhow::{Context, Result};

use super::{KbArg, eval_chat};
use crate::chat::eval::Dialogue;
use crate::config::Config;
use crate::search::eval::{self, EvalReport};

/// Arguments of `taxbot eval`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Args {
    #[command(flatten)]
    pub kb: KbArg,
    /// The labelled questions.
    pub file: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub gates: Gates,
    /// Also list this many misses (wrong or unresolved questions).
    #[arg(long, default_value_t = 0)]
    pub misses: usize,
    /// Write every retrieved candidate's reranker signals as JSON Lines to this file (for tuning).
    #[arg(long, value_name = "FILE")]
    pub signals: Option<PathBuf>,
    /// Pair replay: ask every gold question after this many unrelated questions
    /// (each pair in a fresh conversation) and count decisions that got worse.
    #[arg(long, default_value_t = 0)]
    pub pairs: usize,
}

/// The minimum figures an evaluation must reach (unset: not checked).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Gates {
    /// Fail (exit 1) if top-1 accuracy is below this.
    #[arg(long)]
    pub min_top1: Option<f64>,
    /// Fail if the rejection rate of null questions is below this.
    #[arg(long)]
    pub min_reject: Option<f64>,
    /// Fail if recall@3 is below this.
    #[arg(long)]
    pub min_recall3: Option<f64>,
    /// Fail if the precision of answered questions is below this.
    #[arg(long)]
    pub min_precision: Option<f64>,
    /// Fail if the share of gold questions answered directly and right is below this.
    #[arg(long)]
    pub min_resolved: Option<f64>,
    /// Fail if the share of null questions given the out-of-scope reply is below this.
    #[arg(long)]
    pub min_out_of_scope: Option<f64>,
    /// Fail if the share of conversation turns right is below this.
    #[arg(long)]
    pub min_turns: Option<f64>,
    /// Fail if more than this many pair-replay questions fare worse than alone.
    #[arg(long)]
    pub max_worse: Option<usize>,
}

impl Gates {
    /// The gates `report` misses, as `name got < min`; empty when it passes.
    pub fn failed(&self, report: &EvalReport) -> Vec<String> {
        let o = &report.overall;
        let gates = [
            ("top1", o.top1, self.min_top1),
            ("null_rejection", o.null_rejection, self.min_reject),
            ("recall3", o.recall3, self.min_recall3),
            ("answered_precision", o.answered_precision, self.min_precision),
            ("resolved", o.resolved, self.min_resolved),
            ("out_of_scope", o.out_of_scope, self.min_out_of_scope),
        ];
        gates
            .iter()
            .filter_map(|(name, got, min)| min.filter(|m| got < m).map(|m| format!("{name} {got:.3} < {m}")))
            .collect()
    }

    /// The conversation gates `f` misses.
    pub fn failed_chat(&self, f: &eval_chat::ChatFigures) -> Vec<String> {
        let mut out = Vec::new();
        if let (Some(min), Some(d)) = (self.min_turns, &f.dialogues)
            && d.overall.rate < min
        {
            out.push(format!("turns {:.3} < {min}", d.overall.rate));
        }
        if let (Some(max), Some(p)) = (self.max_worse, &f.pairs)
            && p.worse > max
        {
            out.push(format!("pairs worse {} > {max}", p.worse));
        }
        out
    }
}

/// Splits an evaluation file into single questions and conversations (lines with `turns`).
pub fn parse_file(text: &str) -> Result<(Vec<eval::EvalCase>, Vec<Dialogue>)> {
    type Numbered<'a> = Vec<(usize, &'a str)>;
    let (turns, single): (Numbered, Numbered) =
        text.lines().enumerate().partition(|(_, l)| l.trim_start().starts_with('{') && l.contains("\"turns\""));
    let cases = eval::parse_lines(single)?;
    let dialogues = eval::parse_lines(turns)?;
    if cases.is_empty() && dialogues.is_empty() {
        return Err(eval::EvalError::Empty.into());
    }
    Ok((cases, dialogues))
}

/// Evaluates the file of `args` and prints the report (table or JSON) to `out`, the
/// misses and failed gates to stderr; exit 1 when a gate fails.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> Result<ExitCode> {
    let searcher = Arc::new(super::open_searcher(config, &args.kb.dir(config))?);
    let file = &args.file;
    let text = std::fs::read_to_string(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let (cases, dialogues) = parse_file(&text)?;
    if let Some(path) = &args.signals {
        let rows = eval::signal_rows(&searcher, &cases)?;
        let lines: Vec<String> = rows.iter().map(serde_json::to_string).collect::<Result<_, _>>()?;
        std::fs::write(path, lines.join("\n") + "\n").with_context(|| format!("无法写入 {}", path.display()))?;
    }
    let report = if cases.is_empty() { None } else { Some(eval::evaluate(&searcher, &cases)?) };
    let chat = if dialogues.is_empty() && args.pairs == 0 {
        None
    } else {
        Some(eval_chat::run(config, Arc::clone(&searcher), &dialogues, &cases, args.pairs)?)
    };
    if args.json {
        // The single-question figures stay at the top level (as before conversations existed).
        let mut value = serde_json::to_value(&report)?;
        if let Some(c) = &chat {
            let conversations = serde_json::json!({"dialogues": c.dialogues, "pairs": c.pairs});
            match value.as_object_mut() {
                Some(o) => drop(o.insert("conversations".into(), conversations)),
                None => value = serde_json::json!({ "conversations": conversations }),
            }
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        if let Some(r) = &report {
            write!(out, "{}", r.table())?;
        }
        if let Some(c) = &chat {
            write!(out, "{}", eval_chat::table(c))?;
        }
    }
    let mut failed = Vec::new();
    if let Some(r) = &report {
        for m in r.misses.iter().take(args.misses) {
            eprintln!("MISS {:?} gold={:?} {} top={:?}", m.query, m.gold, m.decision, m.top);
        }
        failed.extend(args.gates.failed(r));
    }
    if let Some(c) = &chat {
        eval_chat::print_misses(c, args.misses);
        failed.extend(args.gates.failed_chat(c));
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("未达标：{}", failed.join("；"));
        Ok(ExitCode::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(top1: f64, null_rejection: f64) -> EvalReport {
        let overall =
            eval::Metrics { top1, null_rejection, recall3: 1.0, answered_precision: 1.0, ..Default::default() };
        EvalReport {
            overall,
            per_category: Default::default(),
            per_kind: Default::default(),
            unknown_gold: Vec::new(),
            misses: Vec::new(),
        }
    }

    #[test]
    fn unset_gates_never_fail() {
        assert!(Gates::default().failed(&report(0.0, 0.0)).is_empty());
    }

    #[test]
    fn a_gate_fails_below_its_minimum_and_passes_at_it() {
        let gates = Gates { min_top1: Some(0.9), min_reject: Some(0.85), ..Gates::default() };
        assert!(gates.failed(&report(0.9, 0.85)).is_empty());
        assert_eq!(gates.failed(&report(0.8999, 0.9)), vec!["top1 0.900 < 0.9".to_owned()]);
        assert_eq!(gates.failed(&report(0.5, 0.2)), vec!["top1 0.500 < 0.9", "null_rejection 0.200 < 0.85"]);
    }

    #[test]
    fn the_fixture_base_answers_its_own_questions_and_gates_decide_the_exit_code() {
        let base = super::super::load_base(&super::super::fixture_kb()).expect("loads");
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("cases.jsonl");
        let lines: Vec<String> = base
            .entries
            .iter()
            .map(|e| serde_json::json!({"query": e.question, "gold": e.id}).to_string())
            .chain([serde_json::json!({"query": "今天天气怎么样", "gold": null}).to_string()])
            .collect();
        std::fs::write(&file, lines.join("\n")).expect("write");
        let kb = KbArg { kb: Some(super::super::fixture_kb()) };
        let mut args = Args { kb, file, ..Args::default() };
        let mut out = Vec::new();
        assert_eq!(run(&Config::default(), &args, &mut out).expect("runs"), ExitCode::SUCCESS);
        let table = String::from_utf8(out).expect("utf-8");
        let overall = table.lines().find(|l| l.starts_with("overall")).expect("an overall line");
        assert_eq!(overall.split_whitespace().nth(1), Some(lines.len().to_string().as_str()), "{table}");
        args.gates.min_top1 = Some(1.01);
        assert_eq!(run(&Config::default(), &args, &mut Vec::new()).expect("runs"), ExitCode::FAILURE);
    }
}
