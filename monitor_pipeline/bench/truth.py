"""Tag quality against the hand-written truth of the benchmark corpus (``corpus_truth.yaml``).

The truth of a page follows from the hand-written annotation of each template sentence it is made
of; nothing here reads the product's knowledge base, matcher or lexicon. Both sides of a scenario
are scored the same way, from the rows they wrote (:class:`PageTags`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from monitor_pipeline.bench.corpus import Corpus

TRUTH_FILE = Path(__file__).with_name("corpus_truth.yaml")


@dataclass
class PageTags:
    """What one side found (or the truth says) on one page."""

    companies: set[str] = field(default_factory=set)
    counted_layoffs: set[tuple[str, int]] = field(default_factory=set)  # (company id, headcount)
    organisations: set[str] = field(default_factory=set)  # organisations outside any list (NER)


@functools.cache
def _annotations() -> dict:
    return yaml.safe_load(TRUTH_FILE.read_text(encoding="utf-8"))


def page_truth(corpus: Corpus, i: int) -> PageTags:
    """The hand-written truth of page ``i``."""
    notes = _annotations()
    names = notes["company_names"]
    article = corpus.article(i)
    truth = PageTags(companies={names[article.lead_name]})
    for pool, index, values in article.sentences:
        note = notes["templates"][pool][index]
        truth.companies |= {names[values[slot]] for slot in note.get("companies", [])}
        truth.organisations |= {values[slot] for slot in note.get("organisations", [])}
        layoff = note.get("layoff")
        if layoff and layoff["counted"]:
            truth.counted_layoffs.add((names[values[layoff["company"]]], int(values[layoff["headcount"]])))
    return truth


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "true_positives": tp, "false_positives": fp, "false_negatives": fn}


def score(found: dict[int, PageTags], corpus: Corpus) -> dict:
    """Precision, recall and F1 per kind of tag over every page of ``corpus`` (a page a side did not
    report counts as found empty)."""
    counts = {kind: [0, 0, 0] for kind in ("companies", "counted_layoffs", "organisations")}
    for i in range(corpus.n_pages):
        truth, got = page_truth(corpus, i), found.get(i, PageTags())
        for kind, c in counts.items():
            t, g = getattr(truth, kind), getattr(got, kind)
            c[0] += len(t & g)
            c[1] += len(g - t)
            c[2] += len(t - g)
    return {kind: _prf(*c) for kind, c in counts.items()}
