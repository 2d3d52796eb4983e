"""The pages stage: fetch each new entry's page once and keep its raw HTML for later recomputation."""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

from monitor_pipeline.storage import warehouse
from monitor_pipeline.core.ingest.fetch import (
    FetchRequest, HostSchedule, HttpSettings, OriginCache, fetch_all, interleaved_by_host,
)
from monitor_pipeline.core.text.article_processing import PageInput
from monitor_pipeline.core.text.workers import worker_context
from monitor_pipeline.storage.page_store import PageStore
from monitor_pipeline.stages.early_extraction import ExtractionWhileFetching
from monitor_pipeline.stages.origin_rules import load_origin_cache, save_origin_cache
from monitor_pipeline.storage.warehouse import ConnectionFactory

FETCH_BATCH_PAGES = 500  # pages fetched, compressed and stored per batch (bounded memory)


@dataclass
class PagesReport:
    fetched: int = 0
    already_stored: int = 0
    statuses: Counter = field(default_factory=Counter)
    bytes: int = 0
    extracted: int = 0  # pages extracted while the others downloaded (kept for the articles stage)
    extraction_error: str | None = None  # why extraction while fetching stopped (the articles stage does it)


def fetch_pages(connect: ConnectionFactory, day: str, http: HttpSettings, refetch_failed: bool = False,
                warm_workers: bool = True, extract_workers: int = 0, timeout_s: float = 30.0) -> PagesReport:
    """Fetch each new entry's page once and keep its raw HTML, compressed, for later recomputation.

    ``warm_workers``: when there are pages to fetch, the worker processes' forkserver starts now and
    loads the extraction modules, the knowledge base and spaCy on the other core while this stage
    waits on the network, so the stages after it (build, tag) find their workers ready.

    ``extract_workers`` (2 or more): each page is also extracted as soon as it is stored, by that many
    worker processes, and its processed article kept for the articles stage (``early_extraction``),
    which then has little left to do; ``timeout_s`` is the per-page extraction timeout."""
    report = PagesReport()
    with connect() as conn:
        warehouse.ensure_schema(conn)
        store = warehouse.page_store(conn)
        # robots_unavailable: the site's robots.txt could not be read last time, so try again
        condition = "p.entry_id IS NULL OR p.status = 'robots_unavailable'" + (
            " OR p.status <> 'ok'" if refetch_failed else "")
        todo = warehouse.fetch_dicts(conn, f"""
            SELECT e.entry_id, e.url, e.title AS feed_title, e.summary, f.tdm_licence FROM feed_entries e
            LEFT JOIN article_pages p USING (entry_id) LEFT JOIN feeds f ON f.feed_id = e.source_id
            WHERE e.partition_day = ? AND ({condition}) ORDER BY e.entry_id""", [day])
        cache = load_origin_cache(conn)
        report.already_stored = warehouse.table_count(conn, "article_pages", day)
    if todo and warm_workers:
        worker_context()  # returns at once: the forkserver warms up in its own process
    extraction = (ExtractionWhileFetching(connect, day, store, extract_workers, timeout_s)
                  if todo and extract_workers >= 2 else None)
    try:
        _fetch_batches(connect, day, http, todo, store, cache, report, extraction)
    finally:
        if extraction is not None:
            report.extracted = extraction.finish()
            report.extraction_error = extraction.error
    if todo:
        save_origin_cache(connect, cache)
    with connect() as conn:
        report.already_stored = warehouse.table_count(conn, "article_pages", day) - report.fetched
    return report


def _fetch_batches(connect: ConnectionFactory, day: str, http: HttpSettings, todo: list[dict], store: PageStore,
                   cache: OriginCache, report: PagesReport, extraction: ExtractionWhileFetching | None) -> None:
    if extraction is not None:
        extraction.__enter__()
    # Pages are fetched and stored in batches so memory stays bounded whatever the partition size.
    # A batch's bodies reach the page store before its rows are committed (one transaction per
    # batch, keyed by entry_id): a row never points at a missing page, and a run interrupted between
    # batches keeps the pages already stored; the next run fetches only the missing ones.
    schedule = HostSchedule()  # the per-host interval (and Crawl-delay) holds across batches too
    # Each batch waits for its slowest host: round-robin over hosts gives every batch an equal share of
    # each host's pages (in entry order a host could hold twice its share of one batch).
    todo = interleaved_by_host(todo, lambda t: t["url"])
    for start in range(0, len(todo), FETCH_BATCH_PAGES):
        batch = todo[start:start + FETCH_BATCH_PAGES]
        # A TDM licence recorded in the registry lifts the pages' TDMRep reservation.
        requests = [FetchRequest(url=t["url"], kind="page", check_tdm=t["tdm_licence"] is None) for t in batch]
        on_stored = None
        if extraction is not None:
            def on_stored(index: int, result, stored, batch=batch) -> None:
                if result.ok:
                    item = batch[index]
                    extraction.submit(PageInput(
                        article_id=item["entry_id"], body=b"", content_type=result.content_type,
                        url=result.final_url or item["url"], feed_summary=item["summary"],
                        feed_title=item["feed_title"]), result.body_sha256, stored)
        results = _fetch_and_store(store, requests, http, schedule, cache, on_stored)
        now = datetime.now(timezone.utc)
        rows = []
        for item, result in zip(batch, results):
            report.statuses[result.status] += 1
            report.bytes += len(result.body)
            rows.append({
                "entry_id": item["entry_id"], "partition_day": day, "url": item["url"],
                "final_url": result.final_url, "status": result.status, "http_status": result.http_status,
                "content_type": result.content_type, "bytes": len(result.body), "truncated": result.truncated,
                "content_sha256": result.body_sha256, "fetched_at": now,
                "attempts": result.attempts, "error": result.error,
            })
        del results
        report.fetched += len(rows)
        with connect() as conn:
            warehouse.upsert_rows(conn, "article_pages", "entry_id", rows)


def _fetch_and_store(store: PageStore, requests: list[FetchRequest], http: HttpSettings,
                     schedule: HostSchedule, cache: OriginCache | None = None, on_stored=None) -> list:
    """Fetch pages; each body is compressed into the store while the others download (zlib and
    the file write release the GIL). Returns once every body is stored. ``on_stored(index, result,
    future)`` is called for each stored body, ``future`` done once it is in the store."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="page-store") as writers:
        stored = []

        def store_body(index: int, result) -> None:
            if result.body_sha256:
                stored.append(writers.submit(store.put, result.body, result.body_sha256))
                if on_stored is not None:
                    on_stored(index, result, stored[-1])

        results = fetch_all(requests, http, schedule=schedule, on_result=store_body, cache=cache)
        for future in stored:
            future.result()  # a write error (disk full) fails the batch before its rows are committed
    return results
