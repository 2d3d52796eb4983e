"""Tags kept under their tagging key (``core.tagging.tagging_key``), so that an article is tagged
once: the pages stage saves them as articles are extracted, the mentions stage loads them (and saves
the ones it had to compute, for the next rebuild of the day)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import duckdb

from monitor_pipeline.core.tagging.draft import TagResult
from monitor_pipeline.core.tagging.tagging_key import result_from_json, result_to_json, tagging_fingerprint
from monitor_pipeline.storage import warehouse
from monitor_pipeline.storage.page_extractions import KEPT_DAYS


def save(conn: duckdb.DuckDBPyConnection, day: str, keyed: Sequence[tuple[str, str, TagResult]]) -> int:
    """Keep each ``(key, article_id, tags)`` of ``day`` (one transaction); returns how many."""
    fingerprint = tagging_fingerprint()
    rows = [{"tagging_key": key, "partition_day": day, "article_id": article_id, "fingerprint": fingerprint,
             "result_json": result_to_json(result)} for key, article_id, result in keyed]
    warehouse.upsert_rows(conn, "article_tags", "tagging_key", rows)
    return len(rows)


def load(conn: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> dict[str, TagResult]:
    """key → kept tags, for the keys that are kept."""
    if not keys:
        return {}
    return {key: result_from_json(payload) for key, payload in conn.execute(
        "SELECT tagging_key, result_json FROM article_tags WHERE tagging_key IN (SELECT unnest(?))",
        [list(keys)]).fetchall()}


def drop_stale(conn: duckdb.DuckDBPyConnection, day: str) -> None:
    """Remove what is no longer reused once ``day`` is tagged: its tags kept by another version of the
    tagger, and every kept tag of the days before the day before (as ``page_extractions.drop_stale``)."""
    oldest = date.fromisoformat(str(day)) - timedelta(days=KEPT_DAYS - 1)
    warehouse.write_transaction(conn, lambda conn: conn.execute(
        "DELETE FROM article_tags WHERE (partition_day = ? AND fingerprint <> ?) OR partition_day < ?",
        [day, tagging_fingerprint(), oldest]))


def drop_days(conn: duckdb.DuckDBPyConnection, days: Sequence) -> None:
    warehouse.write_transaction(conn, lambda conn: conn.execute(
        "DELETE FROM article_tags WHERE partition_day IN (SELECT unnest(?))", [list(days)]))
