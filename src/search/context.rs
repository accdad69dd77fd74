//! Follow-up context: per turn, does the message stand alone or continue the
//! previous topic? A follow-up ("那个体户呢？", "这个要什么材料") borrows the
//! previous turn's words; a self-contained new question is matched on its own
//! and never pulled into the previous topic.

use super::scope::{self, Scope, Service};
use super::{Candidate, Decision, Focus, Outcome, QueryTerms, SearchError, Searcher, Snapshot, Turn, query};
use crate::config::search::Settings;
use crate::kb::EntryId;
use crate::text::{Analysis, without_spoken_opening};

/// Words that open a follow-up ("那个体户呢？", "如果是…").
const FOLLOW_UP_CUES: [&str; 6] = ["那", "那么", "如果", "要是", "还有", "另外"];

/// Times that begin like a back reference: "这个月申报截止日…" is no follow-up.
const TIME_WORDS: [&str; 10] =
    ["这个月", "这个季度", "这个星期", "这个周", "这个年", "此前", "此后", "此时", "该月", "该年"];

/// A question saying at most this many content words leans on the turn before.
const THIN_QUESTION_WORDS: usize = 2;

/// A message without tax vocabulary that nothing answers is called "not a
/// tax question" only when no entry comes this close: "干了哪些事信用会一下子
/// 掉到最低那档" (纳税信用, 0.26) gets the human offer instead.
const NOT_TAX_CEILING: f32 = 0.2;

/// Words that point back at what was just answered ("它每年最多扣多少",
/// "这个要准备哪些资料", "他自己能去解除吗" after a question about a 办税员):
/// such a follow-up may well be about the same entry.
const BACK_REFERENCES: [&str; 9] = ["它", "他", "她", "这个", "这项", "这种", "这笔", "该", "此"];

/// Words holding a back reference's character without pointing back.
const NOT_BACK_REFERENCES: [&str; 4] = ["其他", "其它", "其她", "吉他"];

/// A thin question whose own best match is at least this confident, and is
/// not the entry just answered, stands alone ("年终奖怎么交税" after a VAT
/// question has its own topic word).
const SELF_CONTAINED_CONFIDENCE: f32 = 0.45;

/// When a follow-up alone and with the previous turn's words points to the
/// same new entry, each at least this confident, the two readings agree: answer.
const AGREEMENT_CONFIDENCE: f32 = 0.5;

/// A follow-up's only plausible entry, in the area of tax the conversation is
/// in, is the answer from this confidence on.
const IN_AREA_SOLE_CONFIDENCE: f32 = 0.5;

/// A word found in fewer than this share of the entries says what a message
/// is about ("国庆", "两万"); commoner ones ("不", "补", and "还有" at 0.086)
/// do not.
const RARE_WORD_SHARE: f32 = 0.05;

/// Words for "the tax just talked about": "这个税的完税证明上哪打印" after a
/// 购置税 question asks about 车辆购置税, whatever else it names.
const TAX_BACK_REFERENCES: [&str; 7] = ["这个税", "这种税", "这项税", "这笔税", "这税", "该税", "此税"];

/// Characters that make "这个税…" a word of its own (这个税务局, 这个税号,
/// 这个税盘), not a reference to the tax; 这个税率 and 这笔税款 are that tax's.
const TAX_COMPOUND_TAILS: &str = "务号盘控局源收表";

/// The question with its "这个税" replaced by the tax the previous turn named
/// (its longest tax word ending in 税), when it has both.
pub(super) fn naming_the_tax(snap: &Snapshot, question: &str, previous: &Turn) -> Option<String> {
    let (at, reference) = TAX_BACK_REFERENCES.iter().find_map(|r| {
        let at = question.find(r)?;
        let next = question[at + r.len()..].chars().next();
        (!next.is_some_and(|c| TAX_COMPOUND_TAILS.contains(c))).then_some((at, *r))
    })?;
    let tax = previous
        .terms
        .terms
        .iter()
        .filter(|t| t.ends_with('税') && t.chars().count() > 1 && snap.analyzer.is_domain_term(t))
        .max_by_key(|t| t.chars().count())?;
    Some(format!("{}{}{}", &question[..at], tax, &question[at + reference.len()..]))
}

