"""The articles stage: from the day's stored pages to articles (extracted, cleaned, language-tagged),
syndicated copies grouped into clusters with the articles of the days before."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import duckdb

from monitor_pipeline.storage import retention, warehouse
from monitor_pipeline.core.text.article_processing import PageInput, ProcessedArticle, process_pages
from monitor_pipeline.storage.page_store import PageStore
from monitor_pipeline.storage.spool import PartitionSpool
from monitor_pipeline.storage.warehouse import ConnectionFactory

SYNDICATION_LOOKBACK_DAYS = 14  # a day's pages are compared with the signatures of the 14 days before
ARTICLE_BATCH_PAGES = 200  # article rows spooled at a time by build_articles (bounded memory)


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


def _stored_pages(store: PageStore, fetched: list[dict]) -> Iterator[PageInput]:
    """The stored pages as PageInputs, read from the page store one at a time as the workers ask for
    them, so memory does not grow with the partition."""
    for r in fetched:
        yield PageInput(article_id=r["entry_id"], body=store.get(r["content_sha256"]),
                        content_type=r["content_type"], url=r["final_url"] or r["url"],
                        feed_summary=r["summary"], feed_title=r["feed_title"])


@dataclass
class ArticlesReport:
    articles: int = 0
    statuses: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    clusters: int = 0
    syndicated_copies: int = 0
    # set when the day's raw pages were removed by retention: its articles were kept as last built
    pages_removed_by_retention: str | None = None


def build_articles(connect: ConnectionFactory, day: str, workers: int = 2, timeout_s: float = 30.0) -> ArticlesReport:
    """Decode, extract, clean, detect language and cluster syndicated copies, from stored HTML only.

    A day whose raw pages the retention policy removed is not rebuilt: its articles, built while the
    pages existed, are kept and the report says why (PagesRemovedByRetention when it has none)."""
    from monitor_pipeline.core.text.syndication import assign_clusters

    with connect() as conn:
        warehouse.ensure_schema(conn)
        removed = retention.pages_removed(conn, day)
        if removed is not None:
            return _kept_after_retention(conn, day, retention.removed_pages_message(removed))
        rows = warehouse.fetch_dicts(conn, """
            SELECT e.entry_id, e.source_id, e.url, e.title AS feed_title, e.summary, e.published_at,
                   e.first_seen_at, e.feed_language, p.status, p.http_status, p.content_type,
                   p.content_sha256, p.final_url
            FROM feed_entries e LEFT JOIN article_pages p USING (entry_id)
            WHERE e.partition_day = ? ORDER BY e.entry_id""", [day])
        since = date.fromisoformat(day) - timedelta(days=SYNDICATION_LOOKBACK_DAYS)
        known = conn.execute("""
            SELECT article_id, cluster_id, signature FROM articles
            WHERE partition_day <> ? AND partition_day >= ? AND signature IS NOT NULL
            ORDER BY article_id""", [day, since]).fetchall()
        store = warehouse.page_store(conn)
    for row in rows:
        row["stored"] = bool(row["status"] == "ok" and row["content_sha256"] and store.has(row["content_sha256"]))
    fetched = [r for r in rows if _has_stored_page(r)]
    processed = process_pages(_stored_pages(store, fetched), workers=workers, timeout_s=timeout_s)
    report = ArticlesReport()
    signatures: list[tuple[str, bytes]] = []
    # Rows go to a spool in batches and are published at the end in one transaction: memory stays
    # bounded whatever the partition size, and the working file is locked only for the copy.
    with PartitionSpool(["articles"]) as spool:
        batch: list[dict] = []
        for row in rows:
            art = next(processed) if _has_stored_page(row) else None
            if art is not None and art.article_id != row["entry_id"]:
                raise RuntimeError(f"processed {art.article_id} where {row['entry_id']} was expected")
            article = _article_row(day, row, art)
            report.statuses[article["status"]] += 1
            report.languages[article["language"]] += 1
            if article.get("signature"):
                signatures.append((article["article_id"], article["signature"]))
            batch.append(article)
            if len(batch) >= ARTICLE_BATCH_PAGES:
                spool.append({"articles": batch})
                batch = []
        spool.append({"articles": batch})
        if next(processed, None) is not None:
            raise RuntimeError("more processed pages than stored pages")
        report.articles = len(rows)
        copies = {a: c for a, c in assign_clusters(signatures, known).items() if a != c}
        report.syndicated_copies = len(copies)
        report.clusters = len({r["entry_id"] for r in rows if r["entry_id"] not in copies} | set(copies.values()))
        _set_cluster_ids(spool.connection, copies)
        with connect() as conn:
            spool.publish(conn, day)
    return report


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


def _has_stored_page(row: dict) -> bool:
    return row["stored"]


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
