use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;

use super::*;
use crate::kb::{Category, Entry, EntryId, Source};
use crate::text::{Analyzer, Lexicon, parse_dict, parse_stopwords, parse_synonyms};
use decide::{Coverage, Topic};

fn entry(id: &str, question: &str, similar: &[&str], keywords: &[&str], answer: &str) -> Entry {
    Entry {
        id: EntryId::try_from(id.to_owned()).expect("id"),
        category: Category::try_from(id.split('-').next().unwrap_or("X").to_owned()).expect("category"),
        question: question.into(),
        similar: similar.iter().map(|s| s.to_string()).collect(),
        keywords: keywords.iter().map(|s| s.to_string()).collect(),
        sources: vec![Source { title: "《测试》".into(), wenhao: "测试第1号".into() }],
        effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        effective_until: None,
        reviewed: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
        review_note: None,
        answer: answer.into(),
    }
}

fn entries() -> Vec<Entry> {
    vec![
        entry(
            "VAT-007",
            "小规模纳税人月销售额10万元以下免征增值税吗？",
            &["小规模一个月开票没超10万要交增值税吗", "小规模纳税人免征额是多少"],
            &["免征增值税", "小规模纳税人"],
            "月销售额不超过10万元免征增值税。",
        ),
        entry(
            "IND-009",
            "个体工商户月销售额多少以内免征增值税？",
            &["个体户一个月卖多少钱不用交增值税"],
            &["个体工商户", "免征增值税"],
            "个体工商户月销售额不超过10万元免征增值税。",
        ),
        entry(
            "IIT-001",
            "个人所得税综合所得年度汇算的办理时间是什么时候？",
            &["个税汇算什么时候开始", "汇算清缴截止到几号"],
            &["年度汇算", "办理时间"],
            "次年3月1日至6月30日。",
        ),
        entry(
            "INV-010",
            "开错的增值税专用发票怎么红冲？",
            &["专票开错了怎么红冲", "专票红冲流程"],
            &["红字发票", "红冲"],
            "通过电子税务局开具红字发票。",
        ),
        entry(
            "REG-005",
            "注销税务登记需要什么材料？",
            &["公司注销税务要准备哪些资料", "税务注销流程"],
            &["注销", "税务登记"],
            "需要提交注销申请等材料。",
        ),
        entry(
            "SAD-001",
            "子女教育专项附加扣除的标准是多少？",
            &["孩子上学个税能扣多少", "子女教育每月扣除多少"],
            &["子女教育", "专项附加扣除"],
            "每个子女每月2000元。",
        ),
    ]
}

fn analyzer() -> Arc<Analyzer> {
    let (words, _) = parse_dict(
        "小规模纳税人 20000 nz\n个体工商户 20000 nz\n汇算 8000 v\n红冲 8000 v\n专票 8000 nz\n汇算清缴 9000 nz\n专项附加扣除 9000 nz\n",
    );
    let (synonym_groups, _) =
        parse_synonyms("个人所得税 个税\n增值税专用发票 专票\n汇算清缴 汇算\n个体工商户 个体户\n小规模纳税人 小规模\n");
    let stopwords = parse_stopwords("请问\n怎么\n吗\n呢\n的\n我\n那\n要\n什么\n是\n了\n");
    Arc::new(Analyzer::new(&Lexicon { words, synonym_groups, stopwords }))
}

#[test]
fn every_entry_answered_comes_with_related_questions() {
    let s = shipped();
    for e in s.snapshot().entries() {
        let related = s.related(e, &[], 3);
        assert!(!related.is_empty(), "{} has no related questions", e.id);
        assert!(related.iter().all(|r| r.id != e.id), "{} relates to itself", e.id);
    }
}

fn searcher() -> Searcher {
    Searcher::new(Snapshot::build(entries(), analyzer()).expect("build"), Settings::default())
}

fn top_id(o: &Outcome) -> &str {
    o.ranked.first().map(|c| c.entry.id.as_str()).unwrap_or("")
}

#[test]
fn answers_a_paraphrased_question_with_the_right_entry() {
    let s = searcher();
    let o = s.ask("请问个税汇算什么时候开始办呢").expect("search");
    assert_eq!(top_id(&o), "IIT-001");
    assert!(matches!(o.decision, Decision::Answer { .. }), "{:?}", o.decision.kind());
}

