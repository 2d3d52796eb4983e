"""Train, cross-validate and score the PROTOTYPE learned components (core.tagging.learned_trigger).

Trained on the dev split only (``eval/gold_dev.yaml``); nothing here reads the test split unless
``--test`` names a file (score only, after the model is fixed).

Sentence classifier labels (from the dev gold):

* positive: a sentence of a passage with a company's layoff mention (any status) that is the passage's
  only sentence, or holds the trigger of a mention the baseline tagger found for a gold company, or
  states a gold headcount;
* negative: a sentence of a passage with no company's layoff mention;
* other sentences (the other sentences of a layoff passage) are left out.

Agent classifier labels: every name (a company mention, or a capitalized name no mention covers) of a
sentence where the baseline tagger found another company's layoff mention; positive when the gold gives
that company a layoff mention.

``--cv``: 5 folds by passage over dev (passage index mod 5); each fold's passages are tagged with models
trained on the other four, for each pair of thresholds of ``--thresholds`` × ``--agent-thresholds``
("none": component off); the pair with the best cross-validated events F1 whose events and companies
precision stay within 0.01 of the baseline is kept. The final models (all of dev, those thresholds) are
written to ``monitor_pipeline/data/learned_trigger.json``. ``--test PATH --from-id ID`` then scores a
gold file from that id (e.g. a copy of gold_test.yaml cut before a batch not to be read).

    PYTHONPATH=$PWD python eval/train_learned_trigger.py --cv --thresholds none,0.9
    PYTHONPATH=$PWD python eval/train_learned_trigger.py --agent-threshold 0.8 --test /tmp/gold_test_cut.yaml --from-id t831
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor_pipeline.core.tagging.learned_trigger import (  # noqa: E402
    agent_candidates,
    agent_features,
    DEFAULT_MODEL,
    features,
    sentence_vector,
    train,
)
from monitor_pipeline.core.tagging.numeric_facts import find_metrics  # noqa: E402
from monitor_pipeline.core.tagging.syntax.parsing import load_parser  # noqa: E402
from monitor_pipeline.core.tagging.tagger import Tagger  # noqa: E402
from monitor_pipeline.core.text.clean import clean_text  # noqa: E402
from monitor_pipeline.evaluation.gold_eval import evaluate  # noqa: E402
from monitor_pipeline.evaluation.gold_format import CompanyResolver, GoldPassage, load_gold  # noqa: E402

FOLDS = 5


def sentence_examples(passages: Sequence[GoldPassage], tagger: Tagger,
                      all_sentences: bool = True) -> list[tuple[int, str, int]]:
    """(passage index, sentence, label) for the labelled sentences of ``passages`` (``all_sentences``
    False: only those passing the fallback's gate)."""
    cleaned = [clean_text(gp.text) for gp in passages]
    results = tagger.tag_many(cleaned)
    gate = tagger.lemma_triggers
    out: list[tuple[int, str, int]] = []
    for i, (gp, c, res) in enumerate(zip(passages, cleaned, results)):
        spans = [(s, e) for s, e in c.sentences if e > s] or [(0, len(c.text))]
        named = [l for l in gp.layoffs if l.company is not None]
        if not named:  # no layoff, or only company-less ones ("l'IA pourrait faire disparaître 300 millions d'emplois")
            label_of = {k: 0 for k in range(len(spans))}
        elif named:
            gold_ids = {l.company for l in named}
            heads = {l.headcount for l in named if l.headcount} | {l.headcount_low for l in named if l.headcount_low}
            label_of = {}
            for k, (s, e) in enumerate(spans):
                trig = any(l.company_id in gold_ids and l.trigger_start is not None and s <= l.trigger_start < e
                           for l in res.layoffs)
                head = any(m.value in heads for m in find_metrics(c.text[s:e]))
                if len(spans) == 1 or trig or head:
                    label_of[k] = 1
        for k, lab in label_of.items():
            s, e = spans[k]
            sentence = c.text[s:e]
            if all_sentences or gate._job_in_text is not None and gate._job_in_text.search(sentence.lower()):
                out.append((i, sentence, lab))
    return out


def agent_examples(passages: Sequence[GoldPassage], tagger: Tagger) -> list[tuple[int, set[str], int]]:
    """(passage index, features, label) for each company named in a sentence with a layoff mention of the
    baseline tagger but none of its own; label 1 when the gold gives that company a layoff mention."""
    tagger.learned = tagger.learned_agents = None
    cleaned = [clean_text(gp.text) for gp in passages]
    out: list[tuple[int, set[str], int]] = []
    for i, (gp, c, res) in enumerate(zip(passages, cleaned, tagger.tag_many(cleaned))):
        spans = [(s, e) for s, e in c.sentences if e > s] or [(0, len(c.text))]
        gold = {l.company for l in gp.layoffs if l.company is not None}
        for k, cand, mentions, names in agent_candidates(c.text, spans, res.companies, res.layoffs, training=True):
            s, e = spans[k]
            out.append((i, agent_features(c.text[s:e], s, cand, mentions, names), int(cand.company_id in gold)))
    return out


def fit_agents(examples: Sequence[tuple[int, set[str], int]], threshold: float) -> dict[str, Any]:
    model = train([(f, [], lab) for _, f, lab in examples], min_count=2)
    model["threshold"] = threshold
    return model


def fit(examples: Sequence[tuple[int, str, int]], vocab: Any, threshold: float) -> dict[str, Any]:
    model = train([(features(s), sentence_vector(s, vocab), lab) for _, s, lab in examples])
    model["threshold"] = threshold
    return model


def score(passages: Sequence[GoldPassage], results: Sequence[Any], resolver: CompanyResolver) -> dict[str, Any]:
    rep = evaluate(passages, split="x", resolver=resolver, tag_many=lambda texts: list(results)).as_dict(with_errors=True)
    return {k: rep[k] for k in ("events", "companies", "companies_unknown", "headcount", "not_counted_status", "errors")}


def brief(r: dict[str, Any]) -> str:
    ev, co = r["events"], r["companies"]
    return (f"events P {ev['precision']:.3f} ({ev['tp']}/{ev['tp'] + ev['fp']}) R {ev['recall']:.3f} "
            f"({ev['tp']}/{ev['tp'] + ev['fn']}) F1 {ev['f1']:.3f} | companies P {co['precision']:.3f} R {co['recall']:.3f}")


def use(tagger: Tagger, model: dict[str, Any] | None) -> None:
    if model is None:
        tagger.learned = tagger.learned_agents = None
    else:
        tagger.set_learned_model(model)


def tag(tagger: Tagger, passages: Sequence[GoldPassage], model: dict[str, Any] | None) -> list[Any]:
    use(tagger, model)
    return tagger.tag_many([clean_text(gp.text) for gp in passages])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cv", action="store_true", help="cross-validate the threshold on dev (5 folds)")
    ap.add_argument("--thresholds", default="none,0.9,0.95", help="sentence classifier thresholds (CV grid)")
    ap.add_argument("--agent-thresholds", default="none,0.5,0.7,0.8,0.9", help="agent classifier thresholds")
    ap.add_argument("--threshold", type=float, default=None, help="sentence classifier threshold (no CV choice)")
    ap.add_argument("--agent-threshold", type=float, default=None, help="agent classifier threshold")
    ap.add_argument("--test", type=Path, default=None, help="gold file to score the final model on")
    ap.add_argument("--from-id", default=None)
    ap.add_argument("--gated-only", action="store_true", help="train on the gated sentences only")
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--report", type=Path, default=None, help="write the figures as JSON here")
    args = ap.parse_args(argv)

    resolver = CompanyResolver()
    dev = load_gold(ROOT / "eval" / "gold_dev.yaml", resolver)
    tagger = Tagger(with_ner=True, learned=False)
    vocab = load_parser().vocab
    examples = sentence_examples(dev, tagger, all_sentences=not args.gated_only)
    print(f"dev: {len(dev)} passages, {len(examples)} labelled sentences, "
          f"{sum(l for *_, l in examples)} positive", flush=True)
    report: dict[str, Any] = {}
    base_dev = score(dev, tag(tagger, dev, None), resolver)
    print("baseline dev:", brief(base_dev), flush=True)
    report["baseline_dev"] = base_dev

    agents = agent_examples(dev, tagger)
    print(f"dev: {len(agents)} agent candidates, {sum(l for *_, l in agents)} positive", flush=True)
    t_sent, t_agent = args.threshold, args.agent_threshold
    if args.cv:
        grid = [(float(a) if a != "none" else None, float(b) if b != "none" else None)
                for a in args.thresholds.split(",") for b in args.agent_thresholds.split(",")]
        folds = [(fit([x for x in examples if x[0] % FOLDS != f], vocab, 0.5),
                  fit_agents([x for x in agents if x[0] % FOLDS != f], 0.5)) for f in range(FOLDS)]
        cv: dict[tuple[Any, Any], dict[str, Any]] = {}
        for ts_, ta_ in grid:
            results: list[Any] = [None] * len(dev)
            for f in range(FOLDS):
                idx = [i for i in range(len(dev)) if i % FOLDS == f]
                model = {"sentence": dict(folds[f][0], threshold=ts_) if ts_ is not None else None,
                         "agents": dict(folds[f][1], threshold=ta_) if ta_ is not None else None}
                for i, r in zip(idx, tag(tagger, [dev[i] for i in idx], model)):
                    results[i] = r
            cv[(ts_, ta_)] = score(dev, results, resolver)
            print(f"CV dev sentence t={ts_} agents t={ta_}: {brief(cv[(ts_, ta_)])}", flush=True)
        report["cv_dev"] = {f"{a}/{b}": r for (a, b), r in cv.items()}
        base_p = base_dev["events"]["precision"]
        ok = [g for g in grid if cv[g]["events"]["precision"] >= base_p - 0.01
              and cv[g]["companies"]["precision"] >= base_dev["companies"]["precision"] - 0.01]
        if ok and t_sent is None and t_agent is None:
            t_sent, t_agent = max(ok, key=lambda g: (cv[g]["events"]["f1"], g[0] or 2, g[1] or 2))
        print(f"thresholds chosen by CV: sentence {t_sent}, agents {t_agent}", flush=True)
    model = {"sentence": fit(examples, vocab, t_sent) if t_sent is not None else None,
             "agents": fit_agents(agents, t_agent) if t_agent is not None else None}
    args.out.write_text(json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
                        encoding="utf-8")
    print(f"model written: {args.out} ({args.out.stat().st_size} bytes)")
    threshold = (t_sent, t_agent)
    report["threshold"] = threshold
    if args.test is not None:
        test = load_gold(args.test, resolver)
        if args.from_id:
            ids = [gp.id for gp in test]
            test = test[ids.index(args.from_id):]
        base = score(test, tag(tagger, test, None), resolver)
        proto = score(test, tag(tagger, test, model), resolver)
        print(f"baseline {args.test.name} ({len(test)}): {brief(base)}")
        print(f"learned  {args.test.name} ({len(test)}): {brief(proto)}")
        report["baseline_test"], report["learned_test"] = base, proto
    if args.report is not None:
        args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
