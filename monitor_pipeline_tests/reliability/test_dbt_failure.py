"""dbt failing on one model during a real Dagster run: the failure is visible in Dagster with dbt's
own message, and the analysts' copy keeps its last good state.

A first run of the whole job (sample corpus on loopback, temp Dagster instance, temp DuckDB) succeeds
and publishes ``analytics.duckdb``. Then a source column dbt aggregates is made invalid in the working
database (``feed_fetches.entries_new`` becomes VARCHAR; the Python stages still write it) and the job
runs again from dbt onwards: the ``source_health_daily`` model fails and the copy is not republished.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from monitor_pipeline.defs.policies import today_partition_key
from monitor_pipeline.demo import run_sample_partition
from monitor_pipeline.sample_server import SampleCorpusServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def failure_messages(result: dg.ExecuteInProcessResult) -> str:
    parts = []
    for event in result.all_events:
        if event.is_failure or event.event_type_value in ("STEP_FAILURE", "ASSET_CHECK_EVALUATION"):
            info = getattr(event.event_specific_data, "error", None)
            parts.append(event.message or "")
            while info is not None:
                parts.append(info.message)
                info = info.cause
    return "\n".join(parts)


DBT_AND_PUBLISH = ("stg_articles", "stg_company_mentions", "stg_feed_fetches", "stg_layoff_mentions",
                   "stg_metric_mentions", "company_mentions_daily", "company_trends", "layoff_events",
                   "layoff_event_mentions",
                   "layoff_mentions_daily", "metric_mentions", "org_candidates", "source_health_daily",
                   "analytics_copy", "daily_digest")


def rerun_from_dbt(tmp_path: Path, server: SampleCorpusServer, day: str, instance) -> dg.ExecuteInProcessResult:
    """The same job, from dbt onwards (the Python stages already ran for this partition)."""
    from monitor_pipeline.definitions import build_definitions
    from monitor_pipeline.demo import sample_feed_resource

    registry = tmp_path / "sample_feeds.yaml"
    defs = build_definitions({"feeds": sample_feed_resource(str(registry))})
    job = defs.resolve_job_def("daily_pipeline")
    return job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False,
                                  asset_selection=[dg.AssetKey(k) for k in DBT_AND_PUBLISH])


def test_a_failing_dbt_model_fails_the_run_visibly_and_keeps_the_analysts_copy(tmp_path, monkeypatch):
    db = tmp_path / "data" / "warehouse.duckdb"
    db.parent.mkdir()
    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(db))
    monkeypatch.setenv("MONITOR_ALERT_LEDGER_PATH", str(tmp_path / "data" / "alerts.duckdb"))
    monkeypatch.delenv("MONITOR_ALERT_URLS", raising=False)
    analytics = db.with_name("analytics.duckdb")
    day = today_partition_key()
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance, SampleCorpusServer() as server:
        first = run_sample_partition(server, day, instance, registry_dir=str(tmp_path))
        assert first.success
        good_copy = sha256(analytics)

        conn = duckdb.connect(str(db))
        conn.execute("ALTER TABLE feed_fetches ALTER entries_new TYPE VARCHAR")
        conn.close()
        second = rerun_from_dbt(tmp_path, server, day, instance)

    assert not second.success
    failed_steps = {e.step_key for e in second.all_events if e.event_type_value == "STEP_FAILURE"}
    assert any("dbt" in key for key in failed_steps), failed_steps
    messages = failure_messages(second)
    assert "source_health_daily" in messages, messages[-3000:]
    assert "sum(VARCHAR)" in messages or "No function matches" in messages, messages[-3000:]
    skipped = {e.step_key for e in second.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert any("analytics" in key for key in skipped) or "analytics_copy" not in {
        e.step_key for e in second.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert sha256(analytics) == good_copy  # the analysts keep the last good copy, byte for byte
