//! The conversation half of `taxbot eval`: an engine on a throw-away store,
//! scripted conversations played through it, and the pair replay.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::chat::Engine;
use crate::chat::eval::{self, Dialogue, DialogueReport, PairQuestion, PairReport};
use crate::config::Config;
use crate::handoff::Hub;
use crate::search::Searcher;
use crate::search::eval::EvalCase;

/// A data directory removed when dropped.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the conversation evaluation found.
pub struct ChatFigures {
    /// Scripted conversations, when the file had any.
    pub dialogues: Option<DialogueReport>,
    /// The pair replay, when asked for.
    pub pairs: Option<PairReport>,
}

/// Plays `dialogues` and, with `pairs > 0`, replays the gold `cases` after
/// `pairs` unrelated questions each, through one engine on a scratch store.
pub fn run(
    config: &Config,
    searcher: Arc<Searcher>,
    dialogues: &[Dialogue],
    cases: &[EvalCase],
    pairs: usize,
) -> Result<ChatFigures> {
    let dir = ScratchDir(std::env::temp_dir().join(format!("taxbot-eval-{}", uuid::Uuid::new_v4())));
    let category_of: BTreeMap<String, String> =
        searcher.snapshot().entries().iter().map(|e| (e.id.to_string(), e.category.as_str().to_owned())).collect();
    let questions: Vec<PairQuestion> = cases
        .iter()
        .map(|c| PairQuestion {
            text: c.query.clone(),
            gold: c.gold.clone(),
            category: c.gold.as_ref().and_then(|g| category_of.get(g).cloned()).unwrap_or_else(|| "null".into()),
        })
        .collect();
    let mut store_settings = config.store.clone();
    store_settings.data_dir = dir.0.clone();
    super::runtime()?.block_on(async move {
        let store: Arc<dyn crate::store::Store> =
            Arc::new(crate::store::open_sqlite(&store_settings).await.context("无法打开评测用的临时数据库")?);
        let hub = Hub::start(Arc::clone(&store), config.handoff.clone()).await.map_err(anyhow::Error::msg)?;
        let engine = Engine::new(searcher, store, Arc::new(hub), config.chat.clone());
        let dialogues = if dialogues.is_empty() { None } else { Some(eval::play(&engine, dialogues).await?) };
        let pairs = if pairs == 0 { None } else { Some(eval::replay_pairs(&engine, &questions, pairs).await?) };
        Ok(ChatFigures { dialogues, pairs })
    })
}

/// The conversation figures as table lines.
pub fn table(f: &ChatFigures) -> String {
    let mut out = String::new();
    if let Some(d) = &f.dialogues {
        out.push_str(&format!("\n{:<22} {:>6} {:>6} {:>8}\n", "conversation kind", "turns", "right", "rate"));
        let mut row = |name: &str, t: &eval::TurnFigures| {
            out.push_str(&format!("{:<22} {:>6} {:>6} {:>8.3}\n", name, t.turns, t.right, t.rate));
        };
        row("turns overall", &d.overall);
        row("turns after the first", &d.later_turns);
        for (k, t) in &d.per_kind {
            row(k, t);
        }
    }
    if let Some(p) = &f.pairs {
        out.push_str(&format!(
            "\npair replay: {} pairs, {} changed decision, {} worse, {} better\n",
            p.pairs, p.changed, p.worse, p.better
        ));
    }
    out
}

/// Prints up to `n` wrong turns and `n` worse pairs to stderr.
pub fn print_misses(f: &ChatFigures, n: usize) {
    for m in f.dialogues.iter().flat_map(|d| &d.misses).take(n) {
        eprintln!("TURN-MISS [{}] {:?} → {:?} gold={:?} got={:?}", m.kind, m.before, m.text, m.gold, m.got);
    }
    for m in f.pairs.iter().flat_map(|p| &p.misses).take(n) {
        eprintln!("PAIR-WORSE {:?} → {:?} gold={:?} alone={:?} after={:?}", m.first, m.text, m.gold, m.alone, m.after);
    }
}