#[test]
fn confidence_is_in_unit_range_and_sorted() {
    let s = searcher();
    for q in ["专票红冲", "小规模免税", "天气怎么样", "个税"] {
        let o = s.ask(q).expect("search");
        let c: Vec<f32> = o.ranked.iter().map(|c| c.confidence.get()).collect();
        assert!(c.iter().all(|x| (0.0..=1.0).contains(x)), "{q}: {c:?}");
        assert!(c.windows(2).all(|w| w[0] >= w[1]), "{q}: {c:?}");
    }
}

#[test]
fn off_topic_questions_are_not_answered() {
    let s = searcher();
    for q in ["今天天气怎么样", "推荐一只股票", "hello world"] {
        let o = s.ask(q).expect("search");
        assert!(!matches!(o.decision, Decision::Answer { .. }), "{q} answered with {}", top_id(&o));
    }
}

#[test]
fn hostile_input_gets_a_decision_not_a_panic() {
    let s = searcher();
    let long = "个税".repeat(5_000);
    for q in ["", "   ", "😀😀", "\u{0000}\u{001b}[31m", long.as_str(), "VAT专票ｒｅｄ冲？？"] {
        let o = s.ask(q).expect("search");
        if q.trim().is_empty() || q == "😀😀" {
            assert!(matches!(o.decision, Decision::NoMatch { nearest: None }), "{q:?}");
        }
    }
}

/// The shipped knowledge base, built once for the tests that need real breadth.
fn shipped() -> &'static Searcher {
    static SHIPPED: std::sync::OnceLock<Searcher> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
        let kb = crate::kb::load(&dir).expect("shipped knowledge base");
        Searcher::new(Snapshot::from_kb(&kb).expect("build"), Settings::default())
    })
}

#[test]
fn a_thin_follow_up_borrows_the_previous_turn() {
    let s = shipped();
    let first = s.ask("我们公司要注销了，税务注销怎么办理").expect("search");
    let subject = top_id(&first).to_owned();
    assert!(subject.starts_with("REG-"), "{subject}");
    let alone = s.ask("要带什么材料").expect("search");
    assert!(!matches!(alone.decision, Decision::Answer { .. }), "alone: {}", top_id(&alone));
    let follow = s.ask_after("要带什么材料", Some(&first.turn)).expect("search");
    assert!(follow.used_context);
    assert!(top_id(&follow).starts_with("REG-"), "{}", top_id(&follow));
}

#[test]
fn a_follow_up_about_another_subject_moves_to_that_subject() {
    let s = shipped();
    let first = s.ask("小规模纳税人月销售额10万以下免征增值税吗").expect("search");
    assert_eq!(top_id(&first), "VAT-007");
    let follow = s.ask_after("那个体户呢？", Some(&first.turn)).expect("search");
    assert_eq!(top_id(&follow), "IND-009");
}

#[test]
fn a_complete_question_ignores_the_previous_turn() {
    let s = searcher();
    let first = s.ask("注销税务登记").expect("search");
    let next = s.ask_after("子女教育专项附加扣除每月扣多少", Some(&first.turn)).expect("search");
    assert!(!next.used_context);
    assert_eq!(top_id(&next), "SAD-001");
}