/// A clarification's entry the previous turn's words pick needs at least this
/// confidence in the reading with those words...
const TOPIC_PICK_FLOOR: f32 = 0.02;

/// ...and this many times the confidence of the next offered entry.
const TOPIC_PICK_LEAD: f32 = 2.0;

impl Searcher {
    /// Matches a question, borrowing the previous turn's terms when the question
    /// alone is too thin ("那个体户呢？", "要什么材料") to be answered by itself.
    pub fn ask_after(&self, question: &str, previous: Option<&Turn>) -> Result<Outcome, SearchError> {
        let snap = self.snapshot();
        // "嗯 那个 我想问一下 那错过了呢" is "那错过了呢": a spoken opening
        // neither shapes a follow-up nor weighs in the matching.
        let truncated = query::truncate(question);
        let question = match without_spoken_opening(truncated) {
            "" => truncated,
            spoken => spoken,
        };
        let named = previous.and_then(|p| naming_the_tax(&snap, question, p));
        let question = named.as_deref().unwrap_or(question);
        let scope = scope::classify(&crate::text::normalize_text(question));
        let Scope::Service(service) = scope else { return self.read_in_context(&snap, question, previous, scope) };
        // A voice-typed tax word (个睡 → 个税) still anchors the question in
        // tax, unless the service is one only a strong anchor overrides.
        let respelled = if service.is_strong() { None } else { snap.analyzer.respell(question) };
        if respelled.is_some_and(|r| scope::classify(&r) == Scope::Tax) {
            return self.read_in_context(&snap, question, previous, Scope::Tax);
        }
        // "那诊所给人看病的收入呢" after a VAT answer asks the same tax question
        // about something else: a weak service cue (看病) does not end the
        // topic, but only an answer keeps it in tax.
        if !service.is_strong() && previous.is_some_and(|p| !p.terms.is_empty()) && continues_the_topic(question) {
            let outcome = self.read_in_context(&snap, question, previous, scope)?;
            if matches!(outcome.decision, Decision::Answer { .. }) {
                return Ok(outcome);
            }
        }
        Ok(Self::out_of_scope(Some(service)))
    }

    /// Matches a question of scope `scope` after `previous` (a question naming
    /// a service is matched as a tax question, for a follow-up to keep in tax),
    /// in five steps: the message's own reading and shape; a choice the
    /// conversation's area confirms; a message that is no follow-up; a
    /// follow-up, read alone and with the topic; when nothing answers, a
    /// detail of the answer just given.
    fn read_in_context(
        &self,
        snap: &Snapshot,
        question: &str,
        previous: Option<&Turn>,
        scope: Scope,
    ) -> Result<Outcome, SearchError> {
        let (analysis, own, alone) = self.best_reading(snap, question)?;
        let shape = Shape::of(snap, question, &analysis, previous);
        tracing::debug!(question, alone = %sketch(&alone), thin = shape.thin, moves_on = shape.moves_on,
            refers_back = shape.refers_back, "follow-up reading");
        let previous_entry = previous.and_then(|p| p.entry.as_ref()).filter(|_| !shape.refers_back);
        let with_topic = match self.confirm_in_area(snap, &alone, &own, previous, previous_entry)? {
            Confirmation::Answered(candidate) => return Ok(candidate),
            Confirmation::Read(merged) => merged,
        };
        // "明天天气怎么样" after a 子女教育 answer is short, but nothing in the
        // base knows its words and it neither names tax nor points back: no
        // follow-up, whatever the topic's words would make of it.
        let plausible_alone = alone.ranked.first().is_some_and(|c| c.confidence.get() >= self.settings.clarify_floor);
        let unconnected = !shape.tax_words && !plausible_alone && !shape.in_tax_talk;
        let nearest_is_previous =
            previous_entry.is_some_and(|p| alone.ranked.first().is_some_and(|c| &c.entry.id == p));
        let outcome = match previous.filter(|p| shape.thin && !unconnected && !p.terms.is_empty()) {
            None => self.standalone(alone, &own, scope, &shape, previous_entry),
            Some(previous) => {
                let reading = Readings { own: &own, alone, with_topic };
                self.follow_up(snap, reading, previous, previous_entry, scope, &shape)?
            }
        };
        // Nothing else answers: a detail of the answer just given, if it is one
        // (not when it names a public service: "那结婚登记要带啥" after 契税).
        let names_a_service = matches!(scope, Scope::Service(_));
        if matches!(outcome.decision, Decision::NoMatch { .. })
            && nearest_is_previous
            && !names_a_service
            && let Some(again) = detail_of(snap, &outcome, &own, previous_entry).cloned()
        {
            return Ok(answered_with(outcome, again));
        }
        Ok(outcome)
    }

