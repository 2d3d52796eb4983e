"""A failing blocking check stops the day's data from flowing downstream.

The warehouse holds what a lost poll leaves behind: the feeds reported new entries for the day (an `ok`
fetch with `entries_new > 0`) but no entry was stored. Recomputing that day in a real Dagster instance
builds `articles` (empty), its blocking check `no_empty_day_when_feeds_answered` fails, and nothing
downstream (mentions, marts, the analysts' copy) is materialized from the empty day."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import dagster as dg
import duckdb
import pytest

from monitor_pipeline.definitions import build_definitions
from monitor_pipeline.storage import warehouse

pytestmark = pytest.mark.timeout(600)


def test_a_failed_blocking_check_skips_everything_downstream(warehouse_file, tmp_path):
    day = (date.today() - timedelta(days=2)).isoformat()
    conn = duckdb.connect(str(warehouse_file))
    try:
        warehouse.ensure_schema(conn)
        warehouse.insert_rows(conn, "feed_fetches", [{
            "feed_id": "lost-feed", "partition_day": day, "fetched_at": datetime.now(timezone.utc),
            "status": "ok", "http_status": 200, "bytes": 2048, "elapsed_s": 0.1, "attempts": 1,
            "entries_seen": 3, "entries_new": 3, "bozo": False, "error": None}])
    finally:
        conn.close()

    job = build_definitions().resolve_job_def("recompute_from_stored_html")
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False)

    assert not result.success
    checks = {e.asset_check_key.name: e for e in (
        ev.event_specific_data for ev in result.all_events if ev.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION)}
    failed = checks["no_empty_day_when_feeds_answered"]
    assert not failed.passed
    assert failed.metadata["new_entries_reported_by_feeds"].value == 3

    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "articles" in materialized  # the check runs on what was just built
    downstream = {"company_mentions", "layoff_mentions", "company_mentions_daily", "layoff_mentions_daily",
                  "analytics_copy"}
    assert not materialized & downstream, materialized & downstream
    planned = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    assert downstream <= planned  # they were part of the run, and skipped