#[test]
fn swapping_the_snapshot_never_fails_a_running_query() {
    let s = Arc::new(searcher());
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (s, stop) = (s.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) || n < 50 {
                    let o = s.ask("专票开错了怎么红冲").expect("query during swap");
                    assert_eq!(top_id(&o), "INV-010");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut changed = entries();
    changed[3].answer = "新版答案：在电子税务局开具红字发票。".into();
    for _ in 0..5 {
        s.replace(Snapshot::build(changed.clone(), analyzer()).expect("rebuild"));
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        assert!(r.join().expect("reader thread") >= 50);
    }
    let o = s.ask("专票开错了怎么红冲").expect("search");
    assert!(o.decision.answered().expect("answered").answer.starts_with("新版答案"));
}

#[test]
fn explain_names_the_fields_that_matched() {
    let s = searcher();
    let snap = s.snapshot();
    let entry = snap.entries().iter().find(|e| e.id.as_str() == "INV-010").expect("entry").clone();
    let m = explain(&snap, "专票红冲", &entry);
    assert!(m.iter().any(|f| f.field == "similar" && f.terms.contains(&"红冲".to_owned())), "{m:?}");
}

#[test]
fn decisions_follow_the_thresholds() {
    let e = Arc::new(entries().remove(0));
    let c = |x: f32| Candidate { entry: e.clone(), confidence: Confidence::new(x), signals: Signals::default() };
    let s = Settings {
        answer_threshold: 0.8,
        margin: 0.05,
        sole_answer_threshold: 0.7,
        covered_sole_threshold: 0.55,
        clarify_threshold: 0.3,
        clarify_floor: 0.1,
        ..Settings::default()
    };
    assert!(matches!(
        decide::decide(&[c(0.9), c(0.2)], false, Topic::Asked, Coverage::Partial, &s),
        Decision::Answer { .. }
    ));
    assert!(
        matches!(decide::decide(&[c(0.5), c(0.2), c(0.05)], true, Topic::Asked, Coverage::Partial, &s), Decision::Clarify { ref candidates } if candidates.len() == 2)
    );
    assert!(
        matches!(decide::decide(&[c(0.9), c(0.88)], true, Topic::Asked, Coverage::Partial, &s), Decision::Clarify { ref candidates } if candidates.len() == 2)
    );
    assert!(matches!(
        decide::decide(&[c(0.1)], true, Topic::Asked, Coverage::Partial, &s),
        Decision::NoMatch { nearest: Some(_) }
    ));
    assert!(matches!(
        decide::decide(&[], true, Topic::Asked, Coverage::Partial, &s),
        Decision::NoMatch { nearest: None }
    ));
    // The only plausible entry of a brief question is answered; of another
    // question it is offered, unless it reaches `sole_answer_threshold`.
    assert!(matches!(
        decide::decide(&[c(0.6), c(0.05)], true, Topic::Asked, Coverage::Partial, &s),
        Decision::Answer { .. }
    ));
    assert!(matches!(
        decide::decide(&[c(0.6), c(0.05)], false, Topic::Asked, Coverage::Partial, &s),
        Decision::Clarify { .. }
    ));
    assert!(matches!(
        decide::decide(&[c(0.75), c(0.05)], false, Topic::Asked, Coverage::Partial, &s),
        Decision::Answer { .. }
    ));
    assert!(matches!(
        decide::decide(&[c(0.75), c(0.2)], false, Topic::Asked, Coverage::Partial, &s),
        Decision::Clarify { .. }
    ));
    // ...or is a clear favourite there (`brief_lead` times the next).
    assert!(matches!(
        decide::decide(&[c(0.75), c(0.12)], false, Topic::Asked, Coverage::Partial, &s),
        Decision::Answer { .. }
    ));
    assert!(matches!(
        decide::decide(&[c(0.75), c(0.12)], false, Topic::Named, Coverage::Partial, &s),
        Decision::Clarify { .. }
    ));
    assert!(matches!(
        decide::decide(&[c(0.6), c(0.2)], true, Topic::Asked, Coverage::Partial, &s),
        Decision::Clarify { .. }
    ));
    // A brief question's best candidate far ahead of the next (`brief_lead`) is answered too.
    assert!(matches!(
        decide::decide(&[c(0.6), c(0.11)], true, Topic::Asked, Coverage::Partial, &s),
        Decision::Answer { .. }
    ));
    assert!(matches!(
        decide::decide(&[c(0.6), c(0.11)], false, Topic::Asked, Coverage::Partial, &s),
        Decision::Clarify { .. }
    ));
    // ...unless it only names a topic ("社保费"): then only a sole plausible one is.
    assert!(matches!(
        decide::decide(&[c(0.6), c(0.11)], true, Topic::Named, Coverage::Partial, &s),
        Decision::Clarify { .. }
    ));
    assert!(matches!(
        decide::decide(&[c(0.6), c(0.04)], true, Topic::Named, Coverage::Partial, &s),
        Decision::Answer { .. }
    ));
    // A question's sole plausible entry that uses every tax word of it needs
    // only `covered_sole_threshold`, unless the question only names a topic.
    assert!(matches!(
        decide::decide(&[c(0.6), c(0.05)], false, Topic::Asked, Coverage::Whole, &s),
        Decision::Answer { .. }
    ));
    assert!(matches!(
        decide::decide(&[c(0.5), c(0.05)], false, Topic::Asked, Coverage::Whole, &s),
        Decision::Clarify { .. }
    ));
    assert!(matches!(
        decide::decide(&[c(0.6), c(0.05)], false, Topic::Named, Coverage::Whole, &s),
        Decision::Clarify { .. }
    ));
    // A question naming a tax word no entry uses is never answered, however sure.
    assert!(matches!(
        decide::decide(&[c(0.99), c(0.0)], true, Topic::Asked, Coverage::Outside, &s),
        Decision::Clarify { .. }
    ));
    assert_eq!(Confidence::new(f32::NAN).get(), 0.0);
    assert_eq!(Confidence::new(3.0).get(), 1.0);
}

#[test]
fn a_clarification_never_offers_the_entry_just_answered_again() {
    let all = entries();
    let (shown, other, third) = (Arc::new(all[0].clone()), Arc::new(all[1].clone()), Arc::new(all[2].clone()));
    let c = |e: &Arc<Entry>, x: f32| Candidate {
        entry: e.clone(),
        confidence: Confidence::new(x),
        signals: Signals::default(),
    };
    let clarify = |candidates: Vec<Candidate>| Outcome {
        decision: Decision::Clarify { candidates: candidates.clone() },
        ranked: candidates,
        turn: Turn::default(),
        used_context: true,
    };
    let previous = Some(&shown.id);
    let s = Settings::default();
    // One plausible entry left once the one just answered is dropped: answered.
    let o = context::without_repeat(clarify(vec![c(&shown, 0.5), c(&other, 0.4)]), previous, true, &s);
    assert!(matches!(&o.decision, Decision::Answer { entry, .. } if entry.id == other.id), "{:?}", o.decision);
    assert_eq!(o.turn.entry.as_ref(), Some(&other.id));
    // Several left: still a clarification, without the entry just answered.
    let o = context::without_repeat(clarify(vec![c(&other, 0.4), c(&shown, 0.3), c(&third, 0.2)]), previous, true, &s);
    assert!(
        matches!(&o.decision, Decision::Clarify { candidates } if candidates.len() == 2 && candidates.iter().all(|c| c.entry.id != shown.id)),
        "{:?}",
        o.decision
    );
    // Only the entry just answered: a human is offered instead.
    let o = context::without_repeat(clarify(vec![c(&shown, 0.6)]), previous, true, &s);
    assert!(matches!(o.decision, Decision::NoMatch { .. }));
    // An answer with the entry just answered becomes the runners-up.
    let answer = |ranked: Vec<Candidate>| Outcome {
        decision: Decision::Answer { entry: ranked[0].entry.clone(), confidence: ranked[0].confidence },
        ranked,
        turn: Turn::default(),
        used_context: true,
    };
    let o = context::without_repeat(answer(vec![c(&shown, 0.9), c(&other, 0.06), c(&third, 0.01)]), previous, true, &s);
    assert!(matches!(&o.decision, Decision::Answer { entry, .. } if entry.id == other.id), "{:?}", o.decision);
    let o = context::without_repeat(answer(vec![c(&shown, 0.9), c(&other, 0.02)]), previous, true, &s);
    assert!(matches!(o.decision, Decision::NoMatch { .. }), "{:?}", o.decision);
    // A self-contained question asked again is answered again, and its
    // clarification keeps its choices unless the entry just answered is all it offers.
    let o = context::without_repeat(answer(vec![c(&shown, 0.9), c(&other, 0.06)]), previous, false, &s);
    assert!(matches!(&o.decision, Decision::Answer { entry, .. } if entry.id == shown.id));
    let o = context::without_repeat(clarify(vec![c(&shown, 0.5), c(&other, 0.4)]), previous, false, &s);
    assert!(matches!(&o.decision, Decision::Clarify { candidates } if candidates.len() == 2));
    let o = context::without_repeat(clarify(vec![c(&shown, 0.6)]), previous, false, &s);
    assert!(matches!(o.decision, Decision::NoMatch { .. }));
    // Without an entry just answered nothing changes.
    let o = context::without_repeat(answer(vec![c(&shown, 0.9)]), None, true, &s);
    assert!(matches!(o.decision, Decision::Answer { .. }));
}

#[test]
fn a_follow_up_that_points_back_may_stay_with_the_entry_just_answered() {
    let s = shipped();
    let first = s.ask("交个人养老金能少交个税吗").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("IIT-021"), "{:?}", first.decision.kind());
    let follow = s.ask_after("它一年上限多少", Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("IIT-021"), "{:?}", follow.decision.kind());
    // Without the pointer, a follow-up is never answered with the entry just answered.
    let other = s.ask_after("那商业健康险呢", Some(&first.turn)).expect("search");
    assert_ne!(other.decision.answered().map(|e| e.id.as_str()), Some("IIT-021"));
}

