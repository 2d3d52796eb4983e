"""Tag a cleaned article: company mentions, metrics, layoff mentions and NER org candidates.

``Tagger`` wires the matcher, the metric finder, the layoff finder and (optionally) spaCy NER.
All offsets are character offsets into ``CleanedText.text``. ``tag_many`` batches the NER step
across articles.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

from monitor_pipeline.core.text.clean import CleanedText
from monitor_pipeline.core.tagging.companies import CompanyMatcher, CompanyMention, KnowledgeBase, simple_sentence_spans
from monitor_pipeline.core.tagging.layoffs import (
    LayoffLexicon,
    LayoffMention,
    find_layoffs,
    is_excluded_context,
    mask_relative_clauses,
)
from monitor_pipeline.core.tagging.metrics import Metric, find_metrics
from monitor_pipeline.core.tagging.org_candidates import OrgCandidate, find_org_candidates, needs_ner
from monitor_pipeline.core.text.workers import freeze_warm_state, in_warm_forkserver

__all__ = ["TAGGER_VERSION", "TagResult", "Tagger", "attribute_metric", "rules_tagger", "tag_for_ner_in_parent"]

#: Bump when matching rules, lexicon semantics or outputs change (stored with tags).
TAGGER_VERSION = "tagger-1.0"

_CONTEXT_SENTENCES = 2  # previous sentences searched for an anaphora's antecedent


@dataclass
class TagResult:
    """Everything the tagger found in one article."""

    companies: list[CompanyMention] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    layoffs: list[LayoffMention] = field(default_factory=list)
    org_candidates: list[OrgCandidate] = field(default_factory=list)


def attribute_metric(sentence: str, sentence_start: int, metric: Metric, mentions: Sequence[CompanyMention]) -> str | None:
    """Company a metric belongs to: the only company of the sentence, else the structural subject.

    With several companies, those cited as source/comparison ("selon X", "comme X") or inside a
    relative clause are set aside; if one remains it wins, else the nearest one before the metric.
    """
    ids = {m.company_id for m in mentions}
    if not ids:
        return None
    if len(ids) == 1:
        return next(iter(ids))
    masked = mask_relative_clauses(sentence)
    kept = [m for m in mentions
            if not is_excluded_context(sentence, m.start - sentence_start)
            and masked[m.start - sentence_start:m.end - sentence_start].strip()]
    kept_ids = {m.company_id for m in kept}
    if len(kept_ids) == 1:
        return next(iter(kept_ids))
    before = [m for m in kept if m.end <= metric.start]
    return before[-1].company_id if before else None


class Tagger:
    """Company/metric/layoff tagger with optional NER discovery of unknown organisations."""

    def __init__(self, kb: KnowledgeBase | None = None, lexicon: LayoffLexicon | None = None,
                 with_ner: bool = True) -> None:
        self.kb = kb if kb is not None else KnowledgeBase.load()
        self.lexicon = lexicon if lexicon is not None else LayoffLexicon.load()
        self.matcher = CompanyMatcher(self.kb)
        self.with_ner = with_ner

    def _tag_without_ner(self, cleaned: CleanedText) -> TagResult:
        text = cleaned.text
        spans = list(cleaned.sentences) or simple_sentence_spans(text)
        companies = self.matcher.find(text, spans)
        result = TagResult(companies=companies)
        per_sentence: list[list[CompanyMention]] = []
        idx = 0
        for s, e in spans:
            while idx < len(companies) and companies[idx].start < s:
                idx += 1
            j = idx
            inside = []
            while j < len(companies) and companies[j].start < e:
                inside.append(companies[j])
                j += 1
            per_sentence.append(inside)
        for k, (s, e) in enumerate(spans):
            sentence = text[s:e]
            inside = per_sentence[k]
            metrics = find_metrics(sentence, base_offset=s)
            for metric in metrics:
                cid = attribute_metric(sentence, s, metric, inside)
                result.metrics.append(replace(metric, company_id=cid) if cid else metric)
            context = [m for prev in per_sentence[max(0, k - _CONTEXT_SENTENCES):k] for m in prev]
            result.layoffs.extend(find_layoffs(sentence, s, inside, self.lexicon, context_companies=context,
                                               sentence_metrics=metrics))
        return result

    def tag(self, cleaned: CleanedText) -> TagResult:
        """Tag one cleaned article."""
        return self.tag_many([cleaned])[0]

    def tag_many(self, items: Sequence[CleanedText]) -> list[TagResult]:
        """Tag several articles; the NER step runs once over all their candidate sentences."""
        results = [self._tag_without_ner(c) for c in items]
        for result, candidates in zip(results, self.org_candidates_many(items)):
            result.org_candidates = candidates
        return results

    def org_candidates_many(self, items: Sequence[CleanedText],
                            ner_sentences: Sequence[str] | None = None) -> list[list[OrgCandidate]]:
        """Each article's unknown organisations (empty lists without NER), one NER batch for all.

        ``ner_sentences``: the result of :meth:`ner_sentences` for these items, when already
        computed elsewhere (a worker process); the prefilter is then not run again."""
        found: list[list[OrgCandidate]] = [[] for _ in items]
        if not self.with_ner:
            return found
        by_sentence = _sentence_owners(items)
        if ner_sentences is None:
            ner_sentences = [s for s in by_sentence if needs_ner(s, self.matcher)]
        for cand in find_org_candidates(ner_sentences, matcher=self.matcher, prefiltered=True):
            for owner in dict.fromkeys(by_sentence.get(cand.sentence, [])):
                found[owner].append(cand)
        return found

    def ner_sentences(self, items: Sequence[CleanedText]) -> list[str]:
        """The items' distinct sentences that pass NER's prefilter (a capitalized word that is
        not a known company), in order of first appearance."""
        return [s for s in _sentence_owners(items) if needs_ner(s, self.matcher)]


def _sentence_owners(items: Sequence[CleanedText]) -> dict[str, list[int]]:
    """Each distinct non-empty sentence of the items, with the indexes of the items holding it."""
    by_sentence: dict[str, list[int]] = {}
    for i, c in enumerate(items):
        spans = list(c.sentences) or simple_sentence_spans(c.text)
        for s, e in spans:
            if e > s:
                by_sentence.setdefault(c.text[s:e], []).append(i)
    return by_sentence


_RULES_TAGGER: Tagger | None = None


def rules_tagger() -> Tagger:
    """This process's tagger without NER: the knowledge base and lexicon load once per process."""
    global _RULES_TAGGER
    if _RULES_TAGGER is None:
        _RULES_TAGGER = Tagger(with_ner=False)
    return _RULES_TAGGER


def tag_for_ner_in_parent(items: Sequence[CleanedText]) -> tuple[list[TagResult], list[str]]:
    """Worker task: the rule-based tags of a chunk of articles, and the sentences the process
    holding the spaCy model should run NER on (see :meth:`Tagger.org_candidates_many`)."""
    tagger = rules_tagger()
    return tagger.tag_many(items), tagger.ner_sentences(items)


if in_warm_forkserver(__name__):
    try:  # imported as the worker forkserver's preload: load the knowledge base once for all workers
        rules_tagger()
    except Exception:  # noqa: BLE001 - a broken knowledge base fails in the worker, with its message
        pass
    freeze_warm_state()
