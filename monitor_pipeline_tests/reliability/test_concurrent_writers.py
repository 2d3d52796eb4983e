"""Two runs writing the same DuckDB file at the same time (a backfill and the hourly poll).

DuckDB lets one process hold the file: the second must wait for the lock (Dagster's DuckDBResource
backs off, ``warehouse.connect_with_retry`` waits) and both runs must succeed with no lock error
reaching the user. Here the first run holds the lock inside its write transaction for a few seconds
(an injected hook), so the second really has to wait.
"""
from __future__ import annotations

import pytest

from monitor_pipeline import stages
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline_tests.reliability.conftest import (
    DAY, FAST_HTTP, fast_http, outcome_of, query, start_child, wait_for,
)

pytestmark = pytest.mark.timeout(180)
BACKFILL_DAY = "2025-03-03"


@pytest.mark.parametrize("factory", ["resource", "retry"])
def test_backfill_and_hourly_poll_both_succeed_one_waiting_for_the_other(site, connect, db_path, tmp_path, factory):
    archive = site.add_feed("archives", range(0, 15))
    live = site.add_feed("direct", range(100, 125))
    stages.poll_feeds(connect, [archive], fast_http(), PollPolicy(), BACKFILL_DAY)
    stages.fetch_pages(connect, BACKFILL_DAY, fast_http())

    marker = tmp_path / "poll-holds-the-lock"
    http = {**FAST_HTTP, "allow_hosts": ["127.0.0.1"]}
    poll_run = start_child({"stage": "poll", "db": str(db_path), "day": DAY, "http": http, "factory": factory,
                            "sources": [{"id": live.id, "name": live.name, "url": live.url}],
                            "hang_in_table": "feed_entries", "hold_s": 6, "marker": str(marker)})
    wait_for(marker, poll_run)  # the poll is inside its write transaction, holding the file lock
    connecting = tmp_path / "backfill-connecting"
    backfill = start_child({"stage": "build_articles", "db": str(db_path), "day": BACKFILL_DAY, "factory": factory,
                            "marker_before_connect": str(connecting)})
    wait_for(connecting, backfill)
    assert poll_run.poll() is None  # the backfill asks for the file while the poll still holds it
    poll_out = outcome_of(*poll_run.communicate(timeout=120))
    backfill_out = outcome_of(*backfill.communicate(timeout=120))

    assert poll_out["ok"], poll_out
    assert backfill_out["ok"], backfill_out
    for out in (poll_out, backfill_out):
        assert "lock" not in out["stderr"].lower()
    assert poll_out["report"]["entries_new"] == 25
    assert backfill_out["report"]["articles"] == 15
    assert query(db_path, "SELECT partition_day::VARCHAR, count(*) FROM feed_entries GROUP BY 1 ORDER BY 1") == [
        (BACKFILL_DAY, 15), (DAY, 25)]
    assert query(db_path, "SELECT count(*) FROM articles WHERE partition_day = ?", [BACKFILL_DAY])[0][0] == 15