    /// Step 2: the first choice of a question that got no answer, in the
    /// conversation's area, answered when it is the only plausible one or
    /// when the reading with the topic confirms it. Otherwise the reading with
    /// the topic, if it was made.
    fn confirm_in_area(
        &self,
        snap: &Snapshot,
        alone: &Outcome,
        own: &QueryTerms,
        previous: Option<&Turn>,
        previous_entry: Option<&EntryId>,
    ) -> Result<Confirmation, SearchError> {
        let Some((topic, first)) = previous.and_then(|p| Some((p, self.choice_in_area(alone, p, previous_entry)?)))
        else {
            return Ok(Confirmation::Read(None));
        };
        if let Some(sole) = sole_plausible(alone, &self.settings).filter(|c| c.entry.id == first) {
            return Ok(Confirmation::Answered(answered_with(alone.clone(), sole.clone())));
        }
        let merged = self.read_with_topic(snap, own, topic, previous_entry)?;
        tracing::debug!(area_choice = %first, with_topic = %sketch(&merged), "area confirmation");
        Ok(match confirming(&merged, &first, previous_entry, &self.settings).cloned() {
            Some(answer) => Confirmation::Answered(answered_with(merged, answer)),
            None => Confirmation::Read(Some(merged)),
        })
    }

    /// Step 3: a message that is no follow-up, matched alone. Nothing in the
    /// base comes close (below `NOT_TAX_CEILING`) and not one word of tax
    /// vocabulary: not a tax question.
    fn standalone(
        &self,
        alone: Outcome,
        own: &QueryTerms,
        scope: Scope,
        shape: &Shape,
        previous_entry: Option<&EntryId>,
    ) -> Outcome {
        let says_something = !own.is_empty();
        if scope == Scope::Unanchored
            && !shape.in_tax_talk
            && says_something
            && !shape.tax_words
            && matches!(alone.decision, Decision::NoMatch { .. })
            && alone.ranked.first().is_none_or(|c| c.confidence.get() < NOT_TAX_CEILING)
        {
            return Outcome { decision: Decision::OutOfScope { service: None }, ..alone };
        }
        without_repeat(alone, previous_entry, false, &self.settings)
    }