#[test]
fn a_follow_up_naming_a_sibling_is_answered_from_the_topic_so_far() {
    let s = shipped();
    for (question, first_id, follow_up, follow_id) in [
        ("首套房契税怎么算", "PROP-007", "那印花税呢", "PROP-013"),
        ("纳税信用A级有啥好处", "CRD-009", "那D级呢", "CRD-008"),
    ] {
        let first = s.ask(question).expect("search");
        assert_eq!(top_id(&first), first_id);
        // Alone, "那印花税呢" could be any 印花税 entry: the topic so far picks one.
        let alone = s.ask(follow_up).expect("search");
        assert!(matches!(alone.decision, Decision::Clarify { .. }), "{follow_up}: {:?}", alone.decision.kind());
        let follow = s.ask_after(follow_up, Some(&first.turn)).expect("search");
        assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some(follow_id), "{follow_up}");
    }
}

#[test]
fn respelling_rewrites_sound_alikes_but_never_a_tax_word_spelled_right() {
    let snap = shipped().snapshot();
    let analyzer = &snap.analyzer;
    assert_eq!(analyzer.respell("汇酸什么时候截止").as_deref(), Some("汇算什么时候截止"));
    assert_eq!(analyzer.respell("年中奖怎么交个税").as_deref(), Some("年终奖怎么交个税"));
    // 所 sounds like 税 once zh/z and uo/ui are folded; 消费税 like 消废水.
    for typed in ["滞纳金能抵所得税吗", "白酒消费税怎么交", "要去税务局报备吗"] {
        let respelled = analyzer.respell(typed);
        assert!(respelled.is_none(), "{typed} → {respelled:?}");
    }
}

