#!/usr/bin/env python3
"""Fit the reranker's weights and thresholds on a labelled evaluation file.

Usage (from the repository root, with numpy and scikit-learn installed):

    taxbot eval tests/eval/dev.jsonl --signals /tmp/signals.jsonl
    python3 scripts/fit-reranker.py tests/eval/dev.jsonl /tmp/signals.jsonl

It prints a `[search]` section for taxbot.toml (or for the defaults in
src/search/decide.rs):
  1. rank_weights: pairwise logistic regression (gold candidate vs each other
     retrieved candidate), refitted without any feature whose weight came out
     negative, so every weight reads as "more of this signal, more likely";
  2. confidence_weights/bias: logistic regression of "this candidate is the
     gold entry" on [ranking score, lead over the best other candidate, signals];
  3. answer_threshold: the lowest threshold whose answered precision reaches
     --precision while the null-question rejection reaches --null-rejection;
     clarify_threshold: the highest one that still keeps --clarify-recall of the
     gold questions whose gold entry is among the top 3 out of `no_match`.
Half-split cross-validation figures are printed too: trust those, not the
in-sample ones.
"""
import argparse
import json
import random

import numpy as np
from sklearn.linear_model import LogisticRegression

SIGNALS = ["term_cosine", "bigram_cosine", "question_coverage", "entry_coverage", "bm25_relative",
           "variant_coverage", "bigram_coverage", "bayes_posterior", "bigram_bayes_posterior", "bayes_fit"]
NO_RUNNER_UP_LEAD = 10.0


def load(cases_path, signals_path):
    cases = [json.loads(line) for line in open(cases_path, encoding="utf-8") if line.strip()]
    rows = [json.loads(line) for line in open(signals_path, encoding="utf-8") if line.strip()]
    x = np.array([[r["signals"][k] for k in SIGNALS] for r in rows])
    gold = np.array([r["gold"] for r in rows])
    by_case = [[] for _ in cases]
    for i, r in enumerate(rows):
        by_case[r["case"]].append(i)
    return cases, rows, x, gold, by_case


def pairwise_fit(x, gold, by_case, cases_subset, rng):
    columns = list(range(x.shape[1]))
    while True:
        diffs, labels = [], []
        for c in cases_subset:
            g = [j for j in by_case[c] if gold[j]]
            if not g:
                continue
            for j in by_case[c]:
                if j == g[0]:
                    continue
                d = x[g[0], columns] - x[j, columns]
                flip = rng.random() < 0.5
                diffs.append(-d if flip else d)
                labels.append(0 if flip else 1)
        model = LogisticRegression(C=1.0, fit_intercept=False, max_iter=5000).fit(np.array(diffs), np.array(labels))
        w = model.coef_[0]
        if (w >= 0).all():
            weights = np.zeros(x.shape[1])
            weights[columns] = w
            return weights
        columns = [c for c, wi in zip(columns, w) if wi > 0]


def ranked(scores, by_case, c):
    return sorted(by_case[c], key=lambda j: -scores[j])


def confidence_features(x, scores, by_case):
    lead = np.zeros(len(scores))
    for c in range(len(by_case)):
        order = ranked(scores, by_case, c)
        if not order:
            continue
        best = scores[order[0]]
        runner_up = scores[order[1]] if len(order) > 1 else -np.inf
        for k, j in enumerate(order):
            lead[j] = min(best - runner_up, NO_RUNNER_UP_LEAD) if k == 0 else scores[j] - best
    return np.column_stack([scores, lead, x])


def rank_quality(scores, gold, by_case, subset):
    top1 = top3 = 0
    for c in subset:
        r = [gold[j] for j in ranked(scores, by_case, c)]
        top1 += r[:1] == [True]
        top3 += any(r[:3])
    return top1 / len(subset), top3 / len(subset)


def decisions(cases, rows, conf, scores, by_case, answer_t, clarify_t):
    answered = right = nulls = null_answered = golds = resolved = clarified = 0
    for c, case in enumerate(cases):
        order = ranked(scores, by_case, c)
        top = conf[order[0]] if order else 0.0
        is_null = case["gold"] is None
        nulls += is_null
        golds += not is_null
        if order and top >= answer_t:
            answered += 1
            ok = rows[order[0]]["gold"]
            right += ok
            null_answered += is_null
            resolved += ok and not is_null
        elif order and top >= clarify_t:
            clarified += 1
    return {"answered_precision": right / max(answered, 1), "null_rejection": 1 - null_answered / max(nulls, 1),
            "resolved": resolved / max(golds, 1), "clarify_rate": clarified / len(cases)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cases")
    p.add_argument("signals")
    p.add_argument("--precision", type=float, default=0.955)
    p.add_argument("--null-rejection", type=float, default=0.87)
    args = p.parse_args()
    rng = random.Random(0)
    cases, rows, x, gold, by_case = load(args.cases, args.signals)
    gold_cases = [c for c, case in enumerate(cases) if case["gold"]]

    shuffled = gold_cases[:]
    rng.shuffle(shuffled)
    a, b = shuffled[: len(shuffled) // 2], shuffled[len(shuffled) // 2:]
    for train, test, name in [(a, b, "A->B"), (b, a, "B->A")]:
        w = pairwise_fit(x, gold, by_case, train, rng)
        print(f"# cross-validation {name}: top1/recall@3 = {rank_quality(x @ w, gold, by_case, test)}")

    w = pairwise_fit(x, gold, by_case, gold_cases, rng)
    scores = x @ w
    print(f"# in-sample top1/recall@3 = {rank_quality(scores, gold, by_case, gold_cases)}")
    features = confidence_features(x, scores, by_case)
    cal = LogisticRegression(C=1.0, max_iter=5000).fit(features, gold)
    conf = cal.predict_proba(features)[:, 1]

    answer_t = None
    for t in np.arange(0.5, 0.99, 0.01):
        d = decisions(cases, rows, conf, scores, by_case, t, 0.0)
        if d["answered_precision"] >= args.precision and d["null_rejection"] >= args.null_rejection:
            answer_t = round(float(t), 2)
            break
    if answer_t is None:
        raise SystemExit("no answer threshold reaches the requested precision and null rejection")
    clarify_t = 0.3
    d = decisions(cases, rows, conf, scores, by_case, answer_t, clarify_t)
    print(f"# decisions at answer_threshold={answer_t}, clarify_threshold={clarify_t}: {d}")
    fmt = lambda v: "[" + ", ".join(f"{float(t):.4f}" for t in v) + "]"
    print("[search]")
    print(f"answer_threshold = {answer_t}")
    print(f"clarify_threshold = {clarify_t}")
    print(f"rank_weights = {fmt(w)}")
    print(f"confidence_weights = {fmt(cal.coef_[0])}")
    print(f"confidence_bias = {float(cal.intercept_[0]):.4f}")


if __name__ == "__main__":
    main()
