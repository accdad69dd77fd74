//! Answer quality over conversations (`taxbot eval` on lines with `turns`),
//! played turn by turn through the same [`Engine`] the channels use, and the
//! pair replay: a question asked after an unrelated one must not fare worse
//! than asked alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ChatError, Engine, Reply};

/// One taxpayer turn: what they type and the entry that must answer it (`None`: must not be answered).
#[derive(Debug, Clone, Deserialize)]
pub struct DialogueTurn {
    /// The message.
    pub text: String,
    /// The entry that answers it, or `None` when no entry may.
    #[serde(default)]
    pub gold: Option<String>,
}

/// A scripted conversation: `{"turns": [...], "kind": "ellipsis"}` (other fields are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Dialogue {
    /// The turns, in order.
    pub turns: Vec<DialogueTurn>,
    /// What the conversation tests (ellipsis, refinement, pronoun, switch, out_of_scope …).
    #[serde(default)]
    pub kind: Option<String>,
}

/// What the engine did with one message, reduced to what quality needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TurnOutcome {
    /// Answered directly with this entry.
    Answered(String),
    /// "您是不是想问…" with these entries.
    Clarify(Vec<String>),
    /// Told the taxpayer it is not a tax question.
    OutOfScope,
    /// Anything else (no match, small talk, handoff).
    Other(&'static str),
}

impl TurnOutcome {
    fn of(reply: &Reply) -> Self {
        match reply {
            Reply::Answer(a) => TurnOutcome::Answered(a.entry.id.to_string()),
            Reply::Clarify { candidates, .. } => {
                TurnOutcome::Clarify(candidates.iter().map(|c| c.entry_id.clone()).collect())
            }
            Reply::OutOfScope { .. } => TurnOutcome::OutOfScope,
            Reply::NoMatch { .. } => TurnOutcome::Other("no_match"),
            Reply::Text { .. } => TurnOutcome::Other("text"),
            Reply::Relayed => TurnOutcome::Other("relayed"),
            Reply::Handoff(_) => TurnOutcome::Other("handoff"),
        }
    }

    /// Right: the gold entry answered directly, or a null turn not answered.
    pub fn is_right(&self, gold: Option<&str>) -> bool {
        match (self, gold) {
            (TurnOutcome::Answered(id), Some(g)) => id == g,
            (TurnOutcome::Answered(_), None) => false,
            (_, None) => true,
            _ => false,
        }
    }

    /// A rank for comparing two outcomes of one question: a right answer,
    /// then a clarification offering the gold entry, then no answer, then a
    /// wrong answer (for a null question: not answered, then answered).
    fn rank(&self, gold: Option<&str>) -> u8 {
        match (self, gold) {
            (TurnOutcome::Answered(id), Some(g)) if id == g => 3,
            (TurnOutcome::Answered(_), _) => 0,
            (TurnOutcome::Clarify(ids), Some(g)) if ids.iter().any(|i| i == g) => 2,
            _ => 1,
        }
    }
}

/// Turns played and turns right.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct TurnFigures {
    /// Turns played.
    pub turns: usize,
    /// Turns right (gold answered directly, or a null turn not answered).
    pub right: usize,
    /// `right / turns`.
    pub rate: f64,
}

impl TurnFigures {
    fn add(&mut self, right: bool) {
        self.turns += 1;
        self.right += usize::from(right);
        self.rate = self.right as f64 / self.turns as f64;
    }
}

/// A turn that went wrong, with its conversation so far.
#[derive(Debug, Clone, Serialize)]
pub struct TurnMiss {
    /// The conversation's kind.
    pub kind: String,
    /// The earlier turns' texts.
    pub before: Vec<String>,
    /// This turn's text.
    pub text: String,
    /// The expected entry.
    pub gold: Option<String>,
    /// What happened.
    pub got: TurnOutcome,
}

/// The result of playing conversations.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DialogueReport {
    /// All turns.
    pub overall: TurnFigures,
    /// Turns per conversation kind.
    pub per_kind: BTreeMap<String, TurnFigures>,
    /// Turns after the first, across kinds (where context matters).
    pub later_turns: TurnFigures,
    /// The wrong turns.
    #[serde(skip)]
    pub misses: Vec<TurnMiss>,
}

/// Plays every conversation in a session of its own (API users `eval-<n>`).
pub async fn play(engine: &Engine, dialogues: &[Dialogue]) -> Result<DialogueReport, ChatError> {
    let mut report = DialogueReport::default();
    for (n, d) in dialogues.iter().enumerate() {
        let kind = d.kind.clone().unwrap_or_else(|| "conversation".to_owned());
        let mut session = engine.open_api(&format!("eval-dialogue-{n}")).await?;
        for (i, turn) in d.turns.iter().enumerate() {
            let got = TurnOutcome::of(&engine.ask(&mut session, &turn.text).await?.reply);
            let right = got.is_right(turn.gold.as_deref());
            report.overall.add(right);
            report.per_kind.entry(kind.clone()).or_default().add(right);
            if i > 0 {
                report.later_turns.add(right);
            }
            if !right {
                let before = d.turns[..i].iter().map(|t| t.text.clone()).collect();
                report.misses.push(TurnMiss {
                    kind: kind.clone(),
                    before,
                    text: turn.text.clone(),
                    gold: turn.gold.clone(),
                    got,
                });
            }
        }
    }
    Ok(report)
}

