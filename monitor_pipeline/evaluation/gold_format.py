"""Load and validate the gold sets the tagger is scored on.

Two formats become one :class:`GoldPassage` shape:

* the project's own gold set, ``eval/gold_dev.yaml`` and ``eval/gold_test.yaml`` (format in
  ``eval/README.md``): every layoff mention with its status, every company, every metric;
* the external dev set, ``../shared/tagging/external_dev.jsonl`` (format in its README): the
  events that must count, the plans that are postponed, the companies whose mention must not
  count, the companies, and some metric values.

Companies are compared by id: a knowledge-base id, or for a company the knowledge base lacks
the slug of its usual name (:func:`~monitor_pipeline.core.tagging.org_candidates.company_slug`),
the id the tagger gives an unknown company. Every error names the file and the passage.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from monitor_pipeline.core.tagging.companies import CompanyMatcher, KnowledgeBase
from monitor_pipeline.core.tagging.layoffs import COUNTED_STATUSES, STATUSES
from monitor_pipeline.core.tagging.numeric_facts import METRIC_KINDS, QUALIFIERS
from monitor_pipeline.core.tagging.org_candidates import company_slug, normalize_org_name

__all__ = [
    "CLASSES",
    "CompanyResolver",
    "GoldFormatError",
    "GoldLayoff",
    "GoldPassage",
    "load_external",
    "load_gold",
    "load_gold_files",
]

#: Construction classes a passage may be tagged with (``classes:``), for per-class scores.
CLASSES: dict[str, str] = {
    "attribution": "layoff attributed across clauses (X invests while Y cuts)",
    "list_comme": "'des groupes comme X, Y ou Z ont licencié', incises between dashes or commas",
    "trigger_variant": "trigger beyond the lexicon's surface forms (se séparer de, remplacement de N emplois par…)",
    "cleft_passive": "cleft ('c'est X qui') and passive voices ('N postes seront supprimés chez X')",
    "enumeration_elided": "elided trigger in an enumeration ('N chez X, M chez Y')",
    "anaphora": "pronoun or definite description pointing at a company of a previous clause or sentence",
    "status_governor": "status given by a word after or above the trigger (repoussé, a renoncé à, questions…)",
    "unknown_company": "a company the knowledge base lacks",
    "negative": "no layoff event (one person's dismissal, licence, licenciés, cost cutting, generic)",
    "precision_guard": "persons, places, unions, courts, ministries, agencies, media cited as sources",
    "headcount": "headcount forms: ranges, 'N de ses M', 'soit N', '1.200', 'un millier', 'des centaines'",
    "generic": "company-less layoff statement",
}

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PASSAGE_KEYS = {"id", "text", "companies", "layoffs", "metrics", "classes"}
_LAYOFF_KEYS = {"company", "status", "headcount", "headcount_low", "headcount_high"}
_METRIC_KEYS = {"value", "kind", "unit", "qualifier", "range_low"}
_EXTERNAL_KEYS = {"id", "text", "counted", "postponed", "not_counted", "optional", "companies", "metrics",
                  "headcount_range", "note"}


class GoldFormatError(ValueError):
    """A gold file is malformed; the message names the file and the passage."""


@dataclass(frozen=True)
class GoldLayoff:
    """One expected layoff mention; ``company`` is an id (KB id or slug) or ``None`` (generic)."""

    company: str | None
    status: str
    headcount: int | None = None
    headcount_low: int | None = None
    headcount_high: int | None = None

    @property
    def counted(self) -> bool:
        return self.company is not None and self.status in COUNTED_STATUSES


@dataclass(frozen=True)
class GoldPassage:
    """One passage and what a careful reader extracts from it.

    ``layoffs`` lists every mention. ``not_counted_any`` (external set only) lists companies
    whose mention must not count, whatever its status. ``optional`` companies may count or not.
    ``metrics`` are dicts for the project's gold set; for the external set they carry only a
    ``value`` (``metrics_values_only``). ``has_generic`` is False when the format does not
    annotate company-less mentions (the external set).
    """

    id: str
    text: str
    companies: frozenset[str]
    layoffs: tuple[GoldLayoff, ...] = ()
    metrics: tuple[Mapping[str, Any], ...] = ()
    classes: tuple[str, ...] = ()
    not_counted_any: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    metrics_values_only: bool = False
    has_generic: bool = True


class CompanyResolver:
    """Company name or id → the id the scorer compares (KB id, else slug of the name)."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb if kb is not None else KnowledgeBase.load()
        self.matcher = CompanyMatcher(self.kb)

    def is_known(self, company_id: str) -> bool:
        return company_id in self.kb

    def kb_id_of_name(self, name: str) -> str | None:
        """The KB id when the whole (normalised) name is a KB name, alias or product."""
        norm = normalize_org_name(name)
        for form, s, e in self.matcher.find_raw(norm):
            if s == 0 and e == len(norm):
                return form.company_id
        return None

    def resolve(self, name_or_id: str) -> str:
        if name_or_id in self.kb:
            return name_or_id
        return self.kb_id_of_name(name_or_id) or company_slug(name_or_id)


