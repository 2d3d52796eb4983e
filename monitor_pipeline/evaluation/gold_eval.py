"""Score the tagger against the hand-written gold set (``eval/gold_dev.yaml`` / ``eval/gold_test.yaml``).

Usage: ``python -m monitor_pipeline.evaluation.gold_eval [--split dev|test|all] [--json]``.

Each gold passage has ``id``, ``text``, ``companies`` (ids), ``layoffs`` (``company``, ``status``,
``headcount``) and ``metrics`` (``value``, ``kind`` …). Scores:

* companies — precision/recall/F1 of the company-id set of each passage (micro-averaged);
* layoff events — items ``(company, counted)`` where counted = status in announced/planned/
  executed; mentions without a company are not events. Status accuracy is reported over the
  events matched on company;
* counted events — the same restricted to counted items (what raises alerts);
* headcounts — items ``(company, headcount)`` for non-null headcounts;
* metric values — share of gold metrics found with the same value and kind (recall), plus the
  share of predicted metrics that are in the gold (precision).

Tune on dev only; report test honestly.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import yaml

from monitor_pipeline.core.text.clean import clean_text
from monitor_pipeline.core.tagging.layoffs import COUNTED_STATUSES
from monitor_pipeline.core.tagging.tagger import TagResult, Tagger

__all__ = ["GoldPassage", "Prf", "EvalReport", "load_gold", "evaluate", "main", "DEFAULT_EVAL_DIR", "TARGETS"]

DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
#: Targets on the test split (name → minimum value).
TARGETS = {
    "layoff_events.precision": 0.95,
    "layoff_events.recall": 0.90,
    "companies.f1": 0.95,
    "metric_values.recall": 0.95,
}


class GoldFormatError(ValueError):
    """A gold file is malformed; the message names the file and the passage."""


@dataclass(frozen=True)
class GoldPassage:
    id: str
    text: str
    companies: frozenset[str]
    layoffs: tuple[dict[str, Any], ...]
    metrics: tuple[dict[str, Any], ...]


@dataclass
class Prf:
    """Counts of true positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: Iterable[Any], pred: Iterable[Any]) -> tuple[list[Any], list[Any]]:
        """Add multiset comparison; return (missed, spurious) items."""
        g, p = Counter(gold), Counter(pred)
        common = g & p
        tp = sum(common.values())
        self.tp += tp
        self.fp += sum(p.values()) - tp
        self.fn += sum(g.values()) - tp
        return list((g - p).elements()), list((p - g).elements())

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class EvalReport:
    split: str
    passages: int = 0
    companies: Prf = field(default_factory=Prf)
    layoff_events: Prf = field(default_factory=Prf)
    counted_events: Prf = field(default_factory=Prf)
    headcounts: Prf = field(default_factory=Prf)
    metric_values: Prf = field(default_factory=Prf)
    status_matched: int = 0
    status_correct: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status_accuracy(self) -> float:
        return self.status_correct / self.status_matched if self.status_matched else 1.0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "split": self.split,
            "passages": self.passages,
            "companies": self.companies.as_dict(),
            "layoff_events": self.layoff_events.as_dict(),
            "counted_events": self.counted_events.as_dict(),
            "layoff_status_accuracy": round(self.status_accuracy, 4),
            "headcounts": self.headcounts.as_dict(),
            "metric_values": self.metric_values.as_dict(),
        }
        out["targets"] = {name: {"target": t, "value": _lookup(out, name), "met": _lookup(out, name) >= t}
                          for name, t in TARGETS.items()}
        out["errors"] = self.errors
        return out


def _lookup(d: dict[str, Any], dotted: str) -> float:
    a, b = dotted.split(".")
    return float(d[a][b])


def _gold_path(eval_dir: Path, split: str) -> Path:
    return eval_dir / f"gold_{split}.yaml"


def load_gold(path: str | Path) -> list[GoldPassage]:
    """Load one gold YAML file (a list of passages, or {"passages": [...]})."""
    p = Path(path)
    if not p.exists():
        raise GoldFormatError(f"gold file not found: {p}")
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("passages")
    if not isinstance(data, list):
        raise GoldFormatError(f"{p}: expected a list of passages")
    out: list[GoldPassage] = []
    for i, raw in enumerate(data):
        pid = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise GoldFormatError(f"{p}: passage {pid}: needs a 'text' string")
        for key in ("companies", "layoffs", "metrics"):
            if raw.get(key) is not None and not isinstance(raw.get(key), list):
                raise GoldFormatError(f"{p}: passage {pid}: {key!r} must be a list")
        out.append(GoldPassage(
            id=str(pid), text=raw["text"], companies=frozenset(raw.get("companies") or []),
            layoffs=tuple(raw.get("layoffs") or []), metrics=tuple(raw.get("metrics") or []),
        ))
    return out


