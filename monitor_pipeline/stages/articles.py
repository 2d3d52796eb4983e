"""The articles stage: from the day's stored pages to articles (extracted, cleaned, language-tagged),
syndicated copies grouped into clusters with the articles of the days before."""
from __future__ import annotations

import dataclasses
import json
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import duckdb

from monitor_pipeline.storage import page_extractions, retention, syndication_index, warehouse
from monitor_pipeline.core.text.article_processing import PageInput, ProcessedArticle, process_pages
from monitor_pipeline.core.text.extraction_key import extraction_key
from monitor_pipeline.core.text.workers import read_ahead
from monitor_pipeline.storage.page_store import PageStore
from monitor_pipeline.storage.spool import PartitionSpool
from monitor_pipeline.storage.warehouse import ConnectionFactory

SYNDICATION_LOOKBACK_DAYS = 14  # a day's pages are compared with the signatures of the 14 days before
ARTICLE_BATCH_PAGES = 200  # article rows spooled at a time by build_articles (bounded memory)
ENTRY_READ_ROWS = 1_000  # feed entries read from the warehouse at a time by build_articles
PAGES_READ_AHEAD = 16  # stored pages read and decompressed before a worker asks for them
KEPT_LOOKUP_ROWS = 500  # entries whose kept processed articles are looked up at a time


def _chunks(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _fetch_failure_status(page: dict) -> str:
    if page["status"] == "ok":  # fetched, but the page store no longer has the body
        return "page_missing"
    if page["status"] == "http_error" and page["http_status"]:
        return f"http_{page['http_status']}"
    return page["status"] or "missing"


def _published_at(entry: dict, html_published: str | None) -> tuple[datetime | None, str]:
    if html_published:
        try:
            parsed = datetime.fromisoformat(html_published)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.utc)
            return parsed, "html"
        except ValueError:
            pass
    if entry["published_at"] is not None:
        return entry["published_at"], "feed"
    return entry["first_seen_at"], "first_seen"


def _rows_with_articles(connect: ConnectionFactory, store: PageStore, day: str, workers: int,
                        timeout_s: float, report: "ArticlesReport") -> Iterator[tuple[dict, ProcessedArticle | None]]:
    """The day's feed entries in entry_id order, each with its processed page (None when no page is
    stored). Entries are read ENTRY_READ_ROWS at a time; the stored pages are read from the page store
    as the workers ask for them, and the entries read ahead of the workers wait in a queue: memory
    does not grow with the partition."""
    queued: deque[dict] = deque()

    def pages() -> Iterator[PageInput | ProcessedArticle]:
        """Each stored page: its processed article when one is kept under its extraction key (the pages
        stage extracted it as it arrived), else the page itself, read from the store, for a worker."""
        for rows in _chunks(syndication_index.day_entries(connect, day, ENTRY_READ_ROWS), KEPT_LOOKUP_ROWS):
            inputs = {}
            for row in rows:
                row["stored"] = bool(row["status"] == "ok" and row["content_sha256"] and store.has(row["content_sha256"]))
                if row["stored"]:
                    page = PageInput(article_id=row["entry_id"], body=b"", content_type=row["content_type"],
                                     url=row["final_url"] or row["url"], feed_summary=row["summary"],
                                     feed_title=row["feed_title"])
                    inputs[row["entry_id"]] = (extraction_key(page, row["content_sha256"]), page)
            with connect() as conn:
                kept = page_extractions.load(conn, [key for key, _ in inputs.values()])
            for row in rows:
                queued.append(row)
                if row["stored"]:
                    key, page = inputs[row["entry_id"]]
                    row["extraction_key"], row["extracted_before"] = key, key in kept
                    if key in kept:
                        report.extracted_before += 1
                        yield page_extractions.article(row["entry_id"], kept[key])
                    else:
                        yield dataclasses.replace(page, body=store.get(row["content_sha256"]))

    # Read ahead in a thread of its own when workers compute: a worker that finishes finds its next page
    # already read and decompressed, instead of waiting for the store.
    inputs = read_ahead(pages(), PAGES_READ_AHEAD) if workers > 1 else pages()
    for art in process_pages(inputs, workers=workers, timeout_s=timeout_s):
        while queued and not queued[0]["stored"]:
            yield queued.popleft(), None
        if not queued:
            raise RuntimeError("more processed pages than stored pages")
        row = queued.popleft()
        if art.article_id != row["entry_id"]:
            raise RuntimeError(f"processed {art.article_id} where {row['entry_id']} was expected")
        yield row, art
    for row in queued:  # the entries after the last stored page (all of them when none is stored)
        if row["stored"]:
            raise RuntimeError(f"no processed page for {row['entry_id']}")
        yield row, None


@dataclass
class ArticlesReport:
    articles: int = 0
    statuses: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    clusters: int = 0
    syndicated_copies: int = 0
    extracted_before: int = 0  # pages whose processed article the pages stage kept (not extracted again)
    # set when the day's raw pages were removed by retention: its articles were kept as last built
    pages_removed_by_retention: str | None = None


