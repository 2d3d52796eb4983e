"""Processed articles kept under their extraction key (``core.text.extraction_key``), so that a page
is extracted once: the pages stage saves them as pages arrive, the articles stage loads them."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import duckdb

from monitor_pipeline.core.text.article_processing import ProcessedArticle
from monitor_pipeline.core.text.extraction_key import (
    article_from_json, article_to_json, extraction_fingerprint, is_kept,
)
from monitor_pipeline.storage import warehouse

KEPT_DAYS = 2  # a day's kept articles outlive it by one day: today and yesterday are rebuilt


def save(conn: duckdb.DuckDBPyConnection, day: str, keyed: Sequence[tuple[str, ProcessedArticle]]) -> int:
    """Keep each ``(key, article)`` of ``day`` (one transaction); an article whose status depends on the
    machine's load (timeout, error) is not kept. Returns how many were kept."""
    fingerprint = extraction_fingerprint()
    rows = [{"extraction_key": key, "partition_day": day, "entry_id": article.article_id,
             "fingerprint": fingerprint, "article_json": article_to_json(article), "signature": article.signature}
            for key, article in keyed if is_kept(article)]
    warehouse.upsert_rows(conn, "page_extractions", "extraction_key", rows)
    return len(rows)


def load(conn: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> dict[str, tuple[str, bytes | None]]:
    """key → (article JSON, signature) of the keys that are kept."""
    if not keys:
        return {}
    return {key: (payload, signature) for key, payload, signature in conn.execute(
        "SELECT extraction_key, article_json, signature FROM page_extractions WHERE extraction_key IN (SELECT unnest(?))",
        [list(keys)]).fetchall()}


def article(article_id: str, kept: tuple[str, bytes | None]) -> ProcessedArticle:
    payload, signature = kept
    return article_from_json(article_id, payload, signature)


def drop_stale(conn: duckdb.DuckDBPyConnection, day: str) -> int:
    """Remove what is no longer reused once ``day`` is built: its articles kept by another version of the
    extraction code, and every kept article of the days before the day before (only today and yesterday
    are rebuilt by the automation; a backfill of an older day extracts again, as it would without them)."""
    oldest = date.fromisoformat(str(day)) - timedelta(days=KEPT_DAYS - 1)

    def drop(conn: duckdb.DuckDBPyConnection) -> None:
        conn.execute("DELETE FROM page_extractions WHERE (partition_day = ? AND fingerprint <> ?) OR partition_day < ?",
                     [day, extraction_fingerprint(), oldest])

    before = warehouse.table_count(conn, "page_extractions")
    warehouse.write_transaction(conn, drop)
    return before - warehouse.table_count(conn, "page_extractions")


def drop_days(conn: duckdb.DuckDBPyConnection, days: Sequence) -> None:
    """Remove the kept articles of days whose raw pages are removed (retention)."""
    warehouse.write_transaction(conn, lambda conn: conn.execute(
        "DELETE FROM page_extractions WHERE partition_day IN (SELECT unnest(?))", [list(days)]))