    /// Step 4: a follow-up, answered alone when that stands, else settled
    /// between its reading alone and its reading with the topic.
    fn follow_up(
        &self,
        snap: &Snapshot,
        reading: Readings<'_>,
        previous: &Turn,
        previous_entry: Option<&EntryId>,
        scope: Scope,
        shape: &Shape,
    ) -> Result<Outcome, SearchError> {
        let Readings { own, alone, with_topic } = reading;
        // A tax word the previous turn did not use ("年终奖" after a VAT question) names a new topic.
        let new_topic = own.terms.iter().any(|t| snap.analyzer.is_domain_term(t) && !previous.terms.terms.contains(t));
        // Answered alone, unless with the entry just answered: "那印花税呢" after
        // a 契税 answer that mentions 印花税 asks about something else.
        // Unless the question alone, without the topic's words, is confident
        // it is that entry: "那我老婆的呢 她自己掏了两万多" after a 大病医疗
        // answer asks about the spouse, whom that entry covers.
        let own_confidence = alone.ranked.first().map_or(0.0, |c| c.confidence.get());
        let again = own_confidence >= self.settings.answer_threshold;
        let answered_alone =
            alone.decision.answered().filter(|e| !shape.moves_on || again || Some(&e.id) != previous_entry);
        // A question pointing back without a tax word of its own, answered
        // alone in another area, may ask about the topic: "这个政策到哪年截止"
        // after a 企业所得税 answer. The reading with the topic wins when it
        // answers in the conversation's area confidently (≥ `answer_threshold`,
        // or at least as confidently as the answer alone).
        let elsewhere = answered_alone
            .is_some_and(|e| shape.refers_back && !new_topic && previous.area != Some(e.category.clone()));
        if answered_alone.is_some() && !elsewhere && !shape.refines {
            return Ok(alone);
        }
        let merged = match with_topic {
            Some(merged) => merged,
            None => self.read_with_topic(snap, own, previous, previous_entry)?,
        };
        // "想自己开个修车铺 税上有啥照顾没" after "我是残疾人": what the taxpayer
        // said first decides between answers, when it answers at least as surely.
        if let Some(alone_entry) = answered_alone.filter(|_| shape.refines && !elsewhere) {
            let surer = matches!(&merged.decision, Decision::Answer { entry, confidence }
                if entry.id != alone_entry.id && confidence.get() >= own_confidence);
            return Ok(if surer { Outcome { used_context: true, ..merged } } else { alone });
        }
        if elsewhere {
            let sure = own_confidence.min(self.settings.answer_threshold);
            let in_area = matches!(&merged.decision, Decision::Answer { entry, confidence }
                if previous.area.as_ref() == Some(&entry.category) && confidence.get() >= sure);
            return Ok(if in_area { Outcome { used_context: true, ..merged } } else { alone });
        }
        tracing::debug!(with_topic = %sketch(&merged), new_topic, "topic reading");
        if merged.ranked.is_empty() {
            return Ok(without_repeat(alone, previous_entry, shape.moves_on, &self.settings));
        }
        let settled = settle(alone, merged, previous_entry, (new_topic, shape.moves_on), &self.settings);
        // With no answered topic to follow up on, a message without one word of
        // tax vocabulary that nothing matches is not a tax question either.
        let unrelated = scope == Scope::Unanchored
            && !shape.tax_words
            && !own.is_empty()
            && previous_entry.is_none()
            && !shape.in_tax_talk;
        if unrelated && matches!(settled.decision, Decision::NoMatch { .. }) {
            return Ok(Outcome { decision: Decision::OutOfScope { service: None }, ..settled });
        }
        Ok(settled)
    }

    /// The question read with the previous turn's words: a tax word of its
    /// own replaces the earlier one with the same head (契税 → 印花税), and
    /// entries sharing none of its own words, or just answered, are demoted.
    fn read_with_topic(
        &self,
        snap: &Snapshot,
        own: &QueryTerms,
        previous: &Turn,
        previous_entry: Option<&EntryId>,
    ) -> Result<Outcome, SearchError> {
        let own_tax_words: Vec<&String> = own.terms.iter().filter(|t| snap.analyzer.is_domain_term(t)).collect();
        let earlier = previous.terms.without_replaced(&own_tax_words, |t| snap.analyzer.is_domain_term(t));
        let focus = Focus { anchor: own, previous: previous_entry };
        self.match_terms(snap, own.merged_with(&earlier), Some(focus))
    }

