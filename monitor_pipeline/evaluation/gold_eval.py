"""Score the tagger against the gold sets: dev, test and the external dev set, each apart.

Usage: ``python -m monitor_pipeline.evaluation.gold_eval [--split dev|test|external|all]
[--external PATH] [--no-ner] [--json] [--errors]``. ``all`` scores dev, test and external one
after the other; the external set is read from ``$GOLD_EXTERNAL_DEV`` or
``../shared/tagging/external_dev.jsonl`` (beside the checkout) and skipped, with a line saying
so, when absent. Formats: ``eval/README.md`` and :mod:`.gold_format`.

What is scored, per passage then summed (micro-averaged):

* **companies** — the set of company ids (KB id, or slug of an unknown company's name) against
  the tagger's ``companies`` plus its NER ``org_candidates`` (by slug); also split into known
  (in the KB) and unknown companies;
* **events** — the companies with a counted layoff (announced, planned, executed); P/R/F1.
  ``optional`` companies of the external set are left out on both sides;
* **headcount** — of the events found (gold and predicted), the share whose headcount is right:
  same number, or for a gold range the same upper bound or the same low/high; a gold null
  needs a predicted null;
* **not-counted status** — of the companies whose mention must not count, the share the tagger
  gives no counted event and, where the gold names the status, that status; ``kept out`` is
  the share with no counted event whatever the status;
* **generic** — the statuses of company-less mentions (own gold set only);
* **mentions** — (company, status) of every attributed mention (own gold set only);
* **metrics** — value+kind P/R, and value+kind+unit+qualifier+range P/R; the external set
  lists values only, scored for recall.

Tagger contract (fields read with defaults, so an older tagger is still scored):
``TagResult.companies[].company_id`` (KB id or slug), ``TagResult.org_candidates[].name``,
``TagResult.layoffs[]`` with ``company_id`` (None = generic), ``status``, ``headcount`` and
optionally ``headcount_low``/``headcount_high``; ``TagResult.metrics[]`` with ``value``,
``kind``, ``unit``, ``noun``, ``qualifier``, ``range_low``.

Tune rules on dev and the external set; report test honestly.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import yaml

from monitor_pipeline.core.tagging.layoffs import COUNTED_STATUSES
from monitor_pipeline.evaluation.gold_format import (
    CLASSES,
    CompanyResolver,
    GoldFormatError,
    GoldLayoff,
    GoldPassage,
    load_external,
    load_gold,
)

__all__ = ["Acc", "DEFAULT_EVAL_DIR", "DEFAULT_EXTERNAL", "EXTERNAL_ENV", "EvalReport", "GoldFormatError",
           "GoldPassage", "Prf", "TARGETS", "evaluate", "load_gold", "main"]

DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
#: The external dev set, beside the checkout (``../shared/tagging/``); overridable.
DEFAULT_EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "tagging" / "external_dev.jsonl"
EXTERNAL_ENV = "GOLD_EXTERNAL_DEV"
#: The issue-16 targets (name → minimum), marked met/missed for every split.
TARGETS = {
    "events.precision": 0.95,
    "events.recall": 0.90,
    "headcount.accuracy": 0.90,
    "companies.precision": 0.95,
    "companies.recall": 0.95,
    "not_counted_status.accuracy": 0.90,
}


@dataclass
class Prf:
    """Counts of true positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: Iterable[Any], pred: Iterable[Any]) -> tuple[list[Any], list[Any]]:
        """Add a multiset comparison; return (missed, spurious) items."""
        g, p = Counter(gold), Counter(pred)
        tp = sum((g & p).values())
        self.tp += tp
        self.fp += sum(p.values()) - tp
        self.fn += sum(g.values()) - tp
        return sorted((g - p).elements(), key=repr), sorted((p - g).elements(), key=repr)

    def __iadd__(self, other: "Prf") -> "Prf":
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        return self

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
class Acc:
    """Right answers out of a total."""

    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += int(ok)
        self.total += 1

    def __iadd__(self, other: "Acc") -> "Acc":
        self.right, self.total = self.right + other.right, self.total + other.total
        return self

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0

    def as_dict(self) -> dict[str, float | int]:
        return {"right": self.right, "total": self.total, "accuracy": round(self.accuracy, 4)}


_PRF_FIELDS = ("companies", "companies_known", "companies_unknown", "events", "generic", "mentions",
               "metric_values", "metrics_full")
_ACC_FIELDS = ("headcount", "headcount_stated", "not_counted_status", "not_counted_kept_out")


