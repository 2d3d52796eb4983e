"""The rows of the four mention tables, built from the tagger's results, and the stage's counters: the
one place that decides what a mention row holds (add a column here and in ``warehouse.TABLES``)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MENTION_TABLES = ("company_mentions", "numeric_facts", "layoff_mentions", "org_candidate_mentions")


@dataclass
class MentionsReport:
    articles_tagged: int = 0
    company_mentions: int = 0
    metric_mentions: int = 0
    layoff_mentions: int = 0
    counted_layoffs: int = 0
    org_candidates: int = 0
    tagged_before: int = 0  # articles whose tags were kept (by the pages stage or a previous run): not tagged again
    companies: Counter = field(default_factory=Counter)
    layoff_statuses: Counter = field(default_factory=Counter)


def _sentence_at(text: str, sentences: list, start: int) -> str:
    for s, e in sentences:
        if s <= start < e:
            return text[s:e]
    return ""


def mention_rows(day: str, chunk: list[dict], results: list, report: MentionsReport) -> dict[str, list[dict]]:
    """The mention tables' rows for a chunk of tagged articles (and the report's counters)."""
    from monitor_pipeline.core.tagging.layoffs import COUNTED_STATUSES
    from monitor_pipeline.core.tagging.tagger import TAGGER_VERSION

    rows: dict[str, list[dict]] = {table: [] for table in MENTION_TABLES}
    for art, result in zip(chunk, results):
        aid, cleaned = art["article_id"], art["cleaned"]
        for m in result.companies:
            report.companies[m.company_id] += 1
            rows["company_mentions"].append({
                "article_id": aid, "partition_day": day, "company_id": m.company_id, "company_name": m.name,
                "surface": m.surface, "via": m.via, "char_start": m.start, "char_end": m.end,
                "sentence": _sentence_at(cleaned.text, cleaned.sentences, m.start), "tagger_version": TAGGER_VERSION,
                "known": m.known,
            })
        for m in result.metrics:
            rows["numeric_facts"].append({
                "article_id": aid, "partition_day": day, "text": m.text, "value": m.value, "unit": m.unit,
                "kind": m.kind, "qualifier": m.qualifier, "noun": m.noun, "range_low": m.range_low,
                "company_id": m.company_id, "char_start": m.start, "char_end": m.end,
                "sentence": _sentence_at(cleaned.text, cleaned.sentences, m.start), "tagger_version": TAGGER_VERSION,
            })
        for index, m in enumerate(result.layoffs):
            counted = m.status in COUNTED_STATUSES and m.company_id is not None
            report.layoff_statuses[m.status] += 1
            report.counted_layoffs += counted
            rows["layoff_mentions"].append({
                "article_id": aid, "partition_day": day, "mention_index": index, "company_id": m.company_id,
                "status": m.status, "counted": counted,
                "headcount": m.headcount, "headcount_percent": m.headcount_percent, "trigger": m.trigger,
                "sentence": m.sentence, "char_start": m.start, "char_end": m.end,
                "cluster_id": art["cluster_id"], "tagger_version": TAGGER_VERSION,
                "company_name": m.company_name, "known": m.known, "headcount_low": m.headcount_low,
                "headcount_high": m.headcount_high, "headcount_qualifier": m.headcount_qualifier,
                "trigger_start": m.trigger_start, "trigger_end": m.trigger_end, "rule": m.rule,
            })
        for c in result.org_candidates:
            rows["org_candidate_mentions"].append(
                {"article_id": aid, "partition_day": day, "name": c.name, "sentence": c.sentence})
    return rows