    /// The first choice of a question that got only a choice or no answer,
    /// when the topic could confirm it: plausible (one a clarification would
    /// offer), not the entry just answered, and in the area of tax the
    /// conversation is in (an unrelated topic confirms nothing).
    fn choice_in_area(&self, alone: &Outcome, previous: &Turn, previous_entry: Option<&EntryId>) -> Option<EntryId> {
        if previous.terms.is_empty() || matches!(alone.decision, Decision::Answer { .. } | Decision::OutOfScope { .. })
        {
            return None;
        }
        let first = alone.ranked.first().filter(|c| Some(&c.entry.id) != previous_entry)?;
        let plausible = first.confidence.get() >= self.settings.clarify_floor;
        (plausible && previous.area.as_ref() == Some(&first.entry.category)).then(|| first.entry.id.clone())
    }

    /// Matches the question as typed and, when that is not a confident answer
    /// and it has sound-alikes of tax words (voice input: 发漂, 汇酸), as
    /// respelled; keeps the reading whose best candidate is more confident, so
    /// a respelling only ever helps.
    fn best_reading(&self, snap: &Snapshot, question: &str) -> Result<(Analysis, QueryTerms, Outcome), SearchError> {
        let read = |text: &str| -> Result<(Analysis, QueryTerms, Outcome), SearchError> {
            let analysis = snap.analyzer.analyze(text);
            let terms = QueryTerms::from_analysis(analysis.clone());
            let outcome = self.match_terms(snap, terms.clone(), None)?;
            Ok((analysis, terms, outcome))
        };
        let typed = read(question)?;
        // A confident answer needs no second reading (and most questions are typed, not spoken).
        if matches!(typed.2.decision, Decision::Answer { .. }) {
            return Ok(typed);
        }
        let Some(respelled) = snap.analyzer.respell(question) else { return Ok(typed) };
        let other = read(&respelled)?;
        let best = |o: &Outcome| o.ranked.first().map_or(0.0, |c| c.confidence.get());
        Ok(if best(&other.2) > best(&typed.2) { other } else { typed })
    }

    /// The outcome for a message that is not a tax question: nothing ranked,
    /// and nothing for a follow-up to borrow.
    pub(super) fn out_of_scope(service: Option<&'static Service>) -> Outcome {
        Outcome {
            decision: Decision::OutOfScope { service },
            ranked: Vec::new(),
            turn: Turn::default(),
            used_context: false,
        }
    }
}

/// How a message relates to the turn before, from its wording.
struct Shape {
    /// It has a word of the tax vocabulary.
    tax_words: bool,
    /// It points back ("它…", "这个…").
    refers_back: bool,
    /// It moves on ("那印花税呢", "另外…") without pointing back.
    moves_on: bool,
    /// Too thin to stand alone: it leans on the turn before.
    thin: bool,
    /// It follows a turn that only named a topic or said who is asking, and
    /// got no answer: it is the question about that.
    refines: bool,
    /// Shaped as a follow-up in a tax conversation, so never out of scope for
    /// lacking tax words of its own ("那老二才一岁半呢").
    in_tax_talk: bool,
}

impl Shape {
    fn of(snap: &Snapshot, question: &str, analysis: &Analysis, previous: Option<&Turn>) -> Self {
        let tax_words = analysis.terms.iter().any(|t| snap.analyzer.is_domain_term(&t.text));
        let refers_back = points_back(question);
        let cued = opens_with_cue(question);
        // After a turn that only named a topic ("我是小规模", "信用等级的问题")
        // and got no answer, the next message is the question about it.
        let refines =
            previous.is_some_and(|p| (p.terms.names_only_a_topic || p.terms.tells_context) && p.entry.is_none());
        let thin = analysis.content_words <= THIN_QUESTION_WORDS
            || (analysis.content_words <= 4 && (refers_back || cued))
            || opens_with_back_reference(question)
            || is_na_ne(question)
            || refines;
        // A follow-up that points back ("它…", "这个…") may be about the entry just
        // answered; one that moves on ("那印花税呢", "另外…", "税率呢") asks about something else.
        let ne = ends_with_ne(question);
        let moves_on = (cued || ne) && !refers_back;
        let in_tax_talk = previous.is_some_and(|p| p.terms.all_terms().any(|t| snap.analyzer.is_domain_term(t)))
            && (refers_back || cued || ne);
        Shape { tax_words, refers_back, moves_on, thin, refines, in_tax_talk }
    }
}