def build_articles(connect: ConnectionFactory, day: str, workers: int = 2, timeout_s: float = 30.0) -> ArticlesReport:
    """Decode, extract, clean, detect language and cluster syndicated copies, from stored HTML only.

    A day whose raw pages the retention policy removed is not rebuilt: its articles, built while the
    pages existed, are kept and the report says why (PagesRemovedByRetention when it has none)."""
    report = ArticlesReport()
    # Rows go to a spool in batches and are published at the end in one transaction: memory stays
    # bounded whatever the partition size, and the working file is locked only for the copy. The
    # signatures stay in the spool too, where DuckDB finds the candidate copies (syndication_index).
    with PartitionSpool(["articles"]) as spool:
        with connect() as conn:
            warehouse.ensure_schema(conn)
            removed = retention.pages_removed(conn, day)
            if removed is not None:
                return _kept_after_retention(conn, day, retention.removed_pages_message(removed))
            since = date.fromisoformat(day) - timedelta(days=SYNDICATION_LOOKBACK_DAYS)
            syndication_index.copy_known_signatures(conn, spool.connection, day, since)
            store = warehouse.page_store(conn)
        batch: list[dict] = []
        extracted: list[tuple[str, ProcessedArticle]] = []  # extracted here: kept for the next rebuild
        for row, art in _rows_with_articles(connect, store, day, workers, timeout_s, report):
            article = _article_row(day, row, art)
            report.statuses[article["status"]] += 1
            report.languages[article["language"]] += 1
            report.articles += 1
            batch.append(article)
            if art is not None and not row["extracted_before"]:
                extracted.append((row["extraction_key"], art))
            if len(batch) >= ARTICLE_BATCH_PAGES:
                spool.append({"articles": batch})
                _keep_extracted(connect, day, extracted)
                batch, extracted = [], []
        spool.append({"articles": batch})
        _keep_extracted(connect, day, extracted)
        copies = syndicated_copies(spool.connection)
        report.syndicated_copies = len(copies)
        _set_cluster_ids(spool.connection, copies)
        report.clusters = syndication_index.cluster_count(spool.connection)
        syndication_index.drop(spool.connection)
        with connect() as conn:
            spool.publish(conn, day)
            page_extractions.drop_stale(conn, day)
    return report


def _keep_extracted(connect: ConnectionFactory, day: str, extracted: list[tuple[str, ProcessedArticle]]) -> None:
    if extracted:
        with connect() as conn:
            page_extractions.save(conn, day, extracted)


def syndicated_copies(spool: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """article_id → cluster_id of the day's syndicated copies (``syndication.assign_clusters``'s
    decisions), from the signatures in the spool: the day's articles and the known ones."""
    from monitor_pipeline.core.text import syndication

    syndication_index.index_signatures(spool, syndication.EMPTY_SIGNATURE, syndication.SIGNATURE_BYTES,
                                       syndication.BANDS, syndication.ROWS * syndication.VALUE_BYTES)
    copies = dict(syndication_index.new_articles_already_known(spool))
    copies.update(syndication.resolve_candidates(syndication_index.indexed(spool),
                                                  syndication_index.candidate_pairs(spool)))
    return copies


def _kept_after_retention(conn: duckdb.DuckDBPyConnection, day: str, why: str) -> ArticlesReport:
    """The report of a day that cannot be rebuilt: its articles as they are, or an error when it has none."""
    report = ArticlesReport(pages_removed_by_retention=f"{why}; its articles are kept as last built")
    for status, language, n in conn.execute("""SELECT status, language, count(*) FROM articles
            WHERE partition_day = ? GROUP BY ALL ORDER BY ALL""", [day]).fetchall():
        report.statuses[status] += n
        report.languages[language] += n
        report.articles += n
    if not report.articles:
        raise retention.PagesRemovedByRetention(f"{why}, and it holds no articles built before")
    report.clusters = conn.execute("SELECT count(DISTINCT cluster_id) FROM articles WHERE partition_day = ?",
                                   [day]).fetchone()[0]
    report.syndicated_copies = report.articles - report.clusters
    return report


def _article_row(day: str, row: dict, art: ProcessedArticle | None) -> dict[str, Any]:
    """The ``articles`` row of one feed entry: its processed page, or the fetch status when the page
    never arrived (the entry stays visible). ``cluster_id`` starts as the article itself."""
    base = {
        "article_id": row["entry_id"], "partition_day": day, "source_id": row["source_id"], "url": row["url"],
        "feed_language": row["feed_language"], "first_seen_at": row["first_seen_at"],
        "feed_published_at": row["published_at"], "cluster_id": row["entry_id"],
    }
    if art is None:
        published_at, published_source = _published_at(row, None)
        base.update(status=_fetch_failure_status(row) if row["status"] else "not_fetched",
                    title=row["feed_title"], text=row["summary"] or "", language="und",
                    language_probability=0.0, published_at=published_at,
                    published_at_source=published_source, word_count=0)
        return base
    published_at, published_source = _published_at(row, art.html_published_at)
    feed_lang = (row["feed_language"] or "")[:2].lower() or None
    base.update(
        status=art.status, title=art.title or row["feed_title"], author=art.author, sitename=art.sitename,
        description=art.description, html_lang=art.html_lang, language=art.language,
        language_probability=art.language_probability,
        language_disagrees=bool(art.language != "und" and (
            (feed_lang and feed_lang != art.language)
            or (art.html_lang and art.html_lang[:2].lower() != art.language))),
        encoding=art.encoding, encoding_source=art.encoding_source, text=art.text,
        paragraphs_json=json.dumps(art.paragraphs), sentences_json=json.dumps(art.sentences),
        word_count=len(art.text.split()), published_at=published_at, published_at_source=published_source,
        html_published_at=art.html_published_at, signature=art.signature, error=art.error,
    )
    return base


def _set_cluster_ids(conn: duckdb.DuckDBPyConnection, cluster_of: dict[str, str]) -> None:
    """Point syndicated copies at their cluster (in the spool, before publishing)."""
    if not cluster_of:
        return
    import pandas as pd

    conn.register("_cluster_of", pd.DataFrame({"article_id": list(cluster_of), "cluster_id": list(cluster_of.values())}))
    try:
        conn.execute("""UPDATE articles SET cluster_id = c.cluster_id FROM _cluster_of c
                        WHERE articles.article_id = c.article_id""")
    finally:
        conn.unregister("_cluster_of")
