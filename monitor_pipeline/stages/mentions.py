"""The mentions stage: tag the day's French articles (companies, metrics, layoff mentions, unknown
organisations) and replace the four mention tables in one transaction; and the knowledge base table."""
from __future__ import annotations

import functools
import json
from collections.abc import Iterator

from monitor_pipeline.stages.taggable import TAGGABLE_STATUSES, TAGGED_LANGUAGE
from monitor_pipeline.storage import article_tags, warehouse
from monitor_pipeline.storage.spool import PartitionSpool
from monitor_pipeline.stages.mention_rows import MENTION_TABLES, MentionsReport, mention_rows
from monitor_pipeline.storage.warehouse import ConnectionFactory

TAG_READ_BATCH = 200  # articles read from the warehouse, and sent through NER, at a time
TAG_CHUNK = 25  # articles per task sent to a tagging worker
TAG_SPOOL_BUFFER_ROWS = 5_000  # mention rows held before a spool write (~1 KB each with their sentence)
# From this many articles, worker processes apply the rules while this process runs NER. A worker
# starts in ~0.6 s (knowledge base only, no spaCy); measured here with 2 workers: even at 500
# articles (3.3 s), 2,000 articles in 10.0 s instead of 14.3 s in one process.
PARALLEL_TAGGING_MIN_ARTICLES = 300


def tag_articles(connect: ConnectionFactory, day: str, tagger=None, workers: int = 1) -> MentionsReport:
    """Tag the day's French articles: companies, metrics, layoff mentions and unknown organisations.

    Articles are read and tagged in bounded batches, in ``workers`` processes when there are enough
    of them (a given ``tagger`` always runs in this process); rows are spooled and the four mention
    tables replaced in one transaction at the end."""
    with connect() as conn:
        warehouse.ensure_schema(conn)
        ids = [r[0] for r in conn.execute("""
            SELECT article_id FROM articles
            WHERE partition_day = ? AND language = ? AND status IN (SELECT unnest(?))
            ORDER BY article_id""", [day, TAGGED_LANGUAGE, list(TAGGABLE_STATUSES)]).fetchall()]
    report = MentionsReport(articles_tagged=len(ids))
    # The product's tagger reuses the tags kept under each article's tagging key (the pages stage tagged
    # the article as soon as it was extracted), and keeps the ones it computes for the next rebuild;
    # a tagger given here (tests, evaluations) may differ from the product's, so it tags everything.
    reuse = tagger is None
    parallel = tagger is None and workers > 1 and len(ids) >= PARALLEL_TAGGING_MIN_ARTICLES
    tagger = tagger or cached_tagger()
    with PartitionSpool(MENTION_TABLES, buffer_rows=TAG_SPOOL_BUFFER_ROWS) as spool:
        for batch, results in _tagged_batches(connect, ids, tagger, workers if parallel else 1, reuse):
            spool.append(mention_rows(day, batch, results, report))
            if reuse:
                computed = [(a["tagging_key"], a["article_id"], r) for a, r in zip(batch, results) if a["kept"] is None]
                report.tagged_before += len(batch) - len(computed)
                with connect() as conn:
                    article_tags.save(conn, day, computed)
        spool.flush()  # before taking the working file's lock, which is then held for the copy only
        with connect() as conn:
            spool.publish(conn, day)
            if reuse:
                article_tags.drop_stale(conn, day)
    report.company_mentions = spool.rows["company_mentions"]
    report.metric_mentions = spool.rows["numeric_facts"]
    report.layoff_mentions = spool.rows["layoff_mentions"]
    report.org_candidates = spool.rows["org_candidate_mentions"]
    return report


def store_companies(connect: ConnectionFactory, tagger=None) -> int:
    """Write the company knowledge base (the tagger's) to the ``companies`` table."""
    from monitor_pipeline.core.tagging.companies import KnowledgeBase

    kb = tagger.kb if tagger is not None else KnowledgeBase.load()
    rows = [{"company_id": c.id, "name": c.name, "country": getattr(c, "country", None),
             "sector": getattr(c, "sector", None), "wikidata": getattr(c, "wikidata", None)}
            for c in kb.companies.values()]
    with connect() as conn:
        warehouse.ensure_schema(conn)
        warehouse.upsert_rows(conn, "companies", "company_id", rows)
    return len(rows)