/// What step 2 of [`Searcher::read_in_context`] found.
enum Confirmation {
    /// The question is answered because of the conversation's area.
    Answered(Outcome),
    /// Not answered; the reading with the topic, when it was made.
    Read(Option<Outcome>),
}

/// A follow-up's own terms and its two readings (the one with the topic when made).
struct Readings<'a> {
    own: &'a QueryTerms,
    alone: Outcome,
    with_topic: Option<Outcome>,
}

/// The candidate of the reading with the topic (`merged`) that confirms
/// `first`, the question's own first choice: first there too, at least as
/// confident as a brief question needs ("批下来了这期间税还要先交吗" after
/// asking to delay a return because of a flood).
fn confirming<'a>(
    merged: &'a Outcome,
    first: &EntryId,
    previous_entry: Option<&EntryId>,
    s: &Settings,
) -> Option<&'a Candidate> {
    let mut ranked = merged.ranked.iter();
    let top = ranked.next()?;
    if top.entry.id == *first {
        return (top.confidence.get() >= s.single_answer_threshold).then_some(top);
    }
    // The topic's words favour the entry just answered, which a follow-up
    // does not ask again; next to it, they point at the question's own choice.
    let next = ranked.next().filter(|_| Some(&top.entry.id) == previous_entry)?;
    (next.entry.id == *first).then_some(next)
}

/// The question's first choice when it is the only plausible one (no other
/// reaches `clarify_floor`) and at least `IN_AREA_SOLE_CONFIDENCE`.
fn sole_plausible<'a>(alone: &'a Outcome, s: &Settings) -> Option<&'a Candidate> {
    let first = alone.ranked.first()?;
    let second = alone.ranked.get(1).map_or(0.0, |c| c.confidence.get());
    (first.confidence.get() >= IN_AREA_SOLE_CONFIDENCE && second < s.clarify_floor).then_some(first)
}

/// The entry just answered, when a message that nothing else answers, and
/// whose own nearest entry is that one, asks about a detail of it: the entry
/// uses every rare word of the message ("那要是碰上国庆放假呢" after the filing
/// deadline, whose answer covers holidays; "那要是中了两万…" after the lottery
/// prize answer; "M级呢" after the credit levels). "那要是错过了呢" after the
/// 汇算 dates is nearest to the entry on missing them, although the dates'
/// answer mentions 错过 in passing; "那印花税呢" after a 契税 answer that
/// mentions 印花税 is nearest to a 印花税 entry.
/// "那要是不补会怎样" after an answer on why tax is due names only common
/// words, which says nothing about what that answer covers: a human is offered.
fn detail_of<'a>(
    snap: &Snapshot,
    reading: &'a Outcome,
    own: &QueryTerms,
    previous_entry: Option<&EntryId>,
) -> Option<&'a Candidate> {
    let previous_entry = previous_entry?;
    let ord = snap.position(previous_entry.as_str())?;
    let rare: Vec<&String> = own
        .terms
        .iter()
        .filter(|t| snap.terms.get(t).is_some() && snap.terms.entry_share(t) < RARE_WORD_SHARE)
        .collect();
    let covered = !rare.is_empty() && super::rerank::uses_every_word(snap, ord, rare.iter().copied());
    tracing::debug!(covered, rare = ?rare, "detail of the entry just answered");
    covered.then(|| reading.ranked.iter().find(|c| &c.entry.id == previous_entry)).flatten()
}

/// The follow-up answered with `answer`, a candidate of `reading` (alone or
/// with the topic), because of the conversation so far.
fn answered_with(reading: Outcome, answer: Candidate) -> Outcome {
    let turn = answered_turn(&reading, &answer);
    let decision = Decision::Answer { entry: answer.entry, confidence: answer.confidence };
    Outcome { decision, turn, used_context: true, ..reading }
}

