"""Load: 2,000 feeds and 50,400 entries on 8 loopback addresses with random latency, errors, resets
and hangs, polled once (``load_driver.run_load``). Skipped unless ``MONITOR_RUN_LOAD=1``; figures
recorded in docs/RELIABILITY.md."""
from __future__ import annotations

import json
import os

import pytest

from monitor_pipeline_tests.reliability.load_driver import run_load

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(os.environ.get("MONITOR_RUN_LOAD") != "1", reason="load test: set MONITOR_RUN_LOAD=1"),
]


def test_two_thousand_feeds_every_outcome_recorded_nothing_lost_or_duplicated(tmp_path, capsys):
    figures = run_load(feeds=2_000, entries_per_feed=28, hosts=8, db_dir=str(tmp_path))
    with capsys.disabled():
        print("\nload figures:", json.dumps(figures))
    assert figures["feed_state_rows"] == 2_000
    assert figures["statuses"] == figures["expected_statuses"]
    assert figures["mismatched_feeds"] == []
    assert figures["entries_stored"] == figures["distinct_entries"] == figures["entries_served"] == 50_400