def _article_batches(connect: ConnectionFactory, ids: list[str], reuse: bool) -> Iterator[list[dict]]:
    """The articles to tag, TAG_READ_BATCH at a time (short reads), each with its tagging key and, with
    ``reuse``, the tags kept under it (``kept``, None when there are none)."""
    from monitor_pipeline.core.tagging.tagging_key import tagging_key
    from monitor_pipeline.core.text.clean import CleanedText

    for start in range(0, len(ids), TAG_READ_BATCH):
        with connect() as conn:
            rows = warehouse.fetch_dicts(conn, """
                SELECT article_id, cluster_id, text, paragraphs_json, sentences_json FROM articles
                WHERE article_id IN (SELECT unnest(?)) ORDER BY article_id""", [ids[start:start + TAG_READ_BATCH]])
            for row in rows:
                row["cleaned"] = CleanedText(
                    text=row.pop("text"), paragraphs=[tuple(p) for p in json.loads(row.pop("paragraphs_json") or "[]")],
                    sentences=[tuple(s) for s in json.loads(row.pop("sentences_json") or "[]")])
                row["tagging_key"] = tagging_key(row["cleaned"]) if reuse else None
            kept = article_tags.load(conn, [row["tagging_key"] for row in rows]) if reuse else {}
        for row in rows:
            row["kept"] = kept.get(row["tagging_key"])
        yield rows


def _with_kept(batch: list[dict], computed: list) -> list:
    """The batch's tags in article order: the kept ones, and ``computed`` for the others (in order)."""
    fresh = iter(computed)
    results = [a["kept"] if a["kept"] is not None else next(fresh) for a in batch]
    if next(fresh, None) is not None:
        raise RuntimeError("more tags computed than articles left to tag")
    return results


def _tagged_batches(connect: ConnectionFactory, ids: list[str], tagger, workers: int,
                    reuse: bool = False) -> Iterator[tuple[list, list]]:
    """(batch of articles, their TagResults), in article order. NER runs over a whole batch: spaCy
    costs 1.6 ms a sentence in batches of 256, 2.3 ms in batches of 64.

    With several workers, they apply the rules and NER's prefilter (TAG_CHUNK articles a task, the
    next batch already queued) while this process runs ``tagger``'s NER: spaCy is loaded once, here.
    The workers come from the warm forkserver, knowledge base already loaded."""
    batches = _article_batches(connect, ids, reuse)
    if workers <= 1:
        for batch in batches:
            yield batch, _with_kept(batch, tagger.tag_many([a["cleaned"] for a in batch if a["kept"] is None]))
        return
    from concurrent.futures import ProcessPoolExecutor

    from monitor_pipeline.core.tagging.tagger import tag_for_ner_in_parent
    from monitor_pipeline.core.text.workers import worker_context

    def with_org_candidates(batch: list, futures: list) -> tuple[list, list]:
        results, ner_sentences = [], []
        for future in futures:
            chunk_results, chunk_sentences = future.result()
            results.extend(chunk_results)
            ner_sentences.extend(chunk_sentences)
        to_tag = [a["cleaned"] for a in batch if a["kept"] is None]
        candidates = tagger.org_candidates_many(to_tag, list(dict.fromkeys(ner_sentences)))
        for result, found in zip(results, candidates, strict=True):
            if found:  # workers run NER themselves and send no sentences: keep theirs
                result.org_candidates = found
        return batch, _with_kept(batch, results)

    # No worker process starts until a task is submitted: a batch whose tags are all kept costs none.
    with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context()) as pool:
        def submitted(batch: list) -> tuple[list, list]:
            to_tag = [a["cleaned"] for a in batch if a["kept"] is None]
            return batch, [pool.submit(tag_for_ner_in_parent, to_tag[k:k + TAG_CHUNK])
                           for k in range(0, len(to_tag), TAG_CHUNK)]

        ahead = None
        for batch in batches:
            current, ahead = ahead, submitted(batch)
            if current is not None:
                yield with_org_candidates(*current)
        if ahead is not None:
            yield with_org_candidates(*ahead)


@functools.cache
def cached_tagger():
    """One tagger with NER per process: the knowledge base automaton and the spaCy model load once
    (worker processes use ``core.tagging.rules_tagger``, without NER)."""
    from monitor_pipeline.core.tagging.tagger import Tagger

    return Tagger(with_ner=True)