/// A question for the pair replay, with its gold entry's category (`null` when none).
#[derive(Debug, Clone)]
pub struct PairQuestion {
    /// The question.
    pub text: String,
    /// Its gold entry.
    pub gold: Option<String>,
    /// The gold entry's category, or `null`.
    pub category: String,
}

/// A question that fared worse after another one.
#[derive(Debug, Clone, Serialize)]
pub struct PairMiss {
    /// The question asked first.
    pub first: String,
    /// The question measured.
    pub text: String,
    /// Its gold entry.
    pub gold: Option<String>,
    /// Asked alone.
    pub alone: TurnOutcome,
    /// Asked after `first`.
    pub after: TurnOutcome,
}

/// The result of the pair replay.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PairReport {
    /// Pairs played.
    pub pairs: usize,
    /// Pairs where the second question got a different decision than alone.
    pub changed: usize,
    /// Pairs where it fared worse (see [`TurnOutcome`]'s ranking).
    pub worse: usize,
    /// Pairs where it fared better.
    pub better: usize,
    /// The worse pairs.
    #[serde(skip)]
    pub misses: Vec<PairMiss>,
}

/// Asks every gold question alone, then after `per_question` unrelated
/// questions (another category, picked with a fixed stride so runs repeat),
/// each pair in a fresh session.
pub async fn replay_pairs(
    engine: &Engine,
    questions: &[PairQuestion],
    per_question: usize,
) -> Result<PairReport, ChatError> {
    // A stride coprime with typical file sizes spreads the first questions over the file.
    const STRIDE: usize = 97;
    let mut report = PairReport::default();
    let n = questions.len();
    let mut session_no = 0usize;
    let mut fresh = || {
        session_no += 1;
        format!("eval-pair-{session_no}")
    };
    for (i, q) in questions.iter().enumerate() {
        if q.gold.is_none() {
            continue;
        }
        let mut s = engine.open_api(&fresh()).await?;
        let alone = TurnOutcome::of(&engine.ask(&mut s, &q.text).await?.reply);
        let firsts = (1..n).map(|k| &questions[(i + k * STRIDE) % n]).filter(|p| p.category != q.category);
        for first in firsts.take(per_question) {
            let mut s = engine.open_api(&fresh()).await?;
            engine.ask(&mut s, &first.text).await?;
            let after = TurnOutcome::of(&engine.ask(&mut s, &q.text).await?.reply);
            report.pairs += 1;
            if after != alone {
                report.changed += 1;
                let (a, b) = (alone.rank(q.gold.as_deref()), after.rank(q.gold.as_deref()));
                report.better += usize::from(b > a);
                if b < a {
                    report.worse += 1;
                    let (first, text, gold) = (first.text.clone(), q.text.clone(), q.gold.clone());
                    report.misses.push(PairMiss { first, text, gold, alone: alone.clone(), after });
                }
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_is_right_when_gold_is_answered_or_a_null_turn_is_not() {
        let answered = TurnOutcome::Answered("IIT-001".into());
        assert!(answered.is_right(Some("IIT-001")));
        assert!(!answered.is_right(Some("IIT-002")));
        assert!(!answered.is_right(None));
        assert!(TurnOutcome::OutOfScope.is_right(None));
        assert!(!TurnOutcome::Clarify(vec!["IIT-001".into()]).is_right(Some("IIT-001")));
    }

    #[test]
    fn outcomes_rank_right_answer_then_useful_clarify_then_nothing_then_wrong() {
        let g = Some("A");
        let right = TurnOutcome::Answered("A".into()).rank(g);
        let clarify = TurnOutcome::Clarify(vec!["B".into(), "A".into()]).rank(g);
        let nothing = TurnOutcome::Other("no_match").rank(g);
        let wrong = TurnOutcome::Answered("B".into()).rank(g);
        assert!(right > clarify && clarify > nothing && nothing > wrong);
    }

    #[test]
    fn dialogue_lines_ignore_extra_fields() {
        let d: Dialogue =
            serde_json::from_str(r#"{"turns":[{"text":"个税","gold":null,"note":"x"}],"kind":"k","id":7}"#)
                .expect("parses");
        assert_eq!(d.turns.len(), 1);
        assert_eq!(d.kind.as_deref(), Some("k"));
    }
}