/// The decision and the first two candidates, for debug logs.
fn sketch(o: &Outcome) -> String {
    let top: Vec<String> =
        o.ranked.iter().take(2).map(|c| format!("{} {:.3}", c.entry.id, c.confidence.get())).collect();
    format!("{} [{}]", o.decision.kind(), top.join(", "))
}

/// Whether `question` is shaped to continue the conversation's topic: it
/// opens with 那/如果/要是… or points back ("这个…").
fn continues_the_topic(question: &str) -> bool {
    opens_with_cue(question) || opens_with_back_reference(question)
}

/// Whether `question` points back anywhere ("…这个要交吗", "他自己能…"),
/// not counting 其他 and the like.
fn points_back(question: &str) -> bool {
    let inside_a_non_reference = |w: &str, at: usize| {
        NOT_BACK_REFERENCES.iter().any(|n| {
            n.find(w).is_some_and(|offset| {
                at.checked_sub(offset).and_then(|start| question.get(start..)).is_some_and(|s| s.starts_with(n))
            })
        })
    };
    BACK_REFERENCES.iter().any(|w| question.match_indices(w).any(|(at, _)| !inside_a_non_reference(w, at)))
}

/// Whether `question` opens with a follow-up cue ("那个体户呢？", "如果是…").
fn opens_with_cue(question: &str) -> bool {
    FOLLOW_UP_CUES.iter().any(|c| question.trim_start().starts_with(c))
}

/// Whether `question` opens by pointing back ("这笔钱要并到年度汇算里吗"):
/// whatever its length, it is about what was just said. "这个月" and the
/// like name a time, not a topic.
pub(super) fn opens_with_back_reference(question: &str) -> bool {
    let q = question.trim_start();
    BACK_REFERENCES.iter().any(|w| q.starts_with(w)) && !TIME_WORDS.iter().any(|t| q.starts_with(t))
}

/// Whether `question` ends with 呢 ("税率呢"): it asks the last question
/// about something else.
pub(super) fn ends_with_ne(question: &str) -> bool {
    question.trim().trim_end_matches(|c: char| c.is_ascii_punctuation() || "？。！，～ ".contains(c)).ends_with('呢')
}

/// Whether `question` has the shape "那…呢" ("那要是拖到7月份还没交呢"):
/// whatever its length, it asks the last question again about something else.
pub(super) fn is_na_ne(question: &str) -> bool {
    question.trim_start().starts_with('那') && ends_with_ne(question)
}

/// Chooses between a follow-up matched alone and with the previous turn's
/// words; `new_topic`: the follow-up names a tax word the previous turn did
/// not; `moves_on`: it starts like "那…" or "另外…" without pointing back.
fn settle(
    alone: Outcome,
    merged: Outcome,
    previous: Option<&EntryId>,
    (new_topic, moves_on): (bool, bool),
    s: &Settings,
) -> Outcome {
    if let (Some(a), Some(m)) = (alone.ranked.first(), merged.ranked.first()) {
        let agree = a.entry.id == m.entry.id
            && Some(&m.entry.id) != previous
            && a.confidence.get().min(m.confidence.get()) >= AGREEMENT_CONFIDENCE;
        if agree {
            let decision = Decision::Answer {
                entry: m.entry.clone(),
                confidence: if m.confidence.get() >= a.confidence.get() { m.confidence } else { a.confidence },
            };
            let turn = answered_turn(&merged, m);
            return Outcome { decision, turn, used_context: true, ..merged };
        }
    }
    if let Some(picked) = picked_by_topic(&alone, &merged, previous).cloned() {
        return answered_with(merged, picked);
    }
    let stands_alone = new_topic
        && alone
            .ranked
            .first()
            .is_some_and(|c| c.confidence.get() >= SELF_CONTAINED_CONFIDENCE && Some(&c.entry.id) != previous);
    if stands_alone || offers_only(&merged, previous) {
        return without_repeat(alone, previous, moves_on, s);
    }
    without_repeat(Outcome { used_context: true, ..merged }, previous, moves_on, s)
}

