"""A run killed with SIGKILL mid-write, a full disk, an unwritable database: the previous state
survives, nothing is half-written, nothing fetched is lost or duplicated, the next run completes.

Each fault is injected into a real stage running in a child process against a temp DuckDB file
(see ``child.py``): a hook sleeps inside the open write transaction so the kill lands there, or the
kill lands at an arbitrary moment of a real large write.
"""
from __future__ import annotations

import os
import signal
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor_pipeline_tests.partition_writes import replace_partition
from monitor_pipeline import stages
from monitor_pipeline.storage import warehouse
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline.core.ingest.registry import FeedSource
from monitor_pipeline_tests.reliability.child import large_rows
from monitor_pipeline_tests.reliability.conftest import (
    DAY, FAST_HTTP, fast_http, query, run_child, start_child, wait_for,
)

pytestmark = pytest.mark.timeout(180)

LATER = datetime.now(timezone.utc) + timedelta(hours=3)  # the feed is due again by then


def poll(connect, source: FeedSource, now: datetime | None = None):
    return stages.poll_feeds(connect, [source], fast_http(), PollPolicy(), DAY, now=now)


def source_dict(source: FeedSource) -> dict:
    return {"id": source.id, "name": source.name, "url": source.url}


def kill_inside_transaction(spec: dict, tmp_path: Path) -> None:
    """Start the child, wait until it sits inside its write transaction, SIGKILL it."""
    marker = tmp_path / "inside-transaction"
    proc = start_child({**spec, "marker": str(marker), "hold_s": 120})
    try:
        wait_for(marker, proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def entries(db: Path) -> list[tuple]:
    return query(db, "SELECT entry_id, canonical_url, title FROM feed_entries ORDER BY entry_id")


@pytest.fixture
def polled_twenty(site, connect, db_path):
    """One feed with 20 entries polled and their pages fetched; the feed then grows to 40."""
    source = site.add_feed("actu", range(20))
    assert poll(connect, source).entries_new == 20
    assert stages.fetch_pages(connect, DAY, fast_http()).statuses["ok"] == 20
    site.set_articles("actu", range(40))
    return source


def test_sigkill_while_writing_new_entries_loses_and_duplicates_nothing(polled_twenty, connect, db_path, tmp_path):
    before = entries(db_path)
    state_before = query(db_path, "SELECT * FROM feed_state")
    fetches_before = query(db_path, "SELECT count(*) FROM feed_fetches")[0][0]

    kill_inside_transaction({"stage": "poll", "db": str(db_path), "day": DAY, "http": {**FAST_HTTP,
                             "allow_hosts": ["127.0.0.1"]}, "sources": [source_dict(polled_twenty)],
                             "now": LATER.isoformat(), "hang_in_table": "feed_entries"}, tmp_path)

    # the database opens and holds exactly the state before the killed run
    assert entries(db_path) == before
    assert query(db_path, "SELECT * FROM feed_state") == state_before
    assert query(db_path, "SELECT count(*) FROM feed_fetches")[0][0] == fetches_before

    report = poll(connect, polled_twenty, now=LATER)  # the next run completes the work
    assert report.entries_new == 20
    after = entries(db_path)
    assert len(after) == 40 and len({url for _, url, _ in after}) == 40
    assert set(before) <= set(after)
    again = poll(connect, polled_twenty, now=LATER + timedelta(hours=3))
    assert again.entries_new == 0 and len(entries(db_path)) == 40


def test_sigkill_while_storing_pages_keeps_stored_pages_and_refetches_the_rest(polled_twenty, connect, db_path,
                                                                                tmp_path):
    poll(connect, polled_twenty, now=LATER)
    pages_before = query(db_path, "SELECT entry_id, content_sha256 FROM article_pages ORDER BY entry_id")
    assert len(pages_before) == 20

    kill_inside_transaction({"stage": "fetch_pages", "db": str(db_path), "day": DAY,
                             "http": {**FAST_HTTP, "allow_hosts": ["127.0.0.1"]},
                             "hang_in_table": "article_pages"}, tmp_path)

    assert query(db_path, "SELECT entry_id, content_sha256 FROM article_pages ORDER BY entry_id") == pages_before
    report = stages.fetch_pages(connect, DAY, fast_http())
    assert report.fetched == 20 and report.statuses["ok"] == 20  # only the 20 missing pages
    rows = query(db_path, "SELECT count(*), count(DISTINCT entry_id) FROM article_pages")[0]
    assert rows == (40, 40)


def test_sigkill_while_replacing_the_articles_partition_keeps_the_previous_one(polled_twenty, connect, db_path,
                                                                               tmp_path):
    stages.build_articles(connect, DAY, workers=1)
    articles_before = query(db_path, "SELECT article_id, status, text FROM articles ORDER BY article_id")
    assert len(articles_before) == 20 and {s for _, s, _ in articles_before} == {"ok"}
    poll(connect, polled_twenty, now=LATER)
    stages.fetch_pages(connect, DAY, fast_http())

    kill_inside_transaction({"stage": "build_articles", "db": str(db_path), "day": DAY,
                             "hang_in_table": "articles"}, tmp_path)

    assert query(db_path, "SELECT article_id, status, text FROM articles ORDER BY article_id") == articles_before
    report = stages.build_articles(connect, DAY, workers=1)
    assert report.articles == 40 and report.statuses["ok"] == 40
    assert query(db_path, "SELECT count(DISTINCT article_id) FROM articles")[0][0] == 40


OLD_ROWS, NEW_ROWS = 500, 10_000


def seed_old_partition(connect) -> None:
    with connect() as conn:
        warehouse.ensure_schema(conn)
        replace_partition(conn, DAY, {"articles": large_rows(DAY, OLD_ROWS, "old")})


def partition_tags(db: Path) -> dict[str, int]:
    rows = query(db, "SELECT split_part(article_id, '-', 1), count(*) FROM articles WHERE partition_day = ? "
                     "GROUP BY 1", [DAY])
    return dict(rows)


@pytest.mark.parametrize("delay_s", [0.3, 1.5])
def test_sigkill_at_an_arbitrary_moment_of_a_large_write_is_all_or_nothing(connect, db_path, tmp_path, delay_s):
    seed_old_partition(connect)
    marker = tmp_path / "write-started"
    proc = start_child({"stage": "replace_large", "db": str(db_path), "day": DAY, "rows": NEW_ROWS,
                        "marker": str(marker), "marker_before_write": True})
    try:
        wait_for(marker, proc)
        time.sleep(delay_s)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.communicate()

    tags = partition_tags(db_path)  # the file opens (WAL replayed or discarded)
    assert tags in ({"old": OLD_ROWS}, {"new": NEW_ROWS}), tags
    outcome = run_child({"stage": "replace_large", "db": str(db_path), "day": DAY, "rows": NEW_ROWS})
    assert outcome["ok"], outcome
    assert partition_tags(db_path) == {"new": NEW_ROWS}


def test_full_disk_gives_a_clear_error_keeps_the_previous_state_and_the_next_run_recovers(connect, db_path):
    seed_old_partition(connect)
    outcome = run_child({"stage": "replace_large", "db": str(db_path), "day": DAY, "rows": NEW_ROWS,
                         "fsize_limit": db_path.stat().st_size + 256 * 1024})
    assert not outcome["ok"]
    assert "File too large" in outcome["error"] and str(db_path) in outcome["error"], outcome["error"]
    assert "no transaction is active" not in outcome["error"]  # the real cause is not masked
    assert partition_tags(db_path) == {"old": OLD_ROWS}
    outcome = run_child({"stage": "replace_large", "db": str(db_path), "day": DAY, "rows": NEW_ROWS})
    assert outcome["ok"], outcome
    assert partition_tags(db_path) == {"new": NEW_ROWS}


def test_full_disk_during_a_poll_records_nothing_and_the_next_poll_stores_every_entry(site, connect, db_path):
    source = site.add_feed("actu", range(30))
    with connect() as conn:
        warehouse.ensure_schema(conn)
    spec = {"stage": "poll", "db": str(db_path), "day": DAY, "http": {**FAST_HTTP, "allow_hosts": ["127.0.0.1"]},
            "sources": [source_dict(source)]}
    outcome = run_child({**spec, "fsize_limit": 4096})  # the write-ahead log cannot grow
    assert not outcome["ok"] and "File too large" in outcome["error"], outcome
    assert query(db_path, "SELECT count(*) FROM feed_entries")[0][0] == 0
    assert query(db_path, "SELECT count(*) FROM feed_state")[0][0] == 0
    outcome = run_child(spec)
    assert outcome["ok"], outcome
    assert outcome["report"]["entries_new"] == 30
    assert query(db_path, "SELECT count(*), count(DISTINCT canonical_url) FROM feed_entries")[0] == (30, 30)


def test_database_in_a_missing_or_non_directory_path_is_refused_at_once(tmp_path):
    not_a_dir = tmp_path / "plain-file"
    not_a_dir.write_text("x")
    started = time.monotonic()
    outcome = run_child({"stage": "build_articles", "db": str(not_a_dir / "warehouse.duckdb"), "day": DAY})
    assert not outcome["ok"]
    assert outcome["error_type"] == "IOException"
    assert "Not a directory" in outcome["error"] and str(not_a_dir) in outcome["error"]
    assert time.monotonic() - started < 30  # not mistaken for a lock and retried for a minute


@pytest.mark.skipif(os.geteuid() == 0, reason="file permissions do not apply to root")
def test_read_only_database_file_gives_a_clear_error_and_recovers(connect, db_path):
    seed_old_partition(connect)
    db_path.chmod(0o444)
    db_path.parent.chmod(0o555)
    try:
        outcome = run_child({"stage": "replace_large", "db": str(db_path), "day": DAY, "rows": 100})
    finally:
        db_path.parent.chmod(0o755)
        db_path.chmod(0o644)
    assert not outcome["ok"] and "Permission denied" in outcome["error"], outcome
    assert partition_tags(db_path) == {"old": OLD_ROWS}
    assert run_child({"stage": "replace_large", "db": str(db_path), "day": DAY, "rows": 100})["ok"]