def _value_key(value: Any, kind: Any) -> tuple[float, str]:
    v = float(value)
    # round to 4 significant digits so 1.7e9 == 1700000000.0 and 33.33 == 33.333
    if v != 0:
        v = round(v, -int(math.floor(math.log10(abs(v)))) + 3)
    return v, str(kind)


def evaluate(passages: Sequence[GoldPassage], tag: Callable[[str], TagResult], split: str = "dev") -> EvalReport:
    """Score ``tag`` (text → TagResult) on ``passages``."""
    report = EvalReport(split=split)
    for gp in passages:
        report.passages += 1
        res = tag(gp.text)
        err: dict[str, Any] = {}
        pred_companies = {m.company_id for m in res.companies}
        missed, spurious = report.companies.add(gp.companies, pred_companies)
        if missed or spurious:
            err["companies"] = {"missed": sorted(missed), "spurious": sorted(spurious)}

        gold_events = {(l["company"], l.get("status") in COUNTED_STATUSES) for l in gp.layoffs if l.get("company")}
        pred_events = {(l.company_id, l.status in COUNTED_STATUSES) for l in res.layoffs if l.company_id}
        missed, spurious = report.layoff_events.add(gold_events, pred_events)
        report.counted_events.add({e for e in gold_events if e[1]}, {e for e in pred_events if e[1]})
        if missed or spurious:
            err["layoffs"] = {"missed": sorted(missed), "spurious": sorted(spurious)}

        gold_status = {l["company"]: l.get("status") for l in gp.layoffs if l.get("company")}
        pred_status = {l.company_id: l.status for l in res.layoffs if l.company_id}
        for cid, st in gold_status.items():
            if cid in pred_status:
                report.status_matched += 1
                if pred_status[cid] == st:
                    report.status_correct += 1
                else:
                    err.setdefault("status", []).append({"company": cid, "gold": st, "pred": pred_status[cid]})

        gold_heads = {(l["company"], int(l["headcount"])) for l in gp.layoffs if l.get("company") and l.get("headcount") is not None}
        pred_heads = {(l.company_id, l.headcount) for l in res.layoffs if l.company_id and l.headcount is not None}
        missed, spurious = report.headcounts.add(gold_heads, pred_heads)
        if missed or spurious:
            err["headcounts"] = {"missed": sorted(missed), "spurious": sorted(spurious)}

        gold_metrics = [_value_key(m["value"], m.get("kind")) for m in gp.metrics]
        pred_metrics = [_value_key(m.value, m.kind) for m in res.metrics]
        missed, spurious = report.metric_values.add(gold_metrics, pred_metrics)
        if missed or spurious:
            err["metrics"] = {"missed": missed, "spurious": spurious}
        if err:
            err["id"] = gp.id
            err["text"] = gp.text
            report.errors.append(err)
    return report


def _format(report: EvalReport) -> str:
    d = report.as_dict()
    lines = [f"split={d['split']} passages={d['passages']}"]
    for key in ("companies", "layoff_events", "counted_events", "headcounts", "metric_values"):
        v = d[key]
        lines.append(f"  {key:15s} P={v['precision']:.3f} R={v['recall']:.3f} F1={v['f1']:.3f} "
                     f"(tp={v['tp']} fp={v['fp']} fn={v['fn']})")
    lines.append(f"  layoff status accuracy (matched on company) = {d['layoff_status_accuracy']:.3f}")
    for name, t in d["targets"].items():
        lines.append(f"  target {name} >= {t['target']}: {t['value']:.3f} {'OK' if t['met'] else 'MISSED'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gold_eval", description="Score the tagger on the gold set.")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, help="folder holding gold_*.yaml")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    parser.add_argument("--errors", action="store_true", help="list the passages with errors")
    args = parser.parse_args(argv)

    splits = ("dev", "test") if args.split == "all" else (args.split,)
    passages: list[GoldPassage] = []
    try:
        for split in splits:
            passages.extend(load_gold(_gold_path(args.eval_dir, split)))
    except GoldFormatError as exc:
        print(f"gold_eval: {exc}", file=sys.stderr)
        return 2
    tagger = Tagger(with_ner=False)
    report = evaluate(passages, lambda text: tagger.tag(clean_text(text)), split=args.split)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(_format(report))
        if args.errors:
            for e in report.errors:
                print(json.dumps(e, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