def _where(path: Path, pid: Any) -> str:
    return f"{path}: passage {pid}"


def _int_or_none(value: Any, where: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 0:
        raise GoldFormatError(f"{where}: {key} must be a non-negative integer or null, got {value!r}")
    return int(value)


def _gold_company(raw: Any, where: str, resolver: CompanyResolver) -> str:
    """A company written in a gold file: a KB id (a lowercase slug) or the usual name of a
    company the KB lacks. A slug that is no KB id is a typo; a name the KB knows must be its id."""
    if not isinstance(raw, str) or not raw.strip():
        raise GoldFormatError(f"{where}: company must be a non-empty string, got {raw!r}")
    if raw in resolver.kb:
        return raw
    if _SLUG.match(raw):
        raise GoldFormatError(f"{where}: {raw!r} is not a knowledge-base id (write a company the "
                              f"knowledge base lacks by its usual name, e.g. 'Lufthansa')")
    kb_id = resolver.kb_id_of_name(raw)
    if kb_id is not None:
        raise GoldFormatError(f"{where}: {raw!r} is a knowledge-base company: write its id {kb_id!r}")
    slug = company_slug(raw)
    if not slug:
        raise GoldFormatError(f"{where}: company {raw!r} has an empty slug")
    return slug


def _layoff(raw: Any, where: str, resolver: CompanyResolver, companies: frozenset[str]) -> GoldLayoff:
    if not isinstance(raw, dict):
        raise GoldFormatError(f"{where}: each layoff must be a mapping, got {raw!r}")
    extra = set(raw) - _LAYOFF_KEYS
    if extra:
        raise GoldFormatError(f"{where}: unknown layoff keys {sorted(extra)}")
    status = raw.get("status")
    if status not in STATUSES:
        raise GoldFormatError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")
    company = None if raw.get("company") is None else _gold_company(raw["company"], where, resolver)
    if company is not None and company not in companies:
        raise GoldFormatError(f"{where}: layoff company {raw['company']!r} is missing from 'companies'")
    head = _int_or_none(raw.get("headcount"), where, "headcount")
    low = _int_or_none(raw.get("headcount_low"), where, "headcount_low")
    high = _int_or_none(raw.get("headcount_high"), where, "headcount_high")
    if (low is None) != (high is None):
        raise GoldFormatError(f"{where}: headcount_low and headcount_high go together")
    if low is not None and high is not None and (low > high or head != high):
        raise GoldFormatError(f"{where}: a range needs headcount_low <= headcount_high == headcount")
    return GoldLayoff(company, status, head, low, high)


def _metric(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise GoldFormatError(f"{where}: each metric must be a mapping, got {raw!r}")
    extra = set(raw) - _METRIC_KEYS
    if extra:
        raise GoldFormatError(f"{where}: unknown metric keys {sorted(extra)}")
    if isinstance(raw.get("value"), bool) or not isinstance(raw.get("value"), (int, float)):
        raise GoldFormatError(f"{where}: metric value must be a number, got {raw.get('value')!r}")
    if raw.get("kind") not in METRIC_KINDS:
        raise GoldFormatError(f"{where}: metric kind {raw.get('kind')!r} is not one of {', '.join(METRIC_KINDS)}")
    if raw.get("qualifier") is not None and raw["qualifier"] not in QUALIFIERS:
        raise GoldFormatError(f"{where}: qualifier {raw['qualifier']!r} is not one of {', '.join(QUALIFIERS)}")
    return dict(raw)


def _list(raw: dict[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise GoldFormatError(f"{where}: {key!r} must be a list")
    return value


def _check_entry(raw: Any, where: str, seen: set[str], allowed: set[str]) -> None:
    """A passage needs a text and a unique id, and no key outside ``allowed``; ``seen`` grows."""
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
        raise GoldFormatError(f"{where}: needs a 'text' string")
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        raise GoldFormatError(f"{where}: needs an 'id' string")
    if raw["id"] in seen:
        raise GoldFormatError(f"{where}: duplicate id")
    seen.add(raw["id"])
    extra = set(raw) - allowed
    if extra:
        raise GoldFormatError(f"{where}: unknown keys {sorted(extra)}")


def load_gold(path: str | Path, resolver: CompanyResolver | None = None) -> list[GoldPassage]:
    """Load and validate one gold YAML file (a list of passages, or ``{"passages": [...]}``)."""
    p = Path(path)
    if not p.exists():
        raise GoldFormatError(f"gold file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise GoldFormatError(f"{p}: invalid YAML: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("passages")
    if not isinstance(data, list):
        raise GoldFormatError(f"{p}: expected a list of passages")
    resolver = resolver if resolver is not None else CompanyResolver()
    out: list[GoldPassage] = []
    seen: set[str] = set()
    for i, raw in enumerate(data):
        pid = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
        where = _where(p, pid)
        _check_entry(raw, where, seen, _PASSAGE_KEYS)
        companies = frozenset(_gold_company(c, where, resolver) for c in _list(raw, "companies", where))
        classes = tuple(_list(raw, "classes", where))
        unknown_classes = [c for c in classes if c not in CLASSES]
        if unknown_classes:
            raise GoldFormatError(f"{where}: unknown classes {unknown_classes} (see CLASSES in gold_format.py)")
        out.append(GoldPassage(
            id=pid, text=raw["text"], companies=companies,
            layoffs=tuple(_layoff(l, where, resolver, companies) for l in _list(raw, "layoffs", where)),
            metrics=tuple(_metric(m, where) for m in _list(raw, "metrics", where)),
            classes=classes,
        ))
    return out


def load_gold_files(paths: Iterable[str | Path], resolver: CompanyResolver | None = None) -> dict[str, list[GoldPassage]]:
    """Load several gold files (keyed by path); an id used in two files is an error."""
    resolver = resolver if resolver is not None else CompanyResolver()
    loaded: dict[str, list[GoldPassage]] = {}
    owner: dict[str, str] = {}
    for path in paths:
        passages = load_gold(path, resolver)
        for gp in passages:
            if gp.id in owner:
                raise GoldFormatError(f"{path}: passage {gp.id}: id already used in {owner[gp.id]}")
            owner[gp.id] = str(path)
        loaded[str(path)] = passages
    return loaded


def _external_event(raw: Any, where: str, resolver: CompanyResolver, status: str,
                    passage_range: Any) -> GoldLayoff:
    if isinstance(raw, str):
        raw = {"company": raw, "headcount": None}
    if not isinstance(raw, dict) or not isinstance(raw.get("company"), str):
        raise GoldFormatError(f"{where}: an event must be {{'company': NAME, 'headcount': INT|null}}, got {raw!r}")
    head = _int_or_none(raw.get("headcount"), where, "headcount")
    rng = raw.get("headcount_range", passage_range)
    low = high = None
    if rng is not None:
        if not (isinstance(rng, list) and len(rng) == 2):
            raise GoldFormatError(f"{where}: headcount_range must be [low, high]")
        low, high = (_int_or_none(v, where, "headcount_range") for v in rng)
        head = head if head is not None else high
    return GoldLayoff(resolver.resolve(raw["company"]), status, head, low, high)


def load_external(path: str | Path, resolver: CompanyResolver | None = None,
                  classes: Mapping[str, Iterable[str]] | None = None) -> list[GoldPassage]:
    """Load the external dev set (JSON lines; format in its README) as gold passages.

    ``counted`` events become counted mentions (status ``announced``: the format does not say
    which counted status), ``postponed`` ones mentions with status ``postponed``; ``not_counted``
    companies must get no counted event; ``optional`` ones are left out of event scoring.
    ``classes`` maps passage ids to construction classes (``eval/external_classes.yaml``).
    """
    p = Path(path)
    if not p.exists():
        raise GoldFormatError(f"external dev set not found: {p}")
    resolver = resolver if resolver is not None else CompanyResolver()
    classes = classes or {}
    out: list[GoldPassage] = []
    seen: set[str] = set()
    for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldFormatError(f"{p}: line {lineno}: invalid JSON: {exc}") from exc
        pid = raw.get("id", f"line {lineno}") if isinstance(raw, dict) else f"line {lineno}"
        where = _where(p, pid)
        _check_entry(raw, where, seen, _EXTERNAL_KEYS)
        names = [n for n in _list(raw, "companies", where)]
        if not all(isinstance(n, str) for n in names):
            raise GoldFormatError(f"{where}: 'companies' must list names")
        layoffs = [_external_event(e, where, resolver, "announced", raw.get("headcount_range"))
                   for e in _list(raw, "counted", where)]
        layoffs += [_external_event(e, where, resolver, "postponed", None) for e in _list(raw, "postponed", where)]
        values = _list(raw, "metrics", where)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise GoldFormatError(f"{where}: 'metrics' must list numbers")
        out.append(GoldPassage(
            id=pid, text=raw["text"], companies=frozenset(resolver.resolve(n) for n in names),
            layoffs=tuple(layoffs),
            metrics=tuple({"value": v} for v in values),
            classes=tuple(classes.get(pid, ())),
            not_counted_any=frozenset(resolver.resolve(n) for n in _list(raw, "not_counted", where)),
            optional=frozenset(resolver.resolve(n) for n in _list(raw, "optional", where)),
            metrics_values_only=True,
            has_generic=False,
        ))
    return out
