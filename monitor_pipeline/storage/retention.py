"""Retention: how long the raw page store and the lake's old snapshots are kept (default: forever).

Plain functions over a connection the caller opened (no Dagster); ``defs/maintenance`` applies them
daily with the settings of ``MONITOR_PAGE_RETENTION_DAYS`` and ``MONITOR_SNAPSHOT_RETENTION_DAYS``.

**Pages.** The store is addressed by content (``storage.page_store``): one file may serve several
days (a syndicated copy served twice). A day older than the retention loses the files that no kept
day references; the days removed are recorded in ``page_retention`` *before* any file is deleted,
so a rebuild of such a day (``stages.build_articles``) knows why its pages are gone even if the
removal was interrupted, and keeps the articles built while the pages existed instead of writing
"page missing" rows. A file stored or re-stored less than ``RECENT_FILE_GRACE`` ago is never removed:
a fetch in progress stores a body before committing the row that references it. The marts, the
articles and the mentions are never touched: they were built from the pages and stay.

**Snapshots** (the scale profile's DuckLake): every commit makes a snapshot, and the files a
replaced partition no longer uses stay on disk as long as an old snapshot can read them (time
travel). ``expire_snapshots`` expires the snapshots older than the retention
(``ducklake_expire_snapshots``), then deletes the files DuckLake scheduled for deletion more than
``FILE_CLEANUP_GRACE`` ago (``ducklake_cleanup_old_files``): a query that started on an expired
snapshot a moment before still finds its files. The embedded profile's DuckDB file has no snapshots.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from monitor_pipeline.storage import article_tags, page_extractions, warehouse
from monitor_pipeline.storage.page_store import PageStore

PAGE_RETENTION_ENV = "MONITOR_PAGE_RETENTION_DAYS"
SNAPSHOT_RETENTION_ENV = "MONITOR_SNAPSHOT_RETENTION_DAYS"
RECENT_FILE_GRACE = timedelta(hours=1)
FILE_CLEANUP_GRACE = timedelta(hours=1)


class PagesRemovedByRetention(RuntimeError):
    """A day's raw pages were removed by the retention policy: it cannot be rebuilt from them."""