#[test]
fn the_topic_confirms_a_choice_only_in_its_own_area() {
    let s = shipped();
    let follow_up = "批下来了这期间税还要先交吗";
    let alone = s.ask(follow_up).expect("search");
    assert!(!matches!(alone.decision, Decision::Answer { .. }), "alone: {}", alone.decision.kind());
    let first = s.ask("厂子被水淹了 申报能往后推吗").expect("search");
    assert!(!matches!(first.decision, Decision::Answer { .. }), "first: {}", first.decision.kind());
    assert_eq!(first.turn.area.as_ref().map(|c| c.as_str()), Some("FIL"));
    let follow = s.ask_after(follow_up, Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("FIL-008"));
    assert!(follow.used_context);
    // After a question about another area the choice stays a choice.
    let unrelated = s.ask("首套房契税怎么算").expect("search");
    let after = s.ask_after(follow_up, Some(&unrelated.turn)).expect("search");
    assert_eq!(after.decision.kind(), alone.decision.kind());
}

#[test]
fn a_long_follow_up_that_opens_by_pointing_back_or_asks_na_ne_keeps_the_topic() {
    use super::context::{ends_with_ne, is_na_ne, opens_with_back_reference};
    assert!(opens_with_back_reference("这笔钱要并到年度汇算里吗"));
    assert!(opens_with_back_reference(" 它在app上哪里填"));
    assert!(!opens_with_back_reference("这个月申报截止日碰上国庆了 往后顺延不"));
    assert!(!opens_with_back_reference("我想问这个"));
    assert!(is_na_ne("那要是拖到7月份还没交呢？"));
    assert!(!is_na_ne("那些发票怎么认证"));
    assert!(ends_with_ne("税率呢？") && !ends_with_ne("呢称怎么改"));
    let s = shipped();
    let first = s.ask("被裁员拿了N+1 超过3倍社平的部分咋算税").expect("search");
    let follow = s.ask_after("这笔钱要并到年度汇算里吗", Some(&first.turn)).expect("search");
    assert!(follow.used_context, "{}", follow.decision.kind());
}

