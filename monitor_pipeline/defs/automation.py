"""When assets materialize, declared on the assets themselves (the automation sensor evaluates them):

* ``feeds`` and the poll, on the poll cron (hourly): today's partition;
* everything downstream, eagerly, when what it reads was updated: today's chain after each poll;
* ``articles`` of yesterday on the daily cron (06:00, the day complete), and from it, eagerly, yesterday's
  mentions, daily marts and digest.

Both crons come from the environment (MONITOR_POLL_CRON, MONITOR_DAILY_CRON) in the pipeline's timezone.
The jobs in ``jobs.py`` stay for manual runs and backfills."""
from datetime import timedelta

import dagster as dg

from monitor_pipeline.defs.policies import PIPELINE_TIMEZONE
from monitor_pipeline.defs.resources import daily_cron, poll_cron

AC = dg.AutomationCondition
POLL_CRON = poll_cron()
DAILY_CRON = daily_cron()

TODAY = AC.in_latest_time_window()
TODAY_AND_YESTERDAY = AC.in_latest_time_window(timedelta(days=2))
YESTERDAY = (TODAY_AND_YESTERDAY & ~TODAY).with_label("yesterday")


def on_poll_cron(*ignored: str) -> dg.AutomationCondition:
    """Today's partition (or the unpartitioned asset) at each poll tick. ``ignored`` deps need not be updated
    first: the poll's own past days, and the feed list (an unpartitioned asset cannot share today's run)."""
    condition = AC.on_cron(POLL_CRON, PIPELINE_TIMEZONE)
    return condition.ignore(dg.AssetSelection.assets(*ignored)) if ignored else condition


def eager_today(*self_dependent: str) -> dg.AutomationCondition:
    """Today's partition, as soon as what it reads was updated (not what it reads of its own past days)."""
    condition = AC.eager()
    return condition.ignore(dg.AssetSelection.assets(*self_dependent)) if self_dependent else condition


def eager_today_and_yesterday(*ignored: str) -> dg.AutomationCondition:
    """Like eager, over the two latest partitions: today's after a poll, yesterday's after its rebuild.
    ``ignored`` are the deps whose updates must not rebuild yesterday (the asset's own past days; the
    feed list and the knowledge base, refreshed at every poll)."""
    condition = (
        TODAY_AND_YESTERDAY
        & (AC.newly_missing() | AC.any_deps_updated()).since_last_handled()
        & ~AC.any_deps_missing()
        & ~AC.any_deps_in_progress()
        & ~AC.in_progress()
    ).with_label("eager (today and yesterday)")
    return condition.ignore(dg.AssetSelection.assets(*ignored)) if ignored else condition


def eager_over_every_day() -> dg.AutomationCondition:
    """An unpartitioned asset reading every day: rebuilt when any day it reads was updated, once the
    latest day of each is there. Days never built (before the pipeline ran) do not hold it back."""
    latest_day_missing = AC.any_deps_match(AC.missing() & AC.in_latest_time_window()).with_label(
        "any_deps_latest_day_missing")
    return (
        (AC.newly_missing() | AC.any_deps_updated()).since_last_handled()
        & ~latest_day_missing
        & ~AC.any_deps_in_progress()
        & ~AC.in_progress()
    ).with_label("eager (over every day)")


def rebuild_yesterday() -> dg.AutomationCondition:
    """Yesterday's partition at the daily tick, whatever was updated (the day's pages are all stored)."""
    return (YESTERDAY & AC.cron_tick_passed(DAILY_CRON, PIPELINE_TIMEZONE).since_last_handled()).with_label(
        f"rebuild of yesterday ({DAILY_CRON}, {PIPELINE_TIMEZONE})")


def on_rebuild_of_yesterday() -> dg.AutomationCondition:
    """Yesterday's partition once everything it reads was updated since the daily tick."""
    return (YESTERDAY & AC.cron_tick_passed(DAILY_CRON, PIPELINE_TIMEZONE).since_last_handled()
            & AC.all_deps_updated_since_cron(DAILY_CRON, PIPELINE_TIMEZONE)).with_label(
        f"after the rebuild of yesterday ({DAILY_CRON}, {PIPELINE_TIMEZONE})")


# One sensor evaluates every asset's condition. Stopped until turned on in the UI (Automation tab), as the
# schedules it replaces were: `make dev` alone does not start polling the real feeds.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation_sensor", target=dg.AssetSelection.all(), default_status=dg.DefaultSensorStatus.STOPPED,
    description="Polls today's feeds on the poll cron, rebuilds yesterday on the daily cron, and everything "
                "downstream as soon as what it reads was updated.",
)