@dataclass
class EvalReport:
    """Summed scores of a set of passages (a split, or one class of a split)."""

    split: str
    passages: int = 0
    companies: Prf = field(default_factory=Prf)
    companies_known: Prf = field(default_factory=Prf)
    companies_unknown: Prf = field(default_factory=Prf)
    events: Prf = field(default_factory=Prf)
    headcount: Acc = field(default_factory=Acc)
    headcount_stated: Acc = field(default_factory=Acc)
    not_counted_status: Acc = field(default_factory=Acc)
    not_counted_kept_out: Acc = field(default_factory=Acc)
    generic: Prf = field(default_factory=Prf)
    mentions: Prf = field(default_factory=Prf)
    metric_values: Prf = field(default_factory=Prf)
    metrics_full: Prf = field(default_factory=Prf)
    #: metric precision is undefined when the gold lists only some values (external set)
    metric_precision_defined: bool = True
    errors: list[dict[str, Any]] = field(default_factory=list)
    classes: dict[str, "EvalReport"] = field(default_factory=dict)

    def __iadd__(self, other: "EvalReport") -> "EvalReport":
        self.passages += other.passages
        for name in _PRF_FIELDS + _ACC_FIELDS:
            getattr(self, name).__iadd__(getattr(other, name))
        self.metric_precision_defined &= other.metric_precision_defined
        self.errors.extend(other.errors)
        return self

    def as_dict(self, with_errors: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"split": self.split, "passages": self.passages}
        for name in _PRF_FIELDS + _ACC_FIELDS:
            out[name] = getattr(self, name).as_dict()
        if not self.metric_precision_defined:
            for name in ("metric_values", "metrics_full"):
                out[name]["precision"] = None
        out["targets"] = {name: {"target": t, "value": _lookup(out, name), "met": _lookup(out, name) >= t}
                          for name, t in TARGETS.items()}
        if self.classes:
            out["classes"] = {c: r.as_dict(with_errors=False) for c, r in sorted(self.classes.items())}
        if with_errors:
            out["errors"] = self.errors
        return out


def _lookup(d: dict[str, Any], dotted: str) -> float:
    a, b = dotted.split(".")
    return float(d[a][b])


# --------------------------------------------------------------------------- predictions
@dataclass(frozen=True)
class _PredLayoff:
    company: str | None
    status: str
    headcount: int | None
    low: int | None
    high: int | None


def _as_int(value: Any) -> int | None:
    return None if value is None else int(round(float(value)))


def _pred_companies(res: Any, resolver: CompanyResolver) -> set[str]:
    ids = {getattr(m, "company_id", None) for m in getattr(res, "companies", None) or []}
    for cand in getattr(res, "org_candidates", None) or []:  # NER names the KB lacks, while the field exists
        name = getattr(cand, "name", None)
        if name:
            ids.add(resolver.resolve(name))
    ids.discard(None)
    ids.discard("")
    return ids  # type: ignore[return-value]


def _pred_layoffs(res: Any) -> list[_PredLayoff]:
    out = []
    for m in getattr(res, "layoffs", None) or []:
        out.append(_PredLayoff(getattr(m, "company_id", None) or None, str(getattr(m, "status", "")),
                               _as_int(getattr(m, "headcount", None)), _as_int(getattr(m, "headcount_low", None)),
                               _as_int(getattr(m, "headcount_high", None))))
    return out


# --------------------------------------------------------------------------- comparisons
def _value_key(value: Any) -> float:
    v = float(value)
    # 4 significant digits: 1.7e9 == 1700000000.0 and 33.33 == 33.333
    if v != 0:
        v = round(v, -int(math.floor(math.log10(abs(v)))) + 3)
    return v


def _unit_key(kind: str | None, unit: str | None) -> str | None:
    """Money → currency, percent → "%", multiplier → None, count → the counted noun's head word,
    lowercased and without a plural s ("Entreprises clientes" ≈ "entreprise")."""
    if kind == "multiplier" or not unit:
        return None
    if kind == "count":
        head = unit.split()[0].lower()
        return head[:-1] if len(head) > 3 and head.endswith(("s", "x")) else head
    return unit


