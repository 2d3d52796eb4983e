"""Backfills recompute from stored HTML with no network, one run per day.

One real run of the sample corpus fills today's partition; then the corpus server is stopped and a plain
TCP listener takes its port, recording any connection. The `recompute_from_stored_html` job then rebuilds
the same partition (identical tables, no connection) and three past days that hold no entries."""
from __future__ import annotations

import socket
import threading
from datetime import date, timedelta

import dagster as dg
import duckdb
import pytest

from monitor_pipeline.defs.policies import today_partition_key

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # five real runs, dbt included

RECOMPUTED_TABLES = ("articles", "company_mentions", "numeric_facts", "layoff_mentions",
                     "company_mentions_daily", "layoff_mentions_daily", "layoff_events")
INGEST_TABLES = ("feed_entries", "article_pages", "feed_fetches")


class ConnectionRecorder:
    """Listens on a loopback port and records every connection attempt (none expected)."""

    def __init__(self, port: int) -> None:
        self.connections: list[tuple] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections.append(peer)
            conn.close()

    def __enter__(self) -> "ConnectionRecorder":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()


def snapshot(db_path, tables) -> dict[str, list]:
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def recompute_job(registry_path: str):
    from monitor_pipeline.definitions import build_definitions
    from monitor_pipeline.demo import sample_feed_resource

    defs = build_definitions({"feeds": sample_feed_resource(registry_path)})
    return defs, defs.resolve_job_def("recompute_from_stored_html")


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    from monitor_pipeline.demo import run_sample_partition
    from monitor_pipeline.sample_server import SampleCorpusServer

    root = tmp_path_factory.mktemp("backfill")
    db_path = root / "data" / "warehouse.duckdb"
    db_path.parent.mkdir()
    (root / "dagster_home").mkdir()
    day = today_partition_key()
    past_days = [(date.fromisoformat(day) - timedelta(days=n)).isoformat() for n in (3, 2, 1)]
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("MONITOR_WAREHOUSE_PATH", str(db_path))
        mp.setenv("MONITOR_ALERT_LEDGER_PATH", str(root / "data" / "alerts.duckdb"))
        mp.delenv("MONITOR_ALERT_URLS", raising=False)
        with dg.instance_for_test(temp_dir=str(root / "dagster_home")) as instance:
            with SampleCorpusServer() as server:
                first = run_sample_partition(server, day, instance, registry_dir=str(root))
                assert first.success, [e.message for e in first.all_events if e.is_failure]
                port = server.port
                requests_during_run = len(server.requests)
            before = snapshot(db_path, RECOMPUTED_TABLES + INGEST_TABLES)
            defs, job = recompute_job(str(root / "sample_feeds.yaml"))
            with ConnectionRecorder(port) as recorder:
                same_day = job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False)
                after = snapshot(db_path, RECOMPUTED_TABLES + INGEST_TABLES)
                past = {d: job.execute_in_process(partition_key=d, instance=instance, raise_on_error=False)
                        for d in past_days}
                after_past = snapshot(db_path, RECOMPUTED_TABLES + INGEST_TABLES)
            yield {"day": day, "past_days": past_days, "before": before, "after": after, "after_past": after_past,
                   "same_day": same_day, "past": past, "connections": recorder.connections, "defs": defs,
                   "job": job, "instance": instance, "requests_during_run": requests_during_run, "db": db_path}
    finally:
        mp.undo()


def test_recompute_of_the_same_day_succeeds_without_network(backfilled):
    assert backfilled["requests_during_run"] > 0  # the first run did use the corpus server
    result = backfilled["same_day"]
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert backfilled["connections"] == []  # nothing tried to reach the (stopped) corpus server
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"articles", "layoff_mentions", "layoff_events", "analytics_copy"} <= materialized
    assert not materialized & {"feed_entries", "article_pages", "feed_fetches", "feeds"}


def test_recompute_leaves_articles_and_mentions_identical(backfilled):
    assert backfilled["before"]["articles"], "the sample run stored articles"
    assert backfilled["before"]["layoff_mentions"], "the sample run found layoff mentions"
    assert backfilled["after"] == backfilled["before"]


def test_backfill_of_three_empty_past_days_runs_once_per_day(backfilled):
    for day, result in backfilled["past"].items():
        assert result.success, (day, [e.message for e in result.all_events if e.is_failure])
        assert result.dagster_run.tags["dagster/partition"] == day
    runs = backfilled["instance"].get_runs(dg.RunsFilter(job_name="recompute_from_stored_html"))
    partitions = sorted(r.tags["dagster/partition"] for r in runs)
    assert partitions == sorted([backfilled["day"], *backfilled["past_days"]])
    # past days hold no entries: nothing appears in them, and today's data is untouched
    assert backfilled["after_past"] == backfilled["before"]
    conn = duckdb.connect(str(backfilled["db"]), read_only=True)
    try:
        rows = conn.execute("SELECT count(*) FROM articles WHERE partition_day < ?",
                            [date.fromisoformat(backfilled["day"])]).fetchone()[0]
    finally:
        conn.close()
    assert rows == 0


def test_every_recomputed_asset_backfills_one_day_per_run(backfilled):
    """A UI backfill over N days launches N runs (the pool then serializes their warehouse writes); the
    tables that are not per-day data (full-table marts, the analysts' copy) are not partitioned at all."""
    graph = backfilled["defs"].resolve_asset_graph()
    checked, unpartitioned = 0, set()
    for key in backfilled["job"].asset_layer.selected_asset_keys:
        node = graph.get(key)
        if node.partitions_def is None:
            unpartitioned.add(key.to_user_string())
            continue
        assert node.backfill_policy == dg.BackfillPolicy.multi_run(max_partitions_per_run=1), key
        assert node.backfill_policy.max_partitions_per_run == 1
        checked += 1
    assert checked >= 8
    assert unpartitioned == {"companies", "company_trends", "layoff_events", "layoff_event_mentions",
                             "layoff_event_resolution", "layoff_event_resolution_mentions", "layoff_mentions_daily",
                             "org_candidates", "analytics_copy", "layoff_alerts",
                             "company_spike_alerts"}