#[test]
fn a_follow_up_asking_x_ne_never_gets_the_same_answer_again() {
    let s = shipped();
    let first = s.ask("个体户的经营所得个税 我自己在手机上咋报").expect("search");
    let answered = first.decision.answered().map(|e| e.id.clone()).expect("answered");
    let follow = s.ask_after("税率呢", Some(&first.turn)).expect("search");
    assert_ne!(follow.decision.answered().map(|e| &e.id), Some(&answered));
}

#[test]
fn the_topic_confirms_the_choice_right_behind_the_entry_just_answered() {
    let s = shipped();
    let follow_up = "那餐饮企业能享受不";
    assert!(s.ask(follow_up).expect("search").decision.answered().is_none());
    let first = s.ask("研发费用加计扣除 人员工资能算进去吗").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("CIT-006"));
    let follow = s.ask_after(follow_up, Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("CIT-004"));
}

#[test]
fn a_sole_plausible_entry_in_the_conversations_area_is_the_answer() {
    let s = shipped();
    let follow_up = "断了半年能补吗";
    let alone = s.ask(follow_up).expect("search");
    assert!(matches!(alone.decision, Decision::Clarify { .. }), "{}", alone.decision.kind());
    let first = s.ask("灵活就业自己交养老保险 缴费基数怎么选").expect("search");
    let follow = s.ask_after(follow_up, Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("SSF-008"));
    // In another area it stays a choice.
    let unrelated = s.ask("首套房契税怎么算").expect("search");
    let after = s.ask_after(follow_up, Some(&unrelated.turn)).expect("search");
    assert_eq!(after.decision.kind(), "clarify");
}

#[test]
fn a_follow_up_naming_a_weak_service_stays_in_tax_only_with_an_answer() {
    let s = shipped();
    let follow_up = "那结婚后房本上加老婆名字呢";
    assert_eq!(s.ask(follow_up).expect("search").decision.kind(), "out_of_scope");
    let first = s.ask("第一套房子契税多少").expect("search");
    let follow = s.ask_after(follow_up, Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("PROP-009"));
    // A real errand of the same service is still out of scope.
    let errand = s.ask_after("那结婚登记要带啥", Some(&first.turn)).expect("search");
    assert_eq!(errand.decision.kind(), "out_of_scope");
}

#[test]
fn a_question_pointing_back_is_read_with_the_topic_when_answered_alone_elsewhere() {
    let s = shipped();
    let follow_up = "这个政策到哪年截止";
    let alone = s.ask(follow_up).expect("search");
    assert_eq!(alone.decision.answered().map(|e| e.category.as_str()), Some("SMA"));
    let first = s.ask("新买的设备单价三百万 企业所得税能一次性扣除吗").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("CIT-015"));
    let follow = s.ask_after(follow_up, Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("CIT-015"));
    // The topic reading need not beat the answer alone (0.955), only be sure.
    let first = s.ask("公司今年添了台八十万的机器 能一次性扣掉吗").expect("search");
    let follow = s.ask_after(follow_up, Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("CIT-015"));
    // A subject of its own, confidently answered alone, is not pulled back.
    let other = s.ask_after("这个信用能修复吗", Some(&first.turn)).expect("search");
    assert_eq!(other.decision.answered().map(|e| e.id.as_str()), Some("CRD-006"));
}

#[test]
fn a_question_naming_only_an_area_of_the_base_is_never_answered_by_default() {
    let s = shipped();
    // 汇算 and 个税 are words of many entries: the taxpayer has not asked yet.
    for opener in ["问个汇酸的事", "个税上的事"] {
        let o = s.ask(opener).expect("search");
        assert!(o.decision.answered().is_none(), "{opener} → {:?}", o.decision.answered().map(|e| &e.id));
    }
    // A narrow topic with one plausible entry is still answered.
    let o = s.ask("增值税即征即退").expect("search");
    assert_eq!(o.decision.answered().map(|e| e.id.as_str()), Some("REF-009"));
}

