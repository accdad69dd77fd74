//! `taxbot ask`: one question through the matcher, with the decision, the top
//! candidates and which of the question's words matched in which field.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use super::KbArg;
use crate::config::Config;
use crate::search::{self, Decision, Outcome, Searcher};

/// How many candidates the report lists.
const TOP: usize = 3;

/// Arguments of `taxbot ask`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    pub kb: KbArg,
    /// Print the decision as JSON.
    #[arg(long)]
    pub json: bool,
    /// An earlier question of the same conversation, asked first (repeat for
    /// several, oldest first): the question is then matched as a follow-up.
    #[arg(long = "after", value_name = "EARLIER")]
    pub after: Vec<String>,
    /// The question (several words are joined with spaces).
    #[arg(required = true)]
    pub question: Vec<String>,
}

/// Answers the question of `args` from the knowledge base and prints the report.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> Result<ExitCode> {
    let searcher = super::open_searcher(config, &args.kb.dir(config))?;
    let question = args.question.join(" ");
    let mut previous = None;
    for earlier in &args.after {
        let outcome = searcher.ask_after(earlier, previous.as_ref())?;
        if !args.json {
            writeln!(out, "先问：{earlier} → {}", summary(&outcome.decision))?;
        }
        previous = Some(outcome.turn);
    }
    let outcome = searcher.ask_after(&question, previous.as_ref())?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json_report(&outcome))?)?;
    } else {
        write_report(out, &searcher, &question, &outcome)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The decision, the answered entry (if any) and the top candidates, for machines.
pub fn json_report(outcome: &Outcome) -> serde_json::Value {
    let candidates: Vec<_> = outcome
        .ranked
        .iter()
        .take(TOP)
        .map(|c| serde_json::json!({"id": c.entry.id, "question": c.entry.question, "confidence": c.confidence}))
        .collect();
    let (id, confidence) = match &outcome.decision {
        Decision::Answer { entry, confidence } => (Some(entry.id.to_string()), Some(*confidence)),
        _ => (None, None),
    };
    let answer = outcome.decision.answered().map(|e| serde_json::json!({"answer": e.answer, "sources": e.sources}));
    serde_json::json!({"decision": outcome.decision.kind(), "id": id, "confidence": confidence, "candidates": candidates, "entry": answer})
}

/// The report for people: the decision (with the cited answer), then the top
/// candidates and the question's words each field of theirs contains.
pub fn write_report(out: &mut dyn Write, searcher: &Searcher, question: &str, outcome: &Outcome) -> Result<()> {
    write_decision(out, &outcome.decision)?;
    writeln!(out, "\n候选（前 3）：")?;
    let snap = searcher.snapshot();
    for c in outcome.ranked.iter().take(TOP) {
        writeln!(out, "  {} {:.3} {}", c.entry.id, c.confidence.get(), c.entry.question)?;
        for m in search::explain(&snap, question, &c.entry) {
            writeln!(out, "      {:<8} {}", m.field, m.terms.join(" "))?;
        }
    }
    Ok(())
}

/// One line for an earlier turn: the decision and its entries.
fn summary(decision: &Decision) -> String {
    match decision {
        Decision::Answer { entry, confidence } => format!("回答 {}（{:.3}）", entry.id, confidence.get()),
        Decision::Clarify { candidates } => {
            let ids: Vec<&str> = candidates.iter().map(|c| c.entry.id.as_str()).collect();
            format!("您是不是想问 {}", ids.join("、"))
        }
        Decision::NoMatch { .. } => "未找到可靠答案".to_owned(),
        Decision::OutOfScope { .. } => "不属于涉税咨询".to_owned(),
    }
}

fn write_decision(out: &mut dyn Write, decision: &Decision) -> Result<()> {
    match decision {
        Decision::Answer { entry, confidence } => {
            writeln!(
                out,
                "决定：回答 {}（置信度 {:.3}）\n问题：{}\n\n{}\n",
                entry.id,
                confidence.get(),
                entry.question,
                entry.answer
            )?;
            for s in &entry.sources {
                writeln!(out, "依据：{} {}", s.title, s.wenhao)?;
            }
            let until = entry.effective_until.map(|d| d.to_string()).unwrap_or_else(|| "长期".into());
            writeln!(out, "有效期：{} 至 {}", entry.effective_from, until)?;
        }
        Decision::Clarify { candidates } => {
            writeln!(out, "决定：澄清（您是不是想问…）")?;
            for (i, c) in candidates.iter().enumerate() {
                writeln!(out, "  {}. {}", i + 1, c.entry.question)?;
            }
        }
        Decision::NoMatch { .. } => writeln!(out, "决定：未找到可靠答案，建议转人工")?,
        Decision::OutOfScope { service } => match service {
            Some(s) => writeln!(out, "决定：非涉税问题（{}，请咨询{}）", s.name, s.contact)?,
            None => writeln!(out, "决定：非涉税问题")?,
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(question: &str, json: bool) -> Args {
        let kb = KbArg { kb: Some(super::super::fixture_kb()) };
        Args { kb, json, after: Vec::new(), question: question.split(' ').map(str::to_owned).collect() }
    }

    fn ask(question: &str, json: bool) -> String {
        let mut out = Vec::new();
        let code = run(&Config::default(), &args(question, json), &mut out).expect("asks");
        assert_eq!(code, ExitCode::SUCCESS);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn the_report_shows_the_decision_the_top_candidates_and_the_matched_words() {
        let text = ask("小规模纳税人 增值税 免征", false);
        assert!(text.starts_with("决定："), "{text}");
        let list = text.split("\n候选（前 3）：\n").nth(1).expect("a candidate list");
        let candidates: Vec<&str> = list.lines().filter(|l| !l.starts_with("      ")).collect();
        assert!((1..=TOP).contains(&candidates.len()), "{list}");
        assert!(candidates.iter().all(|l| l.starts_with("  ") && l.contains('-')), "{list}");
        assert!(list.lines().any(|l| l.trim_start().starts_with("question")), "{list}");
    }

    #[test]
    fn earlier_questions_are_asked_first_and_summed_up_in_one_line_each() {
        let mut a = args("那个体户呢", false);
        a.after = vec!["小规模纳税人 增值税 免征".to_owned(), "要什么材料".to_owned()];
        let mut out = Vec::new();
        run(&Config::default(), &a, &mut out).expect("asks");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("先问：小规模纳税人 增值税 免征 → "), "{text}");
        assert!(lines[1].starts_with("先问：要什么材料 → "), "{text}");
        assert!(lines[2].starts_with("决定："), "{text}");
    }

    #[test]
    fn an_answer_cites_its_sources_and_validity() {
        let mut out = Vec::new();
        let base = super::super::load_base(&super::super::fixture_kb()).expect("loads");
        let entry = std::sync::Arc::new(base.entries[0].clone());
        let decision =
            Decision::Answer { entry: std::sync::Arc::clone(&entry), confidence: search::Confidence::new(0.9) };
        write_decision(&mut out, &decision).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.starts_with(&format!("决定：回答 {}（置信度 0.900）\n问题：{}", entry.id, entry.question)),
            "{text}"
        );
        assert!(text.contains(&format!("依据：{} {}", entry.sources[0].title, entry.sources[0].wenhao)), "{text}");
        assert!(text.contains(&format!("有效期：{} 至 ", entry.effective_from)), "{text}");
    }

    #[test]
    fn json_lists_the_decision_and_at_most_three_candidates() {
        let value: serde_json::Value = serde_json::from_str(&ask("个税 汇算 什么时候 办理", true)).expect("json");
        let kind = value["decision"].as_str().expect("decision");
        assert!(["answer", "clarify", "no_match"].contains(&kind), "{value}");
        assert!(value["candidates"].as_array().is_some_and(|c| (1..=TOP).contains(&c.len())), "{value}");
        assert_eq!(value["id"].is_string(), kind == "answer", "{value}");
        assert_eq!(value["entry"].is_object(), kind == "answer", "{value}");
    }
}
