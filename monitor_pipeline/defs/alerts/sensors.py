"""The layoff-alert sensor: one alert per new layoff event, through the exactly-once ledger."""

import json
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from monitor_pipeline.storage import warehouse, warehouse_queries
from monitor_pipeline.storage.profile import profile_from_env
from monitor_pipeline.core.alerts.ledger import run_alert_tick
from monitor_pipeline.core.alerts.planner import LayoffEvent
from monitor_pipeline.defs.resources import AlertsResource


def load_layoff_events(analytics_file: Path) -> list[LayoffEvent]:
    """Counted layoff events from the analysts' copy, or the lake in the scale profile (read-only:
    never blocked by a running run)."""
    if not profile_from_env().is_scale and not analytics_file.exists():
        return []
    with warehouse.analysts_connection(analytics_file) as conn:
        rows = warehouse_queries.counted_layoff_events(conn)
    return [
        LayoffEvent(
            event_key=r["event_key"], company_id=r["company_id"], company_name=r["company_name"] or r["company_id"],
            status=r["status"], headcount=r["headcount"], headcount_percent=r["headcount_percent"],
            sentence=r["sentence"], article_id=r["article_id"], article_title=r["article_title"], url=r["url"],
            source_id=r["source_id"], source_name=r["source_name"], published_at=r["published_at"],
            partition_day=r["day"],
        )
        for r in rows
    ]


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def layoff_alert_sensor(context: dg.SensorEvaluationContext, alerts: AlertsResource) -> dg.SensorResult:
    """Sends one alert per new layoff event (company + syndication cluster, counted statuses only), one
    follow-up when a known event's headcount or status changes, retries failed channels with backoff,
    and records every delivery in the alerts ledger (data/alerts.duckdb)."""
    events = load_layoff_events(warehouse.analytics_path())
    report = run_alert_tick(events, alerts.ledger_file(), alerts.channels(), datetime.now(timezone.utc),
                            alerts.settings())
    cursor = json.dumps({"events": len(events), "sent": report.sent, "failed": report.failed,
                         "pending": report.pending, "unconfirmed": report.unconfirmed})
    message = (f"{len(events)} events; planned {report.planned}, sent {report.sent}, failed {report.failed}, "
               f"pending {report.pending}, unconfirmed {report.unconfirmed}")
    context.log.info(message)
    return dg.SensorResult(skip_reason=dg.SkipReason(message), cursor=cursor)
