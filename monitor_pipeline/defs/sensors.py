"""The layoff-alert sensor: one alert per new layoff event, through the exactly-once ledger."""

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from monitor_pipeline import warehouse
from monitor_pipeline.alert_ledger import AlertSettings, run_alert_tick
from monitor_pipeline.core.alerts.planner import LayoffEvent
from monitor_pipeline.core.alerts.channels import channels_from_env

ALERT_LEDGER_ENV_VAR = "MONITOR_ALERT_LEDGER_PATH"


def alert_ledger_path() -> Path:
    return Path(os.environ.get(ALERT_LEDGER_ENV_VAR) or Path(warehouse.warehouse_path()).with_name("alerts.duckdb"))


def load_layoff_events(analytics_file: Path) -> list[LayoffEvent]:
    """Counted layoff events from the analysts' copy (read-only: never blocked by a running run)."""
    if not analytics_file.exists():
        return []
    with warehouse.connect_with_retry(str(analytics_file), read_only=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "layoff_events" not in tables:
            return []
        rows = warehouse.fetch_dicts(conn, """
            SELECT event_key, company_id, company_name, status, headcount, headcount_percent, sentence,
                   article_id, article_title, url, source_id, source_name, published_at, cast(day AS VARCHAR) AS day
            FROM layoff_events ORDER BY event_key""")
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


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None


def alert_settings_from_env() -> AlertSettings:
    """Alert tuning from env: MONITOR_ALERT_DIGEST_THRESHOLD, MONITOR_DAGSTER_UI_URL, and the retry backoff
    MONITOR_ALERT_BACKOFF_BASE_S / MONITOR_ALERT_BACKOFF_MAX_S (full-jitter exponential, seconds)."""
    defaults = AlertSettings()
    return AlertSettings(
        digest_threshold=int(os.environ.get("MONITOR_ALERT_DIGEST_THRESHOLD", "10")),
        ui_base_url=os.environ.get("MONITOR_DAGSTER_UI_URL") or None,
        backoff_base_s=_float_env("MONITOR_ALERT_BACKOFF_BASE_S", defaults.backoff_base_s),
        backoff_max_s=_float_env("MONITOR_ALERT_BACKOFF_MAX_S", defaults.backoff_max_s),
    )


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def layoff_alert_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Sends one alert per new layoff event (company + syndication cluster, counted statuses only), one
    follow-up when a known event's headcount or status changes, retries failed channels with backoff,
    and records every delivery in the alerts ledger (data/alerts.duckdb)."""
    events = load_layoff_events(warehouse.analytics_path())
    data_dir = alert_ledger_path().parent
    report = run_alert_tick(
        events, alert_ledger_path(), channels_from_env(data_dir=data_dir), datetime.now(timezone.utc),
        alert_settings_from_env(),
    )
    cursor = json.dumps({"events": len(events), "sent": report.sent, "failed": report.failed,
                         "pending": report.pending, "unconfirmed": report.unconfirmed})
    message = (f"{len(events)} events; planned {report.planned}, sent {report.sent}, failed {report.failed}, "
               f"pending {report.pending}, unconfirmed {report.unconfirmed}")
    context.log.info(message)
    return dg.SensorResult(skip_reason=dg.SkipReason(message), cursor=cursor)