/// When the follow-up alone leaves a choice ("那印花税呢": which 印花税 entry?)
/// and the topic so far clearly prefers one of the offered entries (other
/// than the one just answered), that one: the taxpayer already said which.
fn picked_by_topic<'a>(alone: &Outcome, merged: &'a Outcome, previous: Option<&EntryId>) -> Option<&'a Candidate> {
    let Decision::Clarify { candidates } = &alone.decision else { return None };
    let offered = |c: &&Candidate| Some(&c.entry.id) != previous && candidates.iter().any(|o| o.entry.id == c.entry.id);
    let mut in_topic = merged.ranked.iter().filter(offered);
    let first = in_topic.next()?;
    let second = in_topic.next().map_or(0.0, |c| c.confidence.get());
    // With one entry offered there is nothing to pick: the topic must prefer it
    // to every entry it was not offered ("要带什么材料" after 个体户注销 is not
    // about whichever entry alone was nearest).
    let topic_first = merged.ranked.iter().find(|c| Some(&c.entry.id) != previous);
    let preferred = candidates.len() > 1 || topic_first.is_some_and(|c| c.entry.id == first.entry.id);
    (preferred && first.confidence.get() >= TOPIC_PICK_FLOOR && first.confidence.get() >= TOPIC_PICK_LEAD * second)
        .then_some(first)
}

/// What a follow-up answered with `answer` from the `merged` reading leaves
/// for the next turn: the merged terms and the answer.
fn answered_turn(merged: &Outcome, answer: &Candidate) -> Turn {
    Turn {
        terms: merged.turn.terms.clone(),
        entry: Some(answer.entry.id.clone()),
        area: Some(answer.entry.category.clone()),
    }
}

/// Whether the outcome is a clarification whose every candidate is `previous`.
fn offers_only(o: &Outcome, previous: Option<&EntryId>) -> bool {
    match (&o.decision, previous) {
        (Decision::Clarify { candidates }, Some(p)) => candidates.iter().all(|c| &c.entry.id == p),
        _ => false,
    }
}

/// A follow-up that `moves_on` ("那印花税呢", "另外…") is never answered with
/// the entry just answered, and its clarification never offers it again: the
/// taxpayer has just read it. It is dropped from the choices; when nothing is
/// left the taxpayer is offered a human, and when one plausible entry is left,
/// it is the answer. Any other question asked again is answered again; only a
/// clarification offering nothing but the entry just answered becomes a human
/// offer.
pub(super) fn without_repeat(o: Outcome, previous: Option<&EntryId>, moves_on: bool, s: &Settings) -> Outcome {
    let Some(previous) = previous else { return o };
    if !moves_on && !offers_only(&o, Some(previous)) {
        return o;
    }
    let rest: Vec<Candidate> = match &o.decision {
        Decision::Clarify { candidates } if candidates.iter().any(|c| &c.entry.id == previous) => {
            candidates.iter().filter(|c| &c.entry.id != previous).cloned().collect()
        }
        Decision::Answer { entry, .. } if &entry.id == previous => o
            .ranked
            .iter()
            .filter(|c| &c.entry.id != previous && c.confidence.get() >= s.clarify_floor)
            .take(s.max_clarify.max(1))
            .cloned()
            .collect(),
        _ => return o,
    };
    let decision = match rest.as_slice() {
        [] => Decision::NoMatch { nearest: o.ranked.first().cloned() },
        [only] if only.confidence.get() >= s.clarify_floor => {
            Decision::Answer { entry: only.entry.clone(), confidence: only.confidence }
        }
        _ => Decision::Clarify { candidates: rest },
    };
    let entry = decision.answered().map(|e| e.id.clone());
    let area = decision.answered().map(|e| e.category.clone()).or(o.turn.area.clone());
    Outcome { decision, turn: Turn { entry, area, ..o.turn }, ..o }
}
