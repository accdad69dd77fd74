//! Matching benchmarks: segmentation throughput, question → decision latency
//! (criterion, plus p50/p99 over many questions) on the shipped base and on
//! synthetic bases of 10,000 and 100,000 entries, and index build time.
//!
//! Run: `cargo bench --bench matching` (pin to one core with `taskset -c 0`).
//! `TAXBOT_BENCH_SIZES=10000` limits the synthetic sizes (default 10000,100000).

mod synthetic;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cpu_time::{ProcessTime, ThreadTime};
use criterion::{Criterion, Throughput};
use taxbot::kb;
use taxbot::search::{Searcher, Settings, Snapshot};
use taxbot::text::Analyzer;

fn questions() -> Vec<String> {
    let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval/dev.jsonl");
    let text = std::fs::read_to_string(dev).expect("tests/eval/dev.jsonl");
    taxbot::search::eval::parse_cases(&text).expect("valid dev set").into_iter().map(|c| c.query).collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Builds a searcher over `entries`, printing the build time as wall-clock time
/// and as the process's CPU time (all cores; one core's worth under `taskset -c 1`).
fn build(label: &str, entries: Vec<kb::Entry>, analyzer: &Arc<Analyzer>) -> Searcher {
    let n = entries.len();
    let (start, start_cpu) = (Instant::now(), ProcessTime::now());
    let snapshot = Snapshot::build(entries, analyzer.clone()).expect("build");
    let (wall, cpu) = (start.elapsed(), start_cpu.elapsed());
    println!("index build   {label:>8}: {n:>7} entries in {wall:>8.2?} wall, {cpu:>8.2?} process CPU");
    Searcher::new(snapshot, Settings::default())
}

/// Answers every question `rounds` times and prints p50/p99/max latency, as
/// wall-clock time and as the thread's CPU time (what one dedicated core would
/// take; unaffected by other processes on a shared machine).
fn latency(label: &str, searcher: &Searcher, questions: &[String], rounds: usize) {
    let mut wall = Vec::with_capacity(questions.len() * rounds);
    let mut cpu = Vec::with_capacity(questions.len() * rounds);
    for _ in 0..rounds {
        for q in questions {
            let (start, start_cpu) = (Instant::now(), ThreadTime::now());
            let outcome = searcher.ask(q).expect("search");
            cpu.push(start_cpu.elapsed());
            wall.push(start.elapsed());
            std::hint::black_box(outcome);
        }
    }
    for (kind, times) in [("wall", &mut wall), ("cpu", &mut cpu)] {
        times.sort();
        println!(
            "decision {kind:>4} {label:>8}: p50 {:>9.1?}  p99 {:>9.1?}  max {:>9.1?}  ({} questions)",
            percentile(times, 0.5),
            percentile(times, 0.99),
            times[times.len() - 1],
            times.len()
        );
    }
}

fn main() {
    let shipped = kb::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")).expect("shipped base");
    let analyzer = Arc::new(Analyzer::new(&shipped.lexicon));
    let questions = questions();
    let sizes: Vec<usize> = std::env::var("TAXBOT_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();

    let base = build("shipped", shipped.entries.clone(), &analyzer);
    latency("shipped", &base, &questions, 20);
    let mut bases = vec![("shipped".to_owned(), base)];
    for n in sizes {
        let searcher = build(&n.to_string(), synthetic::entries(&shipped.entries, n), &analyzer);
        latency(&n.to_string(), &searcher, &questions, if n > 50_000 { 5 } else { 10 });
        bases.push((n.to_string(), searcher));
    }

    let mut c = Criterion::default().configure_from_args().measurement_time(Duration::from_secs(5));
    let text: String = shipped.entries.iter().map(|e| e.answer.as_str()).collect::<Vec<_>>().join("\n");
    let mut group = c.benchmark_group("segmentation");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("analyze all shipped answers", |b| b.iter(|| analyzer.analyze(&text)));
    group.finish();
    let mut group = c.benchmark_group("respelling");
    group.throughput(Throughput::Elements(questions.len() as u64));
    group.bench_function("sound-alike scan of every dev question", |b| {
        b.iter(|| questions.iter().filter_map(|q| analyzer.respell(q)).count())
    });
    group.finish();
    let mut group = c.benchmark_group("decision");
    for (label, searcher) in &bases {
        let mut i = 0;
        group.bench_function(label.as_str(), |b| {
            b.iter(|| {
                i = (i + 1) % questions.len();
                searcher.ask(&questions[i]).expect("search")
            })
        });
    }
    group.finish();
    c.final_summary();
}