def check_keep_days(name: str, value: int | None) -> None:
    """A retention setting is a whole number of days >= 1, or None (keep everything)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a whole number of days >= 1 (unset: keep everything), got {value!r}")


@dataclass
class PageRetentionReport:
    cutoff_day: date | None = None  # partitions before this day lose their pages; None: retention off
    days: list[str] = field(default_factory=list)  # days whose pages this call removed
    files_removed: int = 0
    bytes_freed: int = 0
    files_shared_with_kept_days: int = 0  # same content as a page of a kept day: kept
    files_recently_stored: int = 0  # touched within RECENT_FILE_GRACE: kept, retried next time


@dataclass
class SnapshotRetentionReport:
    older_than: datetime | None = None  # None: retention off, or no lake
    snapshots_expired: int = 0
    files_deleted: int = 0
    snapshots_left: int = 0


def page_cutoff_day(today: date, keep_days: int) -> date:
    """The first day whose pages are kept: today and the ``keep_days`` days before it stay."""
    return today - timedelta(days=keep_days)


def _pending_days(conn: duckdb.DuckDBPyConnection, cutoff: date) -> list[tuple[date, int]]:
    """Days before the cutoff that hold stored pages and whose removal did not finish."""
    return conn.execute("""
        SELECT p.partition_day, count(*) FROM article_pages p
        WHERE p.partition_day < ? AND p.content_sha256 IS NOT NULL
          AND p.partition_day NOT IN (SELECT partition_day FROM page_retention WHERE completed_at IS NOT NULL)
        GROUP BY p.partition_day ORDER BY p.partition_day""", [cutoff]).fetchall()


def _removable_hashes(conn: duckdb.DuckDBPyConnection, days: list[date], cutoff: date) -> tuple[list[str], int]:
    """Hashes of the days' pages that no kept day (on or after the cutoff) references, and how many
    are kept because a kept day has the same content."""
    rows = conn.execute("""
        SELECT DISTINCT p.content_sha256,
               p.content_sha256 IN (SELECT content_sha256 FROM article_pages
                                    WHERE partition_day >= ? AND content_sha256 IS NOT NULL) AS shared
        FROM article_pages p
        WHERE p.partition_day IN (SELECT unnest(?)) AND p.content_sha256 IS NOT NULL
        ORDER BY 1""", [cutoff, days]).fetchall()
    return [sha for sha, shared in rows if not shared], sum(1 for _, shared in rows if shared)


def remove_old_pages(conn: duckdb.DuckDBPyConnection, store: PageStore, keep_days: int | None,
                     today: date, now: datetime) -> PageRetentionReport:
    """Remove the raw pages of the days before ``today - keep_days`` (``None``: keep everything).

    Idempotent: a day is marked done only once all its removable files are gone, so an interrupted
    call is finished by the next one. ``now`` (timezone-aware) dates the record and the grace period.
    """
    report = PageRetentionReport()
    if keep_days is None:
        return report
    check_keep_days(PAGE_RETENTION_ENV, keep_days)
    warehouse.ensure_schema(conn)
    cutoff = page_cutoff_day(today, keep_days)
    report.cutoff_day = cutoff
    pending = _pending_days(conn, cutoff)
    if not pending:
        return report
    days = [day for day, _ in pending]
    started = [r[0] for r in conn.execute(
        "SELECT partition_day FROM page_retention WHERE partition_day IN (SELECT unnest(?))", [days]).fetchall()]
    # Recorded first: from here on a rebuild of these days says why their pages are gone.
    warehouse.insert_rows(conn, "page_retention", [
        {"partition_day": day, "retention_days": keep_days, "removed_at": now, "pages": pages, "completed_at": None}
        for day, pages in pending if day not in started])
    removable, report.files_shared_with_kept_days = _removable_hashes(conn, days, cutoff)
    recent_after = (now - RECENT_FILE_GRACE).timestamp()
    for sha in removable:
        path = store.path_for(sha)
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # removed by an earlier, interrupted call
        if stat.st_mtime >= recent_after:
            report.files_recently_stored += 1
            continue
        path.unlink(missing_ok=True)
        report.files_removed += 1
        report.bytes_freed += stat.st_size
    if report.files_recently_stored == 0:
        page_extractions.drop_days(conn, days)  # derived from the removed pages: never reused
        article_tags.drop_days(conn, days)
        _mark_completed(conn, days, now)
    report.days = [d.isoformat() for d in days]
    return report


def _mark_completed(conn: duckdb.DuckDBPyConnection, days: Iterable[date], now: datetime) -> None:
    day_list = list(days)
    warehouse.write_transaction(conn, lambda c: c.execute(
        "UPDATE page_retention SET completed_at = ? WHERE partition_day IN (SELECT unnest(?))", [now, day_list]))


def pages_removed(conn: duckdb.DuckDBPyConnection, day: str | date) -> dict[str, Any] | None:
    """The retention record of ``day`` when its raw pages were removed (or are being removed), else None."""
    rows = warehouse.fetch_dicts(conn, """
        SELECT partition_day, retention_days, removed_at, pages, completed_at FROM page_retention
        WHERE partition_day = ?""", [day])
    return rows[0] if rows else None


def removed_pages_message(record: dict[str, Any]) -> str:
    """What to tell someone who asked to rebuild a day whose pages retention removed."""
    return (f"the raw pages of {record['partition_day']} ({record['pages']} pages) were removed by the retention "
            f"policy ({PAGE_RETENTION_ENV}={record['retention_days']}) on {record['removed_at']:%Y-%m-%d %H:%M %Z}: "
            "the day cannot be extracted again")


def ducklake_catalog(conn: duckdb.DuckDBPyConnection) -> str | None:
    """The name of the connection's default catalog when it is a DuckLake, else None."""
    row = conn.execute("SELECT database_name, type FROM duckdb_databases() "
                       "WHERE database_name = current_database()").fetchone()
    return row[0] if row and row[1] == "ducklake" else None


def expire_snapshots(conn: duckdb.DuckDBPyConnection, catalog: str, keep_days: int | None,
                     now: datetime) -> SnapshotRetentionReport:
    """Expire the snapshots of the DuckLake ``catalog`` older than ``keep_days`` (``None``: keep
    everything) and delete the data files no snapshot left needs. The latest snapshot is never
    expired, so the current data stays whatever the setting."""
    report = SnapshotRetentionReport()
    if keep_days is None:
        return report
    check_keep_days(SNAPSHOT_RETENTION_ENV, keep_days)
    report.older_than = now - timedelta(days=keep_days)
    expired = conn.execute("CALL ducklake_expire_snapshots(?, older_than => ?)",
                           [catalog, report.older_than]).fetchall()
    report.snapshots_expired = len(expired)
    deleted = conn.execute("CALL ducklake_cleanup_old_files(?, older_than => ?)",
                           [catalog, now - FILE_CLEANUP_GRACE]).fetchall()
    report.files_deleted = len(deleted)
    report.snapshots_left = conn.execute("SELECT count(*) FROM ducklake_snapshots(?)", [catalog]).fetchone()[0]
    return report