def _gold_metric_keys(m: Mapping[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    kind = m.get("kind")
    low = m.get("range_low")
    return ((_value_key(m["value"]), kind),
            (_value_key(m["value"]), kind, _unit_key(kind, m.get("unit")), m.get("qualifier"),
             None if low is None else _value_key(low)))


def _pred_metric_keys(m: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    kind = getattr(m, "kind", None)
    unit = getattr(m, "noun", None) if kind == "count" else getattr(m, "unit", None)
    low = getattr(m, "range_low", None)
    value = _value_key(getattr(m, "value", 0.0))
    return ((value, kind), (value, kind, _unit_key(kind, unit), getattr(m, "qualifier", None),
                            None if low is None else _value_key(low)))


def _headcount_ok(gold: Sequence[GoldLayoff], pred: Sequence[_PredLayoff]) -> bool:
    """Right when one predicted mention of the company matches one gold mention (range-aware)."""
    for g in gold:
        for p in pred:
            if g.headcount is None:
                if p.headcount is None and p.high is None:
                    return True
                continue
            if p.headcount == g.headcount or (p.headcount is None and p.high == g.headcount):
                return True
            if g.headcount_low is not None and (p.low, p.high) == (g.headcount_low, g.headcount_high):
                return True
    return False


def _score_passage(gp: GoldPassage, res: Any, resolver: CompanyResolver, split: str) -> EvalReport:
    r = EvalReport(split=split, passages=1, metric_precision_defined=not gp.metrics_values_only)
    err: dict[str, Any] = {}

    pred_ids = _pred_companies(res, resolver)
    missed, spurious = r.companies.add(gp.companies, pred_ids)
    r.companies_known.add({c for c in gp.companies if resolver.is_known(c)}, {c for c in pred_ids if resolver.is_known(c)})
    r.companies_unknown.add({c for c in gp.companies if not resolver.is_known(c)},
                            {c for c in pred_ids if not resolver.is_known(c)})
    if missed or spurious:
        err["companies"] = {"missed": missed, "spurious": spurious}

    pred = _pred_layoffs(res)
    gold_counted: dict[str, list[GoldLayoff]] = {}
    for g in gp.layoffs:
        if g.counted and g.company not in gp.optional:
            gold_counted.setdefault(g.company, []).append(g)  # type: ignore[arg-type]
    pred_counted: dict[str, list[_PredLayoff]] = {}
    pred_status: dict[str, set[str]] = {}
    for p in pred:
        if p.company is None:
            continue
        pred_status.setdefault(p.company, set()).add(p.status)
        if p.status in COUNTED_STATUSES and p.company not in gp.optional:
            pred_counted.setdefault(p.company, []).append(p)
    missed, spurious = r.events.add(list(gold_counted), list(pred_counted))
    if missed or spurious:
        err["events"] = {"missed": missed, "spurious": spurious}

    for cid in sorted(gold_counted.keys() & pred_counted.keys()):
        ok = _headcount_ok(gold_counted[cid], pred_counted[cid])
        r.headcount.add(ok)
        if any(g.headcount is not None for g in gold_counted[cid]):
            r.headcount_stated.add(ok)
        if not ok:
            err.setdefault("headcount", []).append({
                "company": cid,
                "gold": [(g.headcount, g.headcount_low, g.headcount_high) for g in gold_counted[cid]],
                "pred": [(p.headcount, p.low, p.high) for p in pred_counted[cid]]})

    # mentions that must not count: with their gold status where the format gives one
    expected: dict[str, set[str] | None] = {c: None for c in gp.not_counted_any}
    for g in gp.layoffs:
        if g.company is not None and not g.counted and g.company not in gp.optional:
            expected[g.company] = (expected.get(g.company) or set()) | {g.status}
    for cid, statuses in sorted(expected.items()):
        if cid in gp.optional:
            continue
        kept_out = cid not in pred_counted or cid in gold_counted
        status_ok = statuses is None or bool(statuses & pred_status.get(cid, set()))
        r.not_counted_kept_out.add(kept_out)
        r.not_counted_status.add(kept_out and status_ok)
        if not (kept_out and status_ok):
            err.setdefault("not_counted", []).append(
                {"company": cid, "gold": sorted(statuses) if statuses else "not counted",
                 "pred": sorted(pred_status.get(cid, set())) or None})

    if gp.has_generic:
        gold_generic = {g.status for g in gp.layoffs if g.company is None}
        missed, spurious = r.generic.add(gold_generic, {p.status for p in pred if p.company is None})
        if missed or spurious:
            err["generic"] = {"missed": missed, "spurious": spurious}
        r.mentions.add({(g.company, g.status) for g in gp.layoffs if g.company is not None},
                       {(p.company, p.status) for p in pred if p.company is not None})

    pred_metrics = [_pred_metric_keys(m) for m in getattr(res, "metrics", None) or []]
    if gp.metrics_values_only:
        gold_values = [_value_key(m["value"]) for m in gp.metrics]
        found = Counter(k[0][0] for k in pred_metrics)
        missed = [v for v in gold_values if not found[v]]
        r.metric_values.tp += len(gold_values) - len(missed)
        r.metric_values.fn += len(missed)
        r.metrics_full = Prf(r.metric_values.tp, 0, r.metric_values.fn)
        if missed:
            err["metrics"] = {"missed": missed}
    else:
        gold_keys = [_gold_metric_keys(m) for m in gp.metrics]
        missed, spurious = r.metric_values.add([k[0] for k in gold_keys], [k[0] for k in pred_metrics])
        missed_full, spurious_full = r.metrics_full.add([k[1] for k in gold_keys], [k[1] for k in pred_metrics])
        if missed or spurious or missed_full or spurious_full:
            err["metrics"] = {"missed": missed_full, "spurious": spurious_full}

    if err:
        r.errors.append({"id": gp.id, "text": gp.text, **err})
    return r


def evaluate(passages: Sequence[GoldPassage], tag: Callable[[str], Any] | None = None, split: str = "dev",
             resolver: CompanyResolver | None = None,
             tag_many: Callable[[Sequence[str]], Sequence[Any]] | None = None) -> EvalReport:
    """Score a tagger (``tag``: text → TagResult, or ``tag_many`` for a batch) on ``passages``;
    the report holds per-class sub-reports for the passages' ``classes``."""
    resolver = resolver if resolver is not None else CompanyResolver()
    texts = [gp.text for gp in passages]
    if tag_many is None and tag is None:
        raise TypeError("evaluate needs tag or tag_many")
    results = list(tag_many(texts)) if tag_many is not None else [tag(t) for t in texts]  # type: ignore[misc]
    report = EvalReport(split=split)
    for gp, res in zip(passages, results):
        one = _score_passage(gp, res, resolver, split)
        report += one
        for cls in gp.classes or ("(unclassified)",):
            sub = report.classes.setdefault(cls, EvalReport(split=f"{split}:{cls}"))
            sub += _without_errors(one)
    return report


def _without_errors(r: EvalReport) -> EvalReport:
    copy = EvalReport(split=r.split)
    copy += r
    copy.errors = []
    return copy


# --------------------------------------------------------------------------- output
def _pct(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def _cell(value: float, denominator: int) -> str:
    return f"{value:6.3f}" if denominator else f"{'-':>6s}"


def _format(report: EvalReport) -> str:
    d = report.as_dict(with_errors=False)
    c, k, u, e = d["companies"], d["companies_known"], d["companies_unknown"], d["events"]
    h, hs, ns, nk = d["headcount"], d["headcount_stated"], d["not_counted_status"], d["not_counted_kept_out"]
    lines = [f"== {d['split']}: {d['passages']} passages ==",
             f"  companies        P={c['precision']:.3f} R={c['recall']:.3f} F1={c['f1']:.3f} (tp={c['tp']} fp={c['fp']} fn={c['fn']})"
             f"  known P={k['precision']:.3f} R={k['recall']:.3f}  unknown P={u['precision']:.3f} R={u['recall']:.3f}"
             f" (gold {u['tp'] + u['fn']})",
             f"  events (counted) P={e['precision']:.3f} R={e['recall']:.3f} F1={e['f1']:.3f} (tp={e['tp']} fp={e['fp']} fn={e['fn']})",
             f"  headcount        {h['accuracy']:.3f} of found events ({h['right']}/{h['total']}; "
             f"stated numbers {hs['right']}/{hs['total']})",
             f"  not-counted      status {ns['accuracy']:.3f} ({ns['right']}/{ns['total']}); "
             f"kept out of events {nk['accuracy']:.3f} ({nk['right']}/{nk['total']})"]
    if report.split != "external":
        g, m = d["generic"], d["mentions"]
        lines.append(f"  generic          P={g['precision']:.3f} R={g['recall']:.3f} (tp={g['tp']} fp={g['fp']} fn={g['fn']})"
                     f"   mentions (company, status) P={m['precision']:.3f} R={m['recall']:.3f}")
    mv, mf = d["metric_values"], d["metrics_full"]
    lines.append(f"  metrics          value+kind P={_pct(mv['precision'])} R={mv['recall']:.3f}   "
                 f"+unit+qualifier+range P={_pct(mf['precision'])} R={mf['recall']:.3f}")
    lines.append("  targets: " + " | ".join(
        f"{name} {t['value']:.3f} (>= {t['target']}) {'met' if t['met'] else 'MISSED'}" for name, t in d["targets"].items()))
    if report.classes:
        lines.append(f"  {'per class':22s} {'n':>3s} {'ev.P':>6s} {'ev.R':>6s} {'head':>6s} {'co.P':>6s} {'co.R':>6s} {'notc':>6s}")
        for cls, sub in sorted(report.classes.items()):
            ev, co = sub.events, sub.companies
            cells = [_cell(ev.precision, ev.tp + ev.fp), _cell(ev.recall, ev.tp + ev.fn),
                     _cell(sub.headcount.accuracy, sub.headcount.total), _cell(co.precision, co.tp + co.fp),
                     _cell(co.recall, co.tp + co.fn), _cell(sub.not_counted_status.accuracy, sub.not_counted_status.total)]
            lines.append(f"  {cls:22s} {sub.passages:3d} " + " ".join(cells))
        lines.append("  (- : nothing to judge in that class)")
    return "\n".join(lines)


def _external_path(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    env = os.environ.get(EXTERNAL_ENV)
    return Path(env) if env else DEFAULT_EXTERNAL


def _external_classes(eval_dir: Path) -> dict[str, list[str]]:
    p = eval_dir / "external_classes.yaml"
    if not p.exists():
        return {}
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    bad = sorted({c for v in data.values() for c in v} - set(CLASSES))
    if bad:
        raise GoldFormatError(f"{p}: unknown classes {bad}")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gold_eval", description="Score the tagger on the gold sets.")
    parser.add_argument("--split", choices=("dev", "test", "external", "all"), default="dev")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, help="folder holding gold_*.yaml")
    parser.add_argument("--external", type=Path, default=None,
                        help=f"external dev set (default ${EXTERNAL_ENV} or {DEFAULT_EXTERNAL})")
    parser.add_argument("--no-ner", action="store_true", help="score the rules alone (no spaCy NER)")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    parser.add_argument("--errors", action="store_true", help="list the passages with errors")
    parser.add_argument("--from-id", default=None, metavar="ID",
                        help="score only the passages of the project's gold files from this id on, in file order "
                             "(a newly written batch, for its held-out first score)")
    args = parser.parse_args(argv)

    splits = ("dev", "test", "external") if args.split == "all" else (args.split,)
    resolver = CompanyResolver()
    sets: dict[str, list[GoldPassage]] = {}
    skipped: dict[str, str] = {}
    seen_ids: dict[str, str] = {}
    try:
        for split in splits:
            if split == "external":
                path = _external_path(args.external)
                if not path.exists():
                    skipped[split] = f"no file at {path} (set ${EXTERNAL_ENV} or --external)"
                    continue
                sets[split] = load_external(path, resolver, _external_classes(args.eval_dir))
            else:
                path = args.eval_dir / f"gold_{split}.yaml"
                sets[split] = load_gold(path, resolver)
                for gp in sets[split]:
                    if gp.id in seen_ids:
                        raise GoldFormatError(f"{path}: passage {gp.id}: id already used in the {seen_ids[gp.id]} split")
                    seen_ids[gp.id] = split
                if args.from_id is not None:
                    ids = [gp.id for gp in sets[split]]
                    if args.from_id not in ids:
                        raise GoldFormatError(f"{path}: no passage {args.from_id} to start from (--from-id)")
                    sets[split] = sets[split][ids.index(args.from_id):]
    except GoldFormatError as exc:
        print(f"gold_eval: {exc}", file=sys.stderr)
        return 2

    from monitor_pipeline.core.tagging.tagger import TAGGER_VERSION, Tagger
    from monitor_pipeline.core.text.clean import clean_text

    tagger = Tagger(with_ner=not args.no_ner)

    def tag_many(texts: Sequence[str]) -> list[Any]:
        return tagger.tag_many([clean_text(t) for t in texts])

    reports = {split: evaluate(passages, split=split, resolver=resolver, tag_many=tag_many)
               for split, passages in sets.items()}
    if args.json:
        out = {"tagger_version": TAGGER_VERSION, "ner": not args.no_ner,
               "splits": {s: r.as_dict(with_errors=args.errors) for s, r in reports.items()},
               "skipped": skipped}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"tagger {TAGGER_VERSION}, NER {'on' if not args.no_ner else 'off'}")
    for split in splits:
        if split in skipped:
            print(f"== {split}: skipped, {skipped[split]} ==")
            continue
        print(_format(reports[split]))
        if args.errors:
            for e in reports[split].errors:
                print("   ", json.dumps(e, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