#[test]
fn the_question_after_a_topic_named_alone_is_read_with_that_topic() {
    let s = shipped();
    let question = "季度开票28万 要交增值税不";
    // Alone it could be a 个体户 or a 小规模 question.
    assert!(s.ask(question).expect("search").decision.answered().is_none());
    let opener = s.ask("想问问小规模的事").expect("search");
    assert!(opener.decision.answered().is_none() && opener.turn.terms.names_only_a_topic);
    let follow = s.ask_after(question, Some(&opener.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("VAT-007"));
}

#[test]
fn a_message_saying_who_is_asking_is_no_question_and_frames_the_next() {
    let s = shipped();
    // However likely the entry, "我们公司去年卖了快600万" has not asked yet.
    let told = s.ask("我们公司去年卖了快600万").expect("search");
    assert!(told.turn.terms.tells_context);
    assert!(told.decision.answered().is_none(), "{}", told.decision.kind());
    // The question after it is read with it, even when it would be answered alone.
    let question = "想自己开个修车铺 税上有啥照顾没";
    let alone = s.ask(question).expect("search");
    assert_ne!(alone.decision.answered().map(|e| e.id.as_str()), Some("SMA-009"));
    let disabled = s.ask("我是残疾人").expect("search");
    let follow = s.ask_after(question, Some(&disabled.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("SMA-009"));
    assert!(follow.used_context);
}

#[test]
fn a_person_named_again_points_back() {
    let s = shipped();
    let first = s.ask("办税员离职了，咋把他跟公司解绑").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("CH-005"));
    // 他 points back at the 办税员: the same entry answers it.
    let follow = s.ask_after("他自己能主动去解除吗", Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("CH-005"));
    // 其他 points nowhere: not the entry just answered again.
    let other = s.ask_after("还有其他要办的吗", Some(&first.turn)).expect("search");
    assert_ne!(other.decision.answered().map(|e| e.id.as_str()), Some("CH-005"));
}

#[test]
fn a_short_message_the_base_does_not_know_is_no_follow_up_unless_shaped_as_one() {
    let s = shipped();
    let first = s.ask("孩子上一年级了 子女教育一个月扣多少").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("SAD-001"));
    // Not answered with the topic's entry again, and not tax.
    let weather = s.ask_after("明天天气怎么样", Some(&first.turn)).expect("search");
    assert_eq!(weather.decision.kind(), "out_of_scope");
    // Shaped as a follow-up, it stays in the tax conversation (a human, if nothing fits).
    let younger = s.ask_after("那老二才一岁半呢", Some(&first.turn)).expect("search");
    assert_ne!(younger.decision.kind(), "out_of_scope");
}

#[test]
fn the_topic_does_not_pick_a_lone_choice_it_does_not_prefer() {
    let s = shipped();
    let first = s.ask("个体户怎么注销").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("IND-013"));
    // Alone, "要带什么材料" offers only the general 办税服务厅 papers entry;
    // with the topic, the 注销 entry that lists the papers comes first.
    let alone = s.ask("要带什么材料").expect("search");
    assert!(matches!(&alone.decision, Decision::Clarify { candidates } if candidates.len() == 1));
    let follow = s.ask_after("要带什么材料", Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("REG-008"));
}

#[test]
fn a_follow_up_moving_on_gets_the_same_answer_when_alone_it_is_sure_of_it() {
    let s = shipped();
    let first = s.ask("我爸住院自费三万 大病医疗能在我这扣吗").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("SAD-006"));
    // The 大病医疗 entry covers the spouse too, and the question alone says so.
    let follow = s.ask_after("那我老婆的呢 她自己花了两万", Some(&first.turn)).expect("search");
    assert_eq!(follow.decision.answered().map(|e| e.id.as_str()), Some("SAD-006"));
}

