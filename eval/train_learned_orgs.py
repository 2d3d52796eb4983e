"""Train and cross-validate the learned organisation classifier (core.tagging.learned_orgs).

Trained on the dev split only (``eval/gold_dev.yaml``). Examples: every name spaCy's recognizer finds
in a sentence that goes to NER (the parser model's NER, as the tagger runs it) that the rules do not
keep as a company (a LOC, PER or MISC entity with no company description around it and no company
shape), once normalised as the tagger normalises it. Label: 1 when its slug is one of the passage's
gold companies, 0 when it is none of them; a name that is part of a gold company or holds one
("Figeac" for "Figeac Aéro") is left out.

``--cv``: 5 folds by passage (passage index mod 5); for each threshold of ``--thresholds``, the
precision and recall of the flagged names over all folds. The threshold kept is the lowest whose
cross-validated precision is at least ``--min-precision`` (0.95, the issue's company target). The
final model (all of dev, that threshold) is written to ``monitor_pipeline/data/learned_orgs.json``.
``--test PATH --from-id ID`` then scores the names of a gold file from that id, with the written model.

    PYTHONPATH=$PWD python eval/train_learned_orgs.py --cv
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor_pipeline.core.tagging.companies import CompanyMatcher, KnowledgeBase, simple_sentence_spans  # noqa: E402
from monitor_pipeline.core.tagging.learned_orgs import DEFAULT_MODEL, LearnedOrgs, org_features, person_shaped  # noqa: E402
from monitor_pipeline.core.tagging.learned_trigger import train  # noqa: E402
from monitor_pipeline.core.tagging.org_candidates import company_slug, needs_ner, recognized_names  # noqa: E402
from monitor_pipeline.core.tagging.syntax.parsing import EntityRecognizer, load_parser  # noqa: E402
from monitor_pipeline.core.text.clean import clean_text  # noqa: E402
from monitor_pipeline.evaluation.gold_format import load_gold  # noqa: E402

THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def examples(passages: Sequence[Any]) -> list[tuple[str, set[str], int]]:
    """(passage id, features, label) of every name the rules leave to the classifier."""
    nlp = load_parser()
    recognizer = EntityRecognizer(nlp)
    matcher = CompanyMatcher(KnowledgeBase.load())
    known = matcher.surfaces()
    out = []
    for p in passages:
        cleaned = clean_text(p.text)
        text = cleaned.text
        spans = list(cleaned.sentences) or simple_sentence_spans(text)
        todo = [text[s:e] for s, e in spans if needs_ner(text[s:e], matcher)]
        for sentence, doc in zip(todo, recognizer.pipe(todo)):
            for ent, name, start, by_rules in recognized_names(sentence, doc, matcher, known):
                if by_rules or start < 0:
                    continue
                slug = company_slug(name)
                if slug in p.companies:
                    label = 1
                elif any(slug in g or g in slug for g in p.companies):
                    continue  # a piece of a gold company's name, or a name holding one
                else:
                    label = 0
                out.append((p.id, org_features(sentence, start, start + len(name), ent.label_, nlp.vocab), label))
    return out


def _score(model: dict[str, Any], feats: set[str]) -> float:
    """The model's score, 0 for a name shaped like a person's (``LearnedOrgs.accepts`` never takes them)."""
    return 0.0 if person_shaped(feats) else LearnedOrgs(model).score(feats)


def cross_validate(data: list[tuple[str, set[str], int]], l2: float) -> list[tuple[float, int]]:
    ids = list(dict.fromkeys(pid for pid, _, _ in data))
    fold = {pid: i % 5 for i, pid in enumerate(ids)}
    scored = []
    for k in range(5):
        model = train([(f, [], y) for pid, f, y in data if fold[pid] != k], l2=l2)
        scored += [(_score(model, f), y) for pid, f, y in data if fold[pid] == k]
    return scored


def table(scored: list[tuple[float, int]], thresholds: Sequence[float]) -> list[tuple[float, int, int, int]]:
    positives = sum(y for _, y in scored)
    rows = []
    for t in thresholds:
        flagged = [y for s, y in scored if s >= t]
        tp = sum(flagged)
        rows.append((t, len(flagged), tp, positives))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="cross-validate on dev and choose the threshold")
    ap.add_argument("--threshold", type=float, default=None, help="use this threshold (no --cv)")
    ap.add_argument("--min-precision", type=float, default=0.95)
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--test", type=Path, default=None, help="score a gold file with the written model")
    ap.add_argument("--from-id", default=None)
    args = ap.parse_args(argv)

    if args.test is not None:
        passages = load_gold(args.test)
        if args.from_id:
            passages = passages[[p.id for p in passages].index(args.from_id):]
        model = json.loads(args.out.read_text(encoding="utf-8"))
        scored = [(_score(model, f), y) for _, f, y in examples(passages)]
        (t, flagged, tp, positives), = table(scored, [model["threshold"]])
        print(f"{args.test} from {args.from_id}: t={t} flagged {flagged}, right {tp} "
              f"(P {tp / max(flagged, 1):.3f}), companies among the names {positives} (R {tp / max(positives, 1):.3f})")
        return 0

    data = examples(load_gold(ROOT / "eval" / "gold_dev.yaml"))
    print(f"dev: {len(data)} names left by the rules, {sum(y for _, _, y in data)} of them companies")
    threshold = args.threshold
    if args.cv:
        rows = table(cross_validate(data, args.l2), THRESHOLDS)
        for t, flagged, tp, positives in rows:
            print(f"  t={t:.2f} flagged {flagged:4d} right {tp:4d} P {tp / max(flagged, 1):.3f} R {tp / max(positives, 1):.3f}")
        good = [t for t, flagged, tp, _ in rows if flagged and tp / flagged >= args.min_precision]
        threshold = min(good) if good else None
        print(f"kept threshold: {threshold}")
    if threshold is None:
        print("no threshold: the model is not written", file=sys.stderr)
        return 1
    model = train([(f, [], y) for _, f, y in data], l2=args.l2)
    model["threshold"] = threshold
    model.pop("dense", None)
    args.out.write_text(json.dumps(model, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")
    print(f"written {args.out} ({len(model['sparse'])} weights)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
