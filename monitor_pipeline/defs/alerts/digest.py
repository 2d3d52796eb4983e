"""The daily digest, delivered: yesterday's digest (HTML with its chart, and a plain-text version) to the
subscriptions in ``mode: daily_digest``, at a configurable time (default 07:00 Europe/Paris), once per
subscription and day; the text and the HTML file are shown as the partition's metadata."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from monitor_pipeline.core.alerts.digest_delivery import (
    DIGEST_KIND,
    chart_items,
    chart_png,
    digest_messages,
    digest_subscriptions,
    email_html,
    render_digest_text,
)
from monitor_pipeline.defs.alerts.delivery import (
    DELIVERY_RETRY,
    deliver,
    report_metadata,
    summary,
)
from monitor_pipeline.defs.automation import YESTERDAY
from monitor_pipeline.defs.policies import ONE_DAY_PER_RUN, PIPELINE_TIMEZONE, daily_partitions
from monitor_pipeline.defs.resources import AlertsResource, SettingError, cron_setting
from monitor_pipeline.digest import digest_data, render_digest_html
from monitor_pipeline.storage import warehouse

AC = dg.AutomationCondition
DIGEST_CRON_ENV, DIGEST_TIMEZONE_ENV = "MONITOR_DIGEST_CRON", "MONITOR_DIGEST_TIMEZONE"
# A backfill of older days rebuilds their digests but does not mail history to the subscribers.
MAX_AGE_DAYS = 3


def digest_timezone() -> str:
    """The timezone of the digest's cron (read at load: the automation condition is built then)."""
    name = dg.EnvVar(DIGEST_TIMEZONE_ENV).get_value() or PIPELINE_TIMEZONE
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise SettingError(f"{DIGEST_TIMEZONE_ENV} must be a timezone such as 'Europe/Paris', got {name!r}") from None
    return name


DIGEST_CRON = cron_setting(DIGEST_CRON_ENV, "0 7 * * *")
DIGEST_TIMEZONE = digest_timezone()


def on_digest_cron() -> dg.AutomationCondition:
    """Yesterday's partition once the digest's cron tick passed and yesterday's digest is built. (Dagster's
    ``on_cron`` would target the latest partition, today's, and wait for its deps to be rebuilt after the
    tick.)"""
    return (YESTERDAY & AC.cron_tick_passed(DIGEST_CRON, DIGEST_TIMEZONE).since_last_handled()
            & ~AC.any_deps_missing() & ~AC.any_deps_in_progress() & ~AC.in_progress()).with_label(
        f"yesterday's digest at {DIGEST_CRON} ({DIGEST_TIMEZONE})")


def why_not_sent(day: str, now: datetime | None = None) -> str | None:
    """Why the digest of ``day`` (a partition key) is not sent now, or None: the day is not over yet in
    the pipeline's timezone, or it ended more than ``MAX_AGE_DAYS`` days ago (a backfill)."""
    now = now or datetime.now(ZoneInfo(PIPELINE_TIMEZONE))
    today = now.astimezone(ZoneInfo(PIPELINE_TIMEZONE)).date()
    age = (today - date.fromisoformat(day)).days
    if age < 1:
        return "the day is not over"
    if age > MAX_AGE_DAYS:
        return f"older than {MAX_AGE_DAYS} days (a backfill does not mail history)"
    return None


@dg.asset(
    deps=["daily_digest"],
    partitions_def=daily_partitions,
    backfill_policy=ONE_DAY_PER_RUN,
    kinds={"apprise", "html"},
    group_name="alerts",
    automation_condition=on_digest_cron(),
    retry_policy=DELIVERY_RETRY,
)
def daily_digest_delivery(context: dg.AssetExecutionContext, alerts: AlertsResource) -> dg.MaterializeResult:
    """Sends the day's digest (HTML with the mentions chart, and a plain-text version) to every subscription
    in ``mode: daily_digest``, once per subscription and day; e-mail receives a multipart message (text, and
    HTML with the chart as an inline PNG), other channels the text. A day not over (the daily job
    materializes today's partition) or older than ``MAX_AGE_DAYS`` (a backfill) is not sent. The text is
    shown below, the HTML file is the ``daily_digest`` report of the day."""
    day = context.partition_key
    analytics = warehouse.analytics_path()
    data = digest_data(analytics, day)
    title, text = render_digest_text(day, data)
    subscribers = digest_subscriptions(alerts.subscriptions())
    report_file = analytics.parent / "reports" / f"digest-{day}.html"
    metadata: dict[str, dg.MetadataValue] = {
        "digest": dg.MetadataValue.md("```\n" + text + "\n```"),
        "subscribers": dg.MetadataValue.int(len(subscribers)),
    }
    if report_file.exists():
        metadata["html"] = dg.MetadataValue.path(str(report_file))
    reason = why_not_sent(day)
    if reason:
        context.log.info(f"the digest of {day} is not sent: {reason}")
        return dg.MaterializeResult(metadata={**metadata, "sent": dg.MetadataValue.int(0),
                                              "not_sent": dg.MetadataValue.text(reason)})
    html, images = render_digest_html(day, data), []
    if subscribers:  # the chart as a PNG for mail clients, which seldom show an inline SVG
        chart_file = analytics.parent / "reports" / f"digest-{day}-chart.png"
        chart_file.parent.mkdir(parents=True, exist_ok=True)
        chart_file.write_bytes(chart_png(chart_items(data)))
        html, images = email_html(html, chart_file.name), [str(chart_file)]
        metadata["chart"] = dg.MetadataValue.path(str(chart_file))
    messages = digest_messages(day, title, text, html, subscribers, images=images)
    report = deliver(messages, subscribers, alerts, retry_kinds=[DIGEST_KIND])
    context.log.info(f"digest of {day}: {summary(report)}")
    metadata.update(report_metadata(report, subscribers))
    if report.total("failed"):
        raise dg.Failure(f"{report.total('failed')} digest delivery(ies) failed; retried with backoff",
                         metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)
