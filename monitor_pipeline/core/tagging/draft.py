"""One article being tagged (:class:`ArticleDraft`), the result it fills (:class:`TagResult`) and
the small helpers the tagger's modules share over them."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

from monitor_pipeline.core.tagging.companies import CompanyMention, simple_sentence_spans
from monitor_pipeline.core.tagging.layoffs import LayoffMention
from monitor_pipeline.core.tagging.numeric_facts import Metric
from monitor_pipeline.core.tagging.org_candidates import OrgCandidate
from monitor_pipeline.core.text.clean import CleanedText


CONTEXT_SENTENCES = 2


@dataclass
class TagResult:
    """Everything the tagger found in one article."""

    companies: list[CompanyMention] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    layoffs: list[LayoffMention] = field(default_factory=list)
    org_candidates: list[OrgCandidate] = field(default_factory=list)


@dataclass
class ArticleDraft:
    """One article being tagged."""

    cleaned: CleanedText
    spans: list[tuple[int, int]]
    result: TagResult
    metrics: list[list[Metric]] = field(default_factory=list)
    triggers: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)
    #: trigger sentences read by the lexical rules alone (see ``Tagger._plain``)
    plain: set[int] = field(default_factory=set)
    #: sentences with no lexicon trigger that may hold a lemma-family one (see ``lemma_triggers``)
    lemma_candidates: set[int] = field(default_factory=set)


def mentions_per_sentence(companies: Sequence[CompanyMention], spans: Sequence[tuple[int, int]]) -> list[list[CompanyMention]]:
    ordered = sorted(companies, key=lambda m: m.start)
    out: list[list[CompanyMention]] = []
    for s, e in spans:
        out.append([m for m in ordered if s <= m.start < e])
    return out


def insert_company(result: TagResult, mention: CompanyMention) -> None:
    """Add ``mention`` to the result's companies (in text order) unless a mention covers it."""
    if any(m.start < mention.end and mention.start < m.end for m in result.companies):
        return
    result.companies.append(mention)
    result.companies.sort(key=lambda m: m.start)


def named_layoffs(layoffs: Sequence[LayoffMention], companies: Sequence[CompanyMention]) -> list[LayoffMention]:
    names = {m.company_id: (m.name, m.known) for m in companies}
    return [replace(l, company_name=names[l.company_id][0], known=names[l.company_id][1])
            if l.company_id in names else l for l in layoffs]


def sentence_owners(items: Sequence[CleanedText]) -> dict[str, list[int]]:
    """Each distinct non-empty sentence of the items, with the indexes of the items holding it."""
    by_sentence: dict[str, list[int]] = {}
    for i, c in enumerate(items):
        spans = list(c.sentences) or simple_sentence_spans(c.text)
        for s, e in spans:
            if e > s:
                by_sentence.setdefault(c.text[s:e], []).append(i)
    return by_sentence
