"""Hourly polling of today's partition, and the 06:00 rebuild of yesterday's (both configurable)."""

import os
from datetime import timedelta

import dagster as dg

from monitor_pipeline.defs.jobs import daily_pipeline_job, recompute_job
from monitor_pipeline.defs.policies import PIPELINE_TIMEZONE

POLL_CRON = os.environ.get("MONITOR_POLL_CRON", "0 * * * *")
DAILY_CRON = os.environ.get("MONITOR_DAILY_CRON", "0 6 * * *")


@dg.schedule(cron_schedule=POLL_CRON, job=daily_pipeline_job, execution_timezone=PIPELINE_TIMEZONE)
def hourly_poll_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Runs the whole chain for today's partition: new entries are polled and processed within the hour."""
    day = context.scheduled_execution_time.date().isoformat()
    return dg.RunRequest(run_key=f"poll-{context.scheduled_execution_time.isoformat()}", partition_key=day)


@dg.schedule(cron_schedule=DAILY_CRON, job=recompute_job, execution_timezone=PIPELINE_TIMEZONE)
def daily_aggregates_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Rebuilds yesterday's articles, tags and aggregates once the day is complete."""
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return dg.RunRequest(run_key=f"daily-{day}", partition_key=day)