#[test]
fn a_tax_word_the_base_never_uses_is_outside_it_unless_made_of_words_it_does() {
    let snap = shipped().snapshot();
    let words = |list: &[&str]| list.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    assert!(rerank::unknown_to_the_base(&snap, "海南自由贸易港", &words(&["海南", "贸易"])));
    assert!(!rerank::unknown_to_the_base(&snap, "企业所得税", &[]));
    // 缴税凭证 is new to the base as one word, but 缴税 and 凭证 are not.
    assert!(!rerank::unknown_to_the_base(&snap, "缴税凭证", &words(&["缴税", "凭证"])));
    assert!(rerank::unknown_to_the_base(&snap, "缴税凭证", &words(&["缴税"])));
}

#[test]
fn a_message_an_entry_comes_near_is_never_called_not_tax() {
    let s = shipped();
    // No tax word and no answer, but 纳税信用 comes near: a human, not "不属于涉税咨询".
    let credit = s.ask("干哪些事会让信用一下子掉到最低那档").expect("search");
    assert!(credit.ranked.first().is_some_and(|c| c.confidence.get() >= 0.2));
    assert_eq!(credit.decision.kind(), "no_match");
    assert_eq!(s.ask("明天天气怎么样").expect("search").decision.kind(), "out_of_scope");
}

#[test]
fn this_tax_is_the_tax_the_turn_before_named() {
    let s = shipped();
    let first = s.ask("新车落地 购置税多少天内要交完").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("CAR-004"));
    // 这个税 is 车辆购置税: its 完税证明, not the 个税 one.
    let proof = s.ask_after("这个税交完去哪打证明", Some(&first.turn)).expect("search");
    assert_eq!(proof.decision.answered().map(|e| e.id.as_str()), Some("CAR-005"));
    let rate = s.ask_after("这个税率是多少", Some(&first.turn)).expect("search");
    assert_eq!(rate.decision.answered().map(|e| e.id.as_str()), Some("CAR-003"));
    // 这个税务局 is no tax.
    let bureau = context::naming_the_tax(&s.snapshot(), "这个税务局会查吗", &first.turn);
    assert_eq!(bureau, None);
}

#[test]
fn a_follow_up_about_a_detail_of_the_answer_gets_it_again() {
    let s = shipped();
    let first = s.ask("每个月报税截止到几号").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("FIL-001"));
    // The deadline answer says how holidays move it: the same answer again.
    let holiday = s.ask_after("那要是赶上国庆长假呢", Some(&first.turn)).expect("search");
    assert_eq!(holiday.decision.answered().map(|e| e.id.as_str()), Some("FIL-001"));
    // Only common words: nothing says the answer covers it, so a human, not a repeat.
    let first = s.ask("汇算显示要补税是怎么回事").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("IIT-004"));
    let unpaid = s.ask_after("那要是不补会怎样", Some(&first.turn)).expect("search");
    assert_eq!(unpaid.decision.kind(), "no_match");
    // A new tax word the answer covers, when alone it is nearest that answer too.
    let first = s.ask("纳税信用评上B级要多少分").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("CRD-001"));
    let level = s.ask_after("M级呢", Some(&first.turn)).expect("search");
    assert_eq!(level.decision.answered().map(|e| e.id.as_str()), Some("CRD-001"));
    // The dates' answer mentions 错过 in passing; the entry on missing them is nearer.
    let first = s.ask("个税汇算啥时候开始办").expect("search");
    assert_eq!(first.decision.answered().map(|e| e.id.as_str()), Some("IIT-001"));
    let missed = s.ask_after("那要是错过了呢", Some(&first.turn)).expect("search");
    assert_ne!(missed.decision.answered().map(|e| e.id.as_str()), Some("IIT-001"));
}

#[test]
fn a_spoken_opening_changes_nothing() {
    let s = shipped();
    let first = s.ask("首套房契税怎么算").expect("search");
    for follow_up in ["那印花税呢", "嗯 那个 那印花税呢", "我想问一下，那印花税呢"] {
        let follow = s.ask_after(follow_up, Some(&first.turn)).expect("search");
        let plain = s.ask_after("那印花税呢", Some(&first.turn)).expect("search");
        assert_eq!(follow.decision.kind(), plain.decision.kind(), "{follow_up}");
        assert_eq!(follow.decision.answered().map(|e| &e.id), plain.decision.answered().map(|e| &e.id));
        assert!(follow.used_context, "{follow_up}");
    }
}
