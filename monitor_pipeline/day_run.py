"""One day's pipeline through Dagster, as `make demo` and `monitor-pipeline run --day` launch it: the
daily job for one partition in this process (poll → … → marts → layoff events → alerts), and what the
run produced, summarized."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import dagster as dg

from monitor_pipeline import run_health
from monitor_pipeline.storage import warehouse


def run_partition(registry_path: str, day: str, instance: dg.DagsterInstance,
                  pool_wait_limit_s: float | None = None, feeds=None,
                  force_poll: bool = False) -> dg.ExecuteInProcessResult:
    """Run the daily job for one partition in this process, with the feeds of ``registry_path``.

    ``feeds``: the feed resource (``FeedPollerResource``); by default the sample corpus settings
    (loopback allowed, short timeouts: ``demo.sample_feed_resource``). The job ends with
    ``layoff_alerts``, so the run also evaluates alerting once. ``force_poll``: poll even when ``day``
    is not today (the poll's own option: the new entries then land in that day).

    Run health (``monitor_pipeline.run_health``): dead runs of this host are failed and their pool
    slots freed first; the run carries this process in its tags; a wait for the warehouse pool is
    reported in the run log and on stderr, and bounded (``MONITOR_POOL_WAIT_LIMIT_S``)."""
    from monitor_pipeline.definitions import build_definitions

    if feeds is None:
        from monitor_pipeline.demo import sample_feed_resource

        feeds = sample_feed_resource(registry_path)
    for recovered in run_health.recover_dead_runs(instance):
        print(f"Run {recovered.run_id} ({recovered.job_name}) was dead: {recovered.reason}", file=sys.stderr)
    defs = build_definitions({"feeds": feeds})
    job = defs.resolve_job_def("daily_pipeline")
    quiet: dict = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    if force_poll:
        quiet["ops"] = {"poll_feeds": {"config": {"force_poll": True}}}
    run_id = str(uuid.uuid4())  # known before the run starts, so the pool watch can follow it
    with run_health.PoolWaitWatch(instance, run_id, limit_s=pool_wait_limit_s):
        return job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False,
                                      run_config=quiet, run_id=run_id, tags=run_health.process_run_tags())


def failure_messages(result: dg.ExecuteInProcessResult) -> list[str]:
    """The messages of the run's failure events (step and run failures), in order."""
    return [event.message for event in result.all_events if event.is_failure and event.message]


def alerts_sent(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    """Alerts sent per subscription by the run's ``layoff_alerts`` step (empty if it did not run)."""
    sent: dict[str, int] = {}
    for materialization in result.asset_materializations_for_node("layoff_alerts"):
        value = materialization.metadata.get("sent_per_subscription")
        if value is not None:
            sent.update(value.value)
    return sent


def run_summary(result: dg.ExecuteInProcessResult, day: str, analytics_file: Path | None = None) -> dict[str, Any]:
    """What one day's run produced, from the analysts' copy it published: the day's articles (and French
    ones), the real-world layoff events its articles report, and the alerts sent per subscription."""
    analytics_file = analytics_file or warehouse.analytics_path()
    with warehouse.connect_with_retry(str(analytics_file), read_only=True) as conn:
        articles, french = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE language = 'fr') FROM articles WHERE partition_day = ?",
            [day]).fetchone()
        events = conn.execute(
            "SELECT count(DISTINCT event_id) FROM layoff_event_mentions WHERE day = ?", [day]).fetchone()[0]
        total = conn.execute("SELECT count(*) FROM layoff_events").fetchone()[0]
    return {"day": day, "run_id": result.run_id, "articles": articles, "french_articles": french,
            "counted_events": events, "events_all_days": total, "alerts_sent": alerts_sent(result)}
